/**
 * Associations v4: one batch read per page and target type, folded into each record as
 * `associated_<type>_id` (the primary, else the first) and `associations: {<type>: [ids]}`.
 */
import type { HookContext } from '../sdk/index.ts';
import { readAssociationsBatch } from './readers.ts';
import type { CrmObject } from './definition.ts';

/** Which associations each object carries into the mapping. */
export const ASSOCIATION_TARGETS: Partial<Record<CrmObject, CrmObject[]>> = {
  contacts: ['companies'],
  deals: ['companies', 'contacts'],
  calls: ['companies', 'contacts', 'deals'],
  meetings: ['companies', 'contacts', 'deals'],
  tasks: ['companies', 'contacts', 'deals'],
  notes: ['companies', 'contacts', 'deals'],
};

const SINGULAR: Record<string, string> = { companies: 'company', contacts: 'contact', deals: 'deal' };

export async function withAssociations(ctx: HookContext, from: CrmObject, records: unknown[]): Promise<unknown[]> {
  const targets = ASSOCIATION_TARGETS[from] ?? [];
  const ids = records.map((r) => String((r as { id: unknown }).id));
  if (targets.length === 0 || ids.length === 0) return records;
  type Enriched = Record<string, unknown> & { associations: Record<string, string[]> };
  const out: Enriched[] = records.map((r) => ({ ...(r as Record<string, unknown>), associations: {} }));
  for (const to of targets) {
    const res = await ctx.http.request({
      method: 'POST',
      path: `/crm/v4/associations/${from}/${to}/batch/read`,
      body: { inputs: ids.map((id) => ({ id })) },
      stream: from,
      signal: ctx.signal,
    });
    const assoc = readAssociationsBatch(res.body, from);
    for (const rec of out) {
      const list = assoc.byFromId.get(String(rec['id'])) ?? [];
      rec.associations[to] = list.map((t) => t.toId);
      const primary = list.find((t) => t.primary) ?? list[0];
      rec[`associated_${SINGULAR[to]}_id`] = primary?.toId ?? null;
    }
  }
  return out;
}
