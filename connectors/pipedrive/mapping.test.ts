import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { pipedriveDefinition } from './definition.ts';
import { STAGES } from './emulator/dataset.ts';

const yamlText = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
const vars: Record<string, string> = { TENANT_ID: '11111111-1111-4111-8111-111111111111', FRANCHISE_ID: '22222222-2222-4222-8222-222222222222' };
const mapping = MappingSchema.parse(parse(yamlText.replace(/\$\{(\w+)\}/g, (_m, n: string) => vars[n] ?? '')));

function targetColumns(): Map<string, Set<string>> {
  const sql = readFileSync(new URL('../../control-plane/db/migrations/target/001_logic_nexus_core.sql', import.meta.url), 'utf8');
  const out = new Map<string, Set<string>>();
  for (const m of sql.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) out.set(m[1]!, new Set([...m[2]!.matchAll(/^\s+([a-z_]+)\s+[a-z]/gm)].map((c) => c[1]!)));
  return out;
}

describe('connectors/pipedrive/mapping.yaml', () => {
  it('given the template variables, then it validates and matches owners to users by email', () => {
    expect(mapping.defaults).toMatchObject({ tenant_id: vars['TENANT_ID'], franchise_id: vars['FRANCHISE_ID'] });
    expect(mapping.owners).toEqual({ entity: 'users', emailField: 'email' });
  });

  it('given the connector streams, then every stream is mapped and nothing else', () => {
    expect(Object.keys(mapping.entities).sort()).toEqual(pipedriveDefinition().streams.map((s) => s.name).sort());
  });

  it.each(Object.entries(mapping.entities))('given entity %s, then its target table and columns exist in Logic Nexus', (_n, e) => {
    const cols = targetColumns().get(e.target);
    expect(cols, e.target).toBeDefined();
    for (const col of Object.keys(e.fields)) expect(cols!.has(col), `${e.target}.${col}`).toBe(true);
  });

  it('given the default pipeline stages plus won and lost, then each maps to an allowed opportunity stage', () => {
    const rule = mapping.entities['deals']!.fields['stage'];
    const values = typeof rule === 'object' ? rule.values ?? {} : {};
    expect(Object.keys(values).sort()).toEqual([...STAGES.map((s) => `stage_${s.id}`), 'lost', 'won'].sort());
    for (const v of Object.values(values)) expect(['prospecting', 'qualification', 'needs_analysis', 'proposal', 'negotiation', 'closed_won', 'closed_lost']).toContain(v);
  });
});
