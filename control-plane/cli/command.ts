/** A CLI subcommand: its name, one line of help, and a run function returning an exit code. */
export interface Command {
  name: string;
  summary: string;
  usage?: string;
  run(args: string[]): Promise<number>;
}

/** Minimal --flag value / --flag parsing shared by subcommands. */
export function parseFlags(args: string[]): { flags: Record<string, string | true>; positional: string[] } {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') continue;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) flags[a.slice(2)] = args[++i]!;
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { flags, positional };
}
