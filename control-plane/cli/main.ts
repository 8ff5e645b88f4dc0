/** `nexus-migrate <command> [...args]` */
import { commands } from './commands/index.ts';
import { redactText } from '../../shared/log/redact.ts';

function help(): string {
  const lines = ['Usage: nexus-migrate <command> [options]', '', 'Commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(22)} ${c.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  // Multi-word commands ("agent start", "bundle import") match the longest prefix.
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  const cmd = sorted.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!cmd || argv[0] === '--help' || argv[0] === 'help') {
    process.stdout.write(help() + '\n');
    return cmd ? 0 : argv.length === 0 || argv[0] === '--help' || argv[0] === 'help' ? 0 : 2;
  }
  try {
    return await cmd.run(argv.slice(cmd.name.split(' ').length));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`nexus-migrate ${cmd.name}: ${redactText(msg)}\n`);
    return 1;
  }
}
