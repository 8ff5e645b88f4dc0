import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MappingSchema } from '../../shared/mapping/schema.ts';
import { ACCOUNT_TYPES, LEAD_STATUSES, STAGES } from './emulator/catalog.ts';
import { DEFAULT_ENTITIES } from './discover.ts';

const yamlText = readFileSync(new URL('./mapping.yaml', import.meta.url), 'utf8');
const vars: Record<string, string> = { TENANT_ID: '11111111-1111-4111-8111-111111111111', FRANCHISE_ID: '22222222-2222-4222-8222-222222222222' };
const mapping = MappingSchema.parse(parse(yamlText.replace(/\$\{(\w+)\}/g, (_m, n: string) => vars[n] ?? '')));

function targetColumns(): Map<string, Set<string>> {
  const sql = readFileSync(new URL('../../control-plane/db/migrations/target/001_logic_nexus_core.sql', import.meta.url), 'utf8');
  const out = new Map<string, Set<string>>();
  for (const m of sql.matchAll(/CREATE TABLE (\w+) \(([\s\S]*?)\n\);/g)) out.set(m[1]!, new Set([...m[2]!.matchAll(/^\s+([a-z_]+)\s+[a-z]/gm)].map((c) => c[1]!)));
  return out;
}

function valuesOf(entity: string, column: string): Record<string, string> {
  const rule = mapping.entities[entity]!.fields[column];
  return typeof rule === 'object' ? rule.values ?? {} : {};
}

describe('connectors/salesforce/mapping.yaml', () => {
  it('given TENANT_ID and FRANCHISE_ID, then it validates and owners resolve through User.Email', () => {
    expect(mapping.defaults).toEqual({ tenant_id: vars.TENANT_ID, franchise_id: vars.FRANCHISE_ID });
    expect(mapping.owners).toEqual({ entity: 'User', emailField: 'Email' });
    expect(Object.keys(mapping.entities).sort()).toEqual([...DEFAULT_ENTITIES].sort());
  });

  it.each(Object.entries(mapping.entities))('given entity %s, then its target table and columns exist in the Logic Nexus schema', (_name, e) => {
    const cols = targetColumns().get(e.target);
    expect(cols, e.target).toBeDefined();
    for (const col of Object.keys(e.fields)) expect(cols!.has(col), `${e.target}.${col}`).toBe(true);
  });

  it.each([
    ['Opportunity', 'stage', STAGES, ['prospecting', 'qualification', 'needs_analysis', 'proposal', 'negotiation', 'closed_won', 'closed_lost'], ['On Hold - Customs']],
    ['Lead', 'status', LEAD_STATUSES, ['new', 'contacted', 'qualified', 'unqualified', 'converted'], ['Nurturing']],
    ['Account', 'account_type', ACCOUNT_TYPES, ['customer', 'prospect', 'partner', 'vendor', 'supplier', 'carrier', 'competitor', 'other'], ['Freight Forwarder']],
  ])('given %s.%s, then every standard picklist value maps to an allowed value and customer-added ones are left to the customer', (entity, column, sourceValues, allowed, customerAdded) => {
    const values = valuesOf(entity, column);
    for (const v of Object.values(values)) expect(allowed).toContain(v);
    for (const s of sourceValues.filter((v) => !customerAdded.includes(v))) expect(values, s).toHaveProperty([s]);
    for (const s of customerAdded) expect(values).not.toHaveProperty([s]);
  });

  it('given Task and Event, then both land in activities as task and meeting with polymorphic WhoId/WhatId by key prefix', () => {
    for (const [entity, type] of [['Task', 'task'], ['Event', 'meeting']] as const) {
      const e = mapping.entities[entity]!;
      expect(e.target).toBe('activities');
      expect(e.fields.activity_type).toEqual({ const: type });
      expect(e.fields.lead_id).toMatchObject({ from: 'WhoId', ref: { byPrefix: { '00Q': 'Lead' } } });
      expect(e.fields.opportunity_id).toMatchObject({ from: 'WhatId', ref: { byPrefix: { '006': 'Opportunity' } } });
    }
  });
});
