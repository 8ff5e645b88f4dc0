/** CLI flag validation on shared/validate.ts: a bad value is a UsageError (exit 2), named by its flag. */
import { checkIdentifier, checkInteger, checkUuid, type Checked } from '../../shared/validate.ts';
import { UsageError } from './engine-options.ts';

type Flags = Readonly<Record<string, string | boolean | string[] | undefined>>;

function take<T>(c: Checked<T>): T {
  if (!c.ok) throw new UsageError(c.error);
  return c.value;
}

function flagValue(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  if (v === true || v === false || Array.isArray(v)) throw new UsageError(`--${name} needs a value`);
  return v;
}

/** --name as a schema (or other SQL) identifier; `fallback` when absent. */
export function identifierFlag(flags: Flags, name: string, fallback: string): string {
  return take(checkIdentifier(`--${name}`, flagValue(flags, name) ?? fallback));
}

/** --name as a whole number in [min, max]; undefined when absent. */
export function integerFlag(flags: Flags, name: string, min = 1, max = 1_000_000): number | undefined {
  const v = flagValue(flags, name);
  return v === undefined ? undefined : take(checkInteger(`--${name}`, v, min, max));
}

/** --name as a UUID, from the flag or `fallback` (an environment variable); required. */
export function uuidFlag(flags: Flags, name: string, fallback?: string): string {
  const v = flagValue(flags, name) ?? fallback;
  if (v === undefined) throw new UsageError(`--${name} is required`);
  return take(checkUuid(`--${name}`, v));
}

/** A run id given as <runId> or --run: a UUID, said so before anything connects. */
export function runIdArgument(flags: Flags, positional: readonly string[]): string {
  const v = positional[0] ?? flagValue(flags, 'run');
  if (v === undefined) throw new UsageError('missing <runId> (the run, as `run` and the reports print it)');
  const c = checkUuid(positional[0] !== undefined ? '<runId>' : '--run', v);
  if (!c.ok) throw new UsageError(`${c.error}; run ids are printed by \`nexus-migrate run\` and in the report's file names`);
  return c.value;
}
