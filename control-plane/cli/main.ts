/** `nexus-migrate <command> [...args]` */
import { commands } from './commands/index.ts';
import { commandHelp, parseCommandArgs, type Command } from './command.ts';
import { suggest } from './suggest.ts';
import { humanError } from './human-error.ts';
import { redactText } from '../../shared/log/redact.ts';
import { EXIT_CODES } from '../../shared/outcome.ts';

function help(): string {
  const lines = ['Usage: nexus-migrate <command> [options]', '', 'Commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(22)} ${c.summary}`);
  lines.push('', 'Run `nexus-migrate <command> --help` for a command\'s options.');
  return lines.join('\n');
}

export { commandHelp };

/** Usage errors (unknown or malformed flags, a missing argument) exit 2, as shared/outcome.ts says. */
function isUsageError(err: unknown): boolean {
  return err instanceof Error && err.name.endsWith('UsageError');
}

/** `--help` / `-h` anywhere before a `--` terminator. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The command named by the longest run of leading words ("agent start" before "agent"). */
export function findCommand(argv: readonly string[]): Command | undefined {
  const sorted = [...commands].sort((a, b) => b.name.split(' ').length - a.name.split(' ').length);
  return sorted.find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
}

function unknownCommand(argv: readonly string[]): string {
  // A known group ("agent", "bundle") with a wrong or missing subcommand: name the subcommands.
  const group = commands.filter((c) => c.name.includes(' ') && c.name.split(' ')[0] === argv[0]);
  if (group.length > 0) {
    const subs = group.map((c) => c.name.split(' ').slice(1).join(' '));
    const given = argv[1];
    if (given === undefined || given.startsWith('-')) return `"${argv[0]}" needs a subcommand: ${subs.join(', ')}`;
    const near = suggest(given, subs);
    return `unknown command "${argv[0]} ${given}"${near ? `; did you mean "${argv[0]} ${near}"?` : `; the ${argv[0]} commands are: ${subs.join(', ')}`}`;
  }
  const names = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  const near = suggest(argv[0]!, names);
  return `unknown command "${argv[0]}"${near ? `; did you mean "${near}"?` : ''}. Run \`nexus-migrate --help\` for the list.`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    process.stdout.write(help() + '\n');
    return 0;
  }
  if (argv[0] === 'help') {
    const c = argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
    process.stdout.write(c ? commandHelp(c) : help() + '\n');
    return argv.length > 1 && !c ? 2 : 0;
  }
  const cmd = findCommand(argv);
  if (!cmd) {
    process.stderr.write(`nexus-migrate: ${unknownCommand(argv)}\n`);
    return 2;
  }
  const rest = argv.slice(cmd.name.split(' ').length);
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  try {
    const parsed = parseCommandArgs(cmd, rest);
    return await cmd.run.call(cmd, parsed);
  } catch (err) {
    const usage = isUsageError(err);
    process.stderr.write(`nexus-migrate ${cmd.name}: ${redactText(humanError(err))}\n${usage ? `Run \`nexus-migrate ${cmd.name} --help\` for its options.\n` : ''}`);
    // The raw cause, for support: with --verbose (logs carry it too).
    if (!usage && rest.some((a) => a === '--verbose' || a === '-v')) process.stderr.write(`cause: ${redactText(err instanceof Error ? err.stack ?? err.message : String(err))}\n`);
    if (usage) return EXIT_CODES.usage;
    // A preflight refusal is a run that failed before it loaded.
    if (err instanceof Error && err.name === 'PreflightError') return EXIT_CODES.failed;
    return 1;
  }
}
