/**
 * Compile an entity's `match:` rules (live tenants) against its target table and its mapped columns.
 * A rule that names a column the table lacks, a column the entity does not map, or a jsonb key of a
 * column that is not jsonb is a mapping problem, reported with the others before anything loads.
 */
import type { MatchNormalize, MatchRules } from '../../../shared/mapping/schema.ts';
import type { TargetTable } from '../target/introspect.ts';

export interface MatchKey {
  /** How the key reads in messages: `email`, `billing_address.country`. */
  label: string;
  column: string;
  /** Index of the column in the entity's row values. */
  colIndex: number;
  /** A key inside a jsonb column (`billing_address.country` → country), else null. */
  path: string | null;
  normalize: MatchNormalize;
  /** The source field the column is loaded from (how a quarantine names it). */
  field: string;
}

export interface CompiledMatch {
  /** Tried in order; each rule's keys must all be equal. */
  rules: MatchKey[][];
  onMatch: MatchRules['onMatch'];
  /** With onMatch update: the columns written into a matched row. */
  update: { column: string; colIndex: number }[];
}

export interface MatchScope {
  entity: string;
  table: TargetTable;
  /** The entity's row columns, in order. */
  columns: string[];
  /** Columns the entity maps itself (its `fields`), not the engine's or the defaults'. */
  mapped: string[];
  deferredColumns: string[];
  fieldOf(column: string): string;
  /** The source field behind a key of a composed jsonb column (`address: { country: BillingCountry }`), if any. */
  composedField(column: string, path: string): string | undefined;
}

export function compileMatch(m: MatchRules, s: MatchScope, problems: string[]): CompiledMatch {
  const where = `entity ${s.entity}: match`;
  const rules: MatchKey[][] = [];
  m.by.forEach((raw, i) => {
    const keys = (Array.isArray(raw) ? raw : [raw]).map((k) => (typeof k === 'string' ? { column: k, normalize: 'text' as const } : k));
    const rule: MatchKey[] = [];
    for (const k of keys) {
      const [column, ...rest] = k.column.split('.');
      const path = rest.length > 0 ? rest.join('.') : null;
      const col = s.table.columns.get(column!);
      const colIndex = s.columns.indexOf(column!);
      if (!col) problems.push(`${where}.by[${i}]: key "${k.column}": column ${column} does not exist in ${s.table.name}`);
      else if (!s.mapped.includes(column!) || colIndex < 0) problems.push(`${where}.by[${i}]: key "${k.column}": column ${column} is not mapped by the entity (map it in fields, so the source value can be compared)`);
      else if (s.deferredColumns.includes(column!)) problems.push(`${where}.by[${i}]: key "${k.column}": column ${column} is a reference linked after the load and cannot be a match key`);
      else if (path !== null && col.kind !== 'jsonb' && col.kind !== 'json') problems.push(`${where}.by[${i}]: key "${k.column}": ${column} is ${col.dataType}, not jsonb, so it has no key ${path}`);
      else rule.push({ label: k.column, column: column!, colIndex, path, normalize: k.normalize, field: (path ? s.composedField(column!, path) : undefined) ?? s.fieldOf(column!) + (path ? `.${path}` : '') });
    }
    rules.push(rule);
  });
  const update: { column: string; colIndex: number }[] = [];
  const writable = s.mapped.filter((c) => !s.deferredColumns.includes(c) && s.columns.includes(c));
  for (const column of m.update ?? writable) {
    if (!writable.includes(column)) {
      problems.push(`${where}.update: column "${column}" is not a column the entity maps${s.deferredColumns.includes(column) ? ' (it is a reference linked after the load)' : ''}`);
      continue;
    }
    update.push({ column, colIndex: s.columns.indexOf(column) });
  }
  return { rules, onMatch: m.onMatch, update };
}
