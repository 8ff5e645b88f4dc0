import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MappingSchema, type FieldRule } from '../../shared/mapping/schema.ts';
import { DATAVERSE_TABLES } from './definition.ts';

const yamlText = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
const targetSql = readFileSync(new URL('../../control-plane/db/migrations/target/001_logic_nexus_core.sql', import.meta.url), 'utf8');

function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`undefined variable ${name}`);
    return vars[name]!;
  });
}

/** table → column names, from the CREATE TABLE statements of the target schema. */
function targetColumns(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const m of targetSql.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    const cols = new Set<string>();
    for (const line of m[2]!.split('\n')) {
      const c = /^\s+([a-z_]+)\s+(uuid|text|varchar|char|numeric|integer|boolean|jsonb|timestamptz|date|bigint)/.exec(line);
      if (c) cols.add(c[1]!);
    }
    out.set(m[1]!, cols);
  }
  return out;
}

const mapping = MappingSchema.parse(parseYaml(interpolate(yamlText, { TENANT_ID: '00000000-0000-4000-8000-000000000001', FRANCHISE_ID: '00000000-0000-4000-8000-000000000002' })));

describe('Dynamics mapping template', () => {
  it('given TENANT_ID and FRANCHISE_ID, then mapping.yaml validates with MappingSchema and uses them as defaults', () => {
    expect(mapping.sourceSystem).toBe('dynamics');
    expect(mapping.defaults).toEqual({ tenant_id: '00000000-0000-4000-8000-000000000001', franchise_id: '00000000-0000-4000-8000-000000000002' });
    expect(mapping.owners).toEqual({ entity: 'systemuser', emailField: 'internalemailaddress' });
  });

  it('given the connector streams, then every stream is mapped and every mapped entity is a stream', () => {
    expect(Object.keys(mapping.entities).sort()).toEqual(DATAVERSE_TABLES.map((t) => t.entity).sort());
  });

  it.each([
    ['account', 'accounts'], ['contact', 'contacts'], ['lead', 'leads'], ['opportunity', 'opportunities'], ['invoice', 'invoices'],
    ['task', 'activities'], ['appointment', 'activities'], ['phonecall', 'activities'], ['systemuser', 'users'], ['businessunit', 'franchises'],
  ])('given spec 1.2.6, then %s maps to %s', (entity, table) => {
    expect(mapping.entities[entity]!.target).toBe(table);
  });

  it('given the target schema, then every mapped column exists on its table', () => {
    const tables = targetColumns();
    for (const [entity, em] of Object.entries(mapping.entities)) {
      const cols = tables.get(em.target);
      expect(cols, `table ${em.target}`).toBeDefined();
      for (const column of Object.keys(em.fields)) expect(cols!.has(column), `${entity} → ${em.target}.${column}`).toBe(true);
    }
  });

  it('given owned tables, then franchise_id comes from the owning business unit and owner_id from ownerid', () => {
    for (const entity of ['account', 'contact', 'lead', 'opportunity', 'task', 'appointment', 'phonecall']) {
      const f = mapping.entities[entity]!.fields;
      expect(f.franchise_id).toEqual({ from: '_owningbusinessunit_value', ref: { entity: 'businessunit' } });
      expect(f.owner_id).toEqual({ owner: '_ownerid_value' });
    }
  });

  it.each([
    ['task', 'task'], ['appointment', 'meeting'], ['phonecall', 'call'],
  ])('given %s, then activity_type is %s and regarding resolves through lookuplogicalname', (entity, type) => {
    const f = mapping.entities[entity]!.fields;
    expect((f.activity_type as FieldRule).const).toBe(type);
    for (const [col, target] of [['account_id', 'account'], ['contact_id', 'contact'], ['lead_id', 'lead'], ['opportunity_id', 'opportunity']] as const) {
      expect((f[col] as FieldRule).ref?.byField).toEqual({ field: '_regardingobjectid_value@lookuplogicalname', map: { [target]: target } });
    }
  });

  it.each([
    ['lead status', 'lead', 'status', { '1': 'new', '2': 'contacted', '3': 'converted', '5': 'unqualified' }],
    ['opportunity stage', 'opportunity', 'stage', { '0:1': 'needs_analysis', '0:3': 'negotiation', '1:3': 'closed_won', '2:0': 'closed_lost', '0': 'prospecting' }],
  ])('given the %s picklist map, then Dataverse values land on Logic Nexus enum values', (_what, entity, column, expected) => {
    const values = (mapping.entities[entity]!.fields[column] as FieldRule).values!;
    for (const [k, v] of Object.entries(expected)) expect(values[k]).toBe(v);
  });
});
