/**
 * A CLI subcommand DECLARES its options; one shared parser (node:util parseArgs, strict) checks
 * them before `run` is called, and `--help` is generated from the same declarations.
 * Adding a flag is one line in the command's `options`:
 *
 *   'batch-size': { type: 'string', value: 'N', description: 'records per batch' },
 */
import { parseArgs } from 'node:util';
import { suggest } from './suggest.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  description: string;
  /** The value's placeholder in help (string options): `--path DIR`. */
  value?: string;
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  /** The parser refuses the command without it. */
  required?: boolean;
  /** Allowed values (string options); anything else is a usage error with a "did you mean". */
  choices?: readonly string[];
  /** Extra check of a string value; throw UsageError to refuse it. */
  check?: (value: string) => void;
}
export type Options = Record<string, OptionSpec>;

export interface PositionalSpec {
  name: string;
  description: string;
  required?: boolean;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true ? boolean[] : boolean
  : S['type'] extends 'string'
    ? S['multiple'] extends true ? string[] : string
    : string | boolean | string[];
export type Values<O extends Options> = { [K in keyof O]?: ValueOf<O[K]> };

/** Parsed flags as loosely typed helpers (engine-options, connection-flags) read them. */
export type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

export interface Parsed<O extends Options = Options> {
  flags: Values<O>;
  positional: string[];
}

/** A CLI subcommand: its name, one line of help, its declared options, and a run function returning an exit code. */
export interface Command {
  name: string;
  summary: string;
  options: Options;
  positionals?: readonly PositionalSpec[];
  /** Extra help text after the options (env variables, how the parts fit). */
  notes?: string;
  run(parsed: Parsed): Promise<number>;
}

/** Declare a command; `run` gets flags typed from `options`. */
export function defineCommand<const O extends Options>(c: {
  name: string; summary: string; options: O; positionals?: readonly PositionalSpec[]; notes?: string;
  run(this: Command, parsed: Parsed<O>): Promise<number>;
}): Command {
  return c as unknown as Command;
}

/** Parse `args` against the command's declarations, then run it (what main does; tests use it too). */
export async function runCommand(c: Command, args: string[]): Promise<number> {
  return c.run.call(c, parseCommandArgs(c, args));
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

// ---- option groups several commands share ---------------------------------------------------
export const JSON_OPTION = { json: { type: 'boolean', description: 'print one JSON document on stdout, nothing else' } } as const satisfies Options;
export const VERBOSE_OPTION = { verbose: { type: 'boolean', short: 'v', description: 'log more, with the raw cause of errors' } } as const satisfies Options;

function flagText(name: string, spec: OptionSpec): string {
  const short = spec.short ? `-${spec.short}, ` : '';
  return `${short}--${name}${spec.type === 'string' ? ` ${spec.value ?? (spec.choices ? spec.choices.join('|') : 'VALUE')}` : ''}`;
}

/** `Usage: nexus-migrate <name> …` with every declared option, generated from the declarations. */
export function commandHelp(c: Command): string {
  const pos = (c.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  const req = Object.entries(c.options).filter(([, s]) => s.required).map(([n, s]) => flagText(n, s).replace(/^-\w, /, ''));
  const lines = [`Usage: nexus-migrate ${[c.name, ...pos, ...req, Object.keys(c.options).length > req.length ? '[options]' : ''].filter(Boolean).join(' ')}`, '', c.summary, ''];
  const rows: [string, string][] = (c.positionals ?? []).map((p) => [`<${p.name}>`, p.description]);
  for (const [n, s] of Object.entries(c.options)) {
    const extra = [s.required ? 'required' : '', s.default !== undefined && s.default !== false ? `default: ${String(s.default)}` : '', s.multiple ? 'may be repeated' : ''].filter(Boolean);
    rows.push([flagText(n, s), `${s.description}${extra.length ? ` (${extra.join('; ')})` : ''}`]);
  }
  rows.push(['-h, --help', 'print this help and do nothing else']);
  const width = Math.min(38, Math.max(...rows.map(([a]) => a.length)) + 2);
  lines.push('Options:');
  for (const [a, b] of rows) lines.push(a.length + 2 > width ? `  ${a}\n  ${''.padEnd(width)}${b}` : `  ${a.padEnd(width)}${b}`);
  if (c.notes) lines.push('', c.notes);
  return lines.join('\n') + '\n';
}

function withDidYouMean(given: string, known: readonly string[], what: string): string {
  const near = suggest(given, known);
  return near ? `${what}; did you mean ${near}?` : `${what}; known: ${known.join(', ')}`;
}

/**
 * Check `args` against the command's declarations and parse them (parseArgs, strict). Errors are
 * UsageErrors that name the flag: unknown (with a "did you mean"), missing value, value given to
 * a switch, value not among the choices, missing required option, unexpected argument.
 */
export function parseCommandArgs(c: Command, args: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }> = {};
  for (const [n, s] of Object.entries(c.options)) {
    options[n] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  }
  const known = Object.keys(options).map((n) => `--${n}`);
  // First pass, lenient, to name exactly what is wrong; the second (strict) pass does the parsing.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const spec = c.options[t.name];
    if (!spec) {
      throw new UsageError(withDidYouMean(t.rawName, known, `unknown option ${t.rawName} for "${c.name}"`));
    }
    const flag = `--${t.name}`;
    if (spec.type === 'boolean' && t.inlineValue) throw new UsageError(`${flag} is a switch and takes no value (got ${flag}=${t.value ?? ''})`);
    if (spec.type === 'string') {
      if (t.value === undefined) throw new UsageError(`${flag} needs a value: ${flagText(t.name, spec).replace(/^-\w, /, '')}`);
      if (!t.inlineValue && t.value.startsWith('-') && t.value.length > 1) {
        throw new UsageError(`${flag} needs a value, but the next argument is the option ${t.value}; write ${flag}=${t.value} if the value really starts with a dash`);
      }
    }
  }
  const maxPositionals = c.positionals?.length ?? 0;
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (positionals.length > maxPositionals) {
    const extra = positionals[maxPositionals]!;
    throw new UsageError(maxPositionals === 0
      ? `"${c.name}" takes no arguments, got "${extra}" (options start with --)`
      : `unexpected argument "${extra}"; "${c.name}" takes ${c.positionals!.map((p) => `<${p.name}>`).join(' ')}`);
  }
  for (const [i, p] of (c.positionals ?? []).entries()) {
    if (p.required && positionals[i] === undefined) throw new UsageError(`missing <${p.name}> (${p.description}); usage: nexus-migrate ${c.name} <${p.name}>`);
  }
  for (const [n, s] of Object.entries(c.options)) {
    const v = values[n];
    if (v === undefined) {
      if (s.required) throw new UsageError(`--${n} is required: ${s.description}`);
      if (s.default !== undefined) values[n] = s.default;
      continue;
    }
    if (s.type !== 'string') continue;
    for (const one of (Array.isArray(v) ? v : [v]) as string[]) {
      if (s.choices && !s.choices.includes(one)) {
        const near = suggest(one, s.choices);
        throw new UsageError(`--${n} must be one of ${s.choices.join(', ')}, got "${one}"${near ? `; did you mean ${near}?` : ''}`);
      }
      s.check?.(one);
    }
  }
  return { flags: values as Parsed['flags'], positional: positionals };
}
