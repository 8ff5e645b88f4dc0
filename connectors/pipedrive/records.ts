/**
 * Raw Pipedrive records → the fields the connector emits: custom fields (keyed by their 40-hex hash)
 * lifted to top-level fields, v1 "YYYY-MM-DD HH:MM:SS" UTC times made RFC 3339, primary email/phone
 * and the deal's effective stage derived, and a uniform `is_deleted`.
 */
const V1_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

export const toRfc3339 = (v: unknown): unknown => (typeof v === 'string' && V1_TIME.test(v) ? `${v.replace(' ', 'T')}Z` : v);

function primary(list: unknown): string | null {
  if (!Array.isArray(list) || list.length === 0) return null;
  const p = (list as { value?: string; primary?: boolean }[]).find((x) => x.primary) ?? list[0];
  return (p as { value?: string }).value ?? null;
}

/** The fields normalizeRecord adds to each stream's records (discovery lists them, so mappings may name them). */
export const DERIVED_FIELDS: Record<string, { name: string; type: string }[]> = {
  persons: [{ name: 'primary_email', type: 'string' }, { name: 'primary_phone', type: 'string' }],
  deals: [{ name: 'pipeline_stage', type: 'string' }],
};

export function normalizeRecord(stream: string, raw: unknown): Record<string, unknown> {
  const rec = { ...(raw as Record<string, unknown>) };
  const custom = rec['custom_fields'];
  delete rec['custom_fields'];
  if (custom && typeof custom === 'object') for (const [k, v] of Object.entries(custom)) rec[k] = v;
  for (const k of ['add_time', 'update_time', 'marked_as_done_time']) if (k in rec) rec[k] = toRfc3339(rec[k]);
  if (!('is_deleted' in rec)) rec['is_deleted'] = rec['active_flag'] === false;
  if (stream === 'persons') {
    rec['primary_email'] = primary(rec['emails']);
    rec['primary_phone'] = primary(rec['phones']);
  }
  if (stream === 'deals') rec['pipeline_stage'] = rec['status'] === 'won' || rec['status'] === 'lost' ? rec['status'] : rec['stage_id'] == null ? null : `stage_${String(rec['stage_id'])}`;
  return rec;
}
