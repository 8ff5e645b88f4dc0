/** Reading source values: dot paths, composed objects and the small set of computed-field functions. */
import type { FieldRule } from '../../../shared/mapping/schema.ts';

export type Fields = Record<string, unknown>;

export function getPath(fields: Fields, path: string): unknown {
  if (path in fields) return fields[path];
  if (!path.includes('.')) return undefined;
  let cur: unknown = fields;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const isBlank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** Compose a JSON object from source fields; null when every part is blank. */
export function composeObject(fields: Fields, spec: Record<string, string>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const [key, path] of Object.entries(spec)) {
    const v = getPath(fields, path);
    if (!isBlank(v)) {
      out[key] = v;
      any = true;
    }
  }
  return any ? out : null;
}

type Arg = string | { lit: string | number | boolean | null };

function argValue(fields: Fields, a: Arg): unknown {
  return typeof a === 'string' ? getPath(fields, a) : a.lit;
}

/** Build the evaluator of a compute rule once; it runs per record. */
export function compileCompute(c: NonNullable<FieldRule['compute']>): (fields: Fields) => unknown {
  const args = c.args as Arg[];
  const sep = c.sep ?? '';
  const str = (v: unknown) => (isBlank(v) ? null : String(v));
  switch (c.fn) {
    case 'concat':
    case 'join':
      return (f) => {
        const parts = args.map((a) => str(argValue(f, a))).filter((p): p is string => p !== null);
        return parts.length ? parts.join(c.fn === 'join' ? (c.sep ?? ' ') : sep) : null;
      };
    case 'coalesce':
      return (f) => {
        for (const a of args) {
          const v = argValue(f, a);
          if (!isBlank(v)) return v;
        }
        return null;
      };
    case 'lower': return (f) => str(argValue(f, args[0]!))?.toLowerCase() ?? null;
    case 'upper': return (f) => str(argValue(f, args[0]!))?.toUpperCase() ?? null;
    case 'trim': return (f) => str(argValue(f, args[0]!))?.trim() ?? null;
    case 'split_first': return (f) => str(argValue(f, args[0]!))?.split(c.sep ?? ' ')[0] ?? null;
    case 'split_last':
      return (f) => {
        const parts = str(argValue(f, args[0]!))?.split(c.sep ?? ' ');
        return parts ? parts[parts.length - 1]! : null;
      };
    case 'multiply':
    case 'divide':
      return (f) => {
        const [a, b] = args.map((x) => argValue(f, x));
        if (isBlank(a) || isBlank(b)) return null;
        const [x, y] = [Number(a), Number(b)];
        if (!Number.isFinite(x) || !Number.isFinite(y) || (c.fn === 'divide' && y === 0)) return `${String(a)} ${c.fn === 'divide' ? '/' : '*'} ${String(b)}`;
        return c.fn === 'multiply' ? x * y : x / y;
      };
    case 'now':
      return () => new Date().toISOString();
    case 'if_equals':
      // if_equals(field, lit compare, then, else)
      return (f) => (String(argValue(f, args[0]!)) === String(argValue(f, args[1]!)) ? argValue(f, args[2]!) : args[3] ? argValue(f, args[3]) : null);
  }
}

/** Top-level source field names a rule reads (so the rest can go to metadata). */
export function consumedFields(rule: FieldRule): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => p && out.push(p.split('.')[0]!);
  add(rule.from);
  add(rule.owner);
  for (const p of Object.values(rule.address ?? {})) add(p);
  for (const p of Object.values(rule.object ?? {})) add(p);
  for (const a of rule.compute?.args ?? []) if (typeof a === 'string') add(a);
  add(rule.ref?.byField?.field);
  return out;
}
