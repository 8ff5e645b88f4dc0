import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { hubspotDefinition } from './definition.ts';

const yamlText = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
const vars: Record<string, string> = { TENANT_ID: '11111111-1111-4111-8111-111111111111', FRANCHISE_ID: '22222222-2222-4222-8222-222222222222' };
const mapping = MappingSchema.parse(parse(yamlText.replace(/\$\{(\w+)\}/g, (_m, n: string) => vars[n] ?? '')));

/** Column names per table from the Logic Nexus target DDL. */
function targetColumns(): Map<string, Set<string>> {
  const sql = readFileSync(new URL('../../control-plane/db/migrations/target/001_logic_nexus_core.sql', import.meta.url), 'utf8');
  const out = new Map<string, Set<string>>();
  for (const m of sql.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) {
    out.set(m[1]!, new Set([...m[2]!.matchAll(/^\s+([a-z_]+)\s+[a-z]/gm)].map((c) => c[1]!)));
  }
  return out;
}

describe('connectors/hubspot/mapping.yaml', () => {
  it('given TENANT_ID and FRANCHISE_ID, then it validates with MappingSchema and carries them as defaults', () => {
    expect(mapping.defaults).toMatchObject({ tenant_id: vars['TENANT_ID'], franchise_id: vars['FRANCHISE_ID'] });
    expect(mapping.owners).toEqual({ entity: 'owners', emailField: 'email' });
  });

  it('given the connector streams, then every mapped entity is one of them and every stream is mapped', () => {
    const streams = hubspotDefinition.streams.map((s) => s.name).sort();
    expect(Object.keys(mapping.entities).sort()).toEqual(streams);
  });

  it.each(Object.entries(mapping.entities))('given entity %s, then its target table and columns exist in the Logic Nexus schema', (_name, e) => {
    const cols = targetColumns().get(e.target);
    expect(cols, `table ${e.target}`).toBeDefined();
    for (const col of Object.keys(e.fields)) expect(cols!.has(col), `${e.target}.${col}`).toBe(true);
  });

  it('given every HubSpot deal stage of the default pipeline, then each maps to an allowed opportunity stage', () => {
    const allowed = ['prospecting', 'qualification', 'needs_analysis', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
    const rule = mapping.entities['deals']!.fields['stage'];
    const values = typeof rule === 'object' ? rule.values ?? {} : {};
    expect(Object.keys(values).sort()).toEqual(['appointmentscheduled', 'closedlost', 'closedwon', 'contractsent', 'decisionmakerboughtin', 'presentationscheduled', 'qualifiedtobuy']);
    for (const v of Object.values(values)) expect(allowed).toContain(v);
  });
});
