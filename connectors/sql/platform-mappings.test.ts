import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { loadPlatformDescription, PLATFORMS } from './platform-description.ts';

const ddl = readFileSync(new URL('../../control-plane/db/migrations/target/001_logic_nexus_core.sql', import.meta.url), 'utf8');
/** table → columns, from the target schema's CREATE TABLE statements. */
const targetColumns = new Map<string, Set<string>>();
for (const m of ddl.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
  const cols = new Set<string>();
  for (const line of m[2]!.split('\n')) {
    const c = /^\s+([a-z_0-9]+)\s+(uuid|text|varchar|integer|boolean|numeric|jsonb|timestamptz|date|char)/.exec(line);
    if (c) cols.add(c[1]!);
  }
  targetColumns.set(m[1]!, cols);
}

function interpolated(platform: string): unknown {
  const text = readFileSync(new URL(`../${platform}/mapping.yaml`, import.meta.url), 'utf8')
    .replace(/\$\{TENANT_ID\}/g, '00000000-0000-4000-8000-000000000001')
    .replace(/\$\{FRANCHISE_ID\}/g, '00000000-0000-4000-8000-000000000002');
  return parseYaml(text);
}

describe.each(PLATFORMS)('the %s mapping template', (platform) => {
  const mapping = MappingSchema.parse(interpolated(platform));
  const d = loadPlatformDescription(platform);

  it('given ${TENANT_ID} and ${FRANCHISE_ID}, then it validates against MappingSchema for this source system', () => {
    expect(mapping.sourceSystem).toBe(platform);
    expect(mapping.defaults).toMatchObject({ tenant_id: expect.any(String), franchise_id: expect.any(String) });
  });

  it('given the target schema, then every target table and column exists', () => {
    for (const [entity, em] of Object.entries(mapping.entities)) {
      const cols = targetColumns.get(em.target);
      expect(cols, `${entity} → ${em.target}`).toBeDefined();
      for (const col of Object.keys(em.fields)) expect(cols!.has(col), `${entity}: ${em.target}.${col}`).toBe(true);
    }
  });

  it('given the platform description, then every source field and referenced entity the mapping names exists', () => {
    for (const [entity, em] of Object.entries(mapping.entities)) {
      const spec = d.entities.find((e) => e.entity === entity);
      expect(spec, `entity ${entity} is described`).toBeDefined();
      const fields = new Set([...spec!.columns.map((c) => c.name), ...spec!.lookups.map((l) => l.field), ...spec!.derived.map((x) => x.field)]);
      for (const [col, rule] of Object.entries(em.fields)) {
        const r = typeof rule === 'string' ? { from: rule } : rule;
        const used = [r.from, ...Object.values(r.address ?? {}), ...(r.compute?.args.filter((a): a is string => typeof a === 'string') ?? [])].filter(Boolean) as string[];
        for (const f of used) expect(fields.has(f), `${entity}.${col} reads ${f}`).toBe(true);
        if (r.ref?.entity) expect(Object.keys(mapping.entities), `${entity}.${col} refers to ${r.ref.entity}`).toContain(r.ref.entity);
      }
    }
  });

  it('given the accounts entity, then roles feed account_type and account_roles', () => {
    const acc = Object.values(mapping.entities).find((e) => e.target === 'accounts')!;
    expect(acc.fields.account_roles).toMatchObject({ type: 'text[]' });
    expect(acc.fields.account_type).toMatchObject({ values: { customer: 'customer', supplier: 'supplier', carrier: 'carrier' } });
  });
});
