/** The corpus's base mapping (acct → accounts, person → contacts) and its per-case variations. */
import { stringify } from 'yaml';
import type { CorpusCase } from './types.ts';

export function baseEntities(via: CorpusCase['via']): Record<string, Record<string, unknown>> {
  const zone = via === 'mariadb' ? { assumeZone: 'UTC' } : {};
  return {
    acct: {
      target: 'accounts',
      fields: {
        name: { from: 'name', required: true },
        code: 'code',
        annual_revenue: { from: 'revenue', type: 'numeric' },
        employee_count: { from: 'employees', type: 'integer' },
        website: 'web',
        created_at: { from: 'created', type: 'timestamptz', ...zone },
      },
    },
    person: {
      target: 'contacts',
      fields: { last_name: { from: 'last', required: true }, email: 'email', account_id: { from: 'acct_id', ref: { entity: 'acct' } } },
    },
  };
}

export function sourceSystemOf(via: CorpusCase['via']): string {
  return via === 'pg' || via === 'mariadb' ? 'sql' : 'csv';
}

/** The mapping of a case: the base, its variations merged in, only the entities the case has rows for. */
export function caseMapping(c: CorpusCase): { yaml: string; entities: Record<string, { target: string; fields: Record<string, unknown> } & Record<string, unknown>> } {
  const base = baseEntities(c.via);
  const entities: Record<string, Record<string, unknown>> = {};
  for (const name of Object.keys(base)) {
    if (!(name in c.rows) && !(c.csvText && name in c.csvText)) continue;
    const v = c.mapping?.entities?.[name] ?? {};
    const fields: Record<string, unknown> = { ...(base[name]!.fields as object), ...((v.fields as object | undefined) ?? {}) };
    for (const [k, r] of Object.entries(fields)) if (r === null) delete fields[k];
    entities[name] = { ...base[name], ...v, fields };
  }
  const doc = {
    version: 1, sourceSystem: sourceSystemOf(c.via),
    defaults: { tenant_id: '${TENANT_ID}', franchise_id: '${FRANCHISE_ID}' },
    orphans: 'quarantine',
    ...c.mapping?.top,
    entities,
  };
  return { yaml: stringify(doc), entities: entities as never };
}
