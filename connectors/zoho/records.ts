/**
 * Raw Zoho CRM records → the fields the connector emits: lookups (`{name, id}`, owners also `email`)
 * become their id, with `<field>__name` / `<field>__email` beside; a Task's `What_Id` is also emitted
 * as `What_Id__<$se_module>` (Accounts or Deals) so a mapping can reference each target; users get
 * `is_active`; list records get `$deleted: false`, deleted-record entries become tombstones whose
 * `Modified_Time` is their `deleted_time`.
 */
type Rec = Record<string, unknown>;

const isLookup = (v: unknown): v is { id: unknown; name?: unknown; email?: unknown } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && 'id' in (v as Rec) && typeof (v as Rec)['id'] === 'string';

/** The fields normalizeRecord adds, per lookup field and for tasks (discovery lists them). */
export function derivedFields(lookups: { name: string; owner: boolean }[], module: string): { name: string; type: string }[] {
  const out = lookups.flatMap((l) => [{ name: `${l.name}__name`, type: 'string' }, ...(l.owner ? [{ name: `${l.name}__email`, type: 'string' }] : [])]);
  if (module === 'Tasks') out.push({ name: 'What_Id__Accounts', type: 'string' }, { name: 'What_Id__Deals', type: 'string' });
  return out;
}

export function normalizeRecord(raw: unknown): Rec {
  const src = raw as Rec;
  const rec: Rec = {};
  for (const [k, v] of Object.entries(src)) {
    if (!isLookup(v)) {
      rec[k] = v;
      continue;
    }
    rec[k] = v.id;
    rec[`${k}__name`] = v.name ?? null;
    if ('email' in v) rec[`${k}__email`] = v.email ?? null;
  }
  const module = src['$se_module'];
  if (typeof module === 'string' && typeof rec['What_Id'] === 'string') rec[`What_Id__${module}`] = rec['What_Id'];
  rec['$deleted'] = false;
  return rec;
}

/** An entry of `/{module}/deleted` as a delete tombstone on the module's incremental cursor. */
export function tombstone(raw: unknown): Rec {
  const d = raw as { id: string; deleted_time?: string; display_name?: string; type?: string };
  return { id: d.id, $deleted: true, Modified_Time: d.deleted_time ?? null, deleted_time: d.deleted_time ?? null, display_name: d.display_name ?? null, deleted_type: d.type ?? null };
}

export function normalizeUser(raw: unknown): Rec {
  const rec = normalizeRecord(raw);
  delete rec['$deleted'];
  rec['is_active'] = (raw as Rec)['status'] === 'active';
  return rec;
}
