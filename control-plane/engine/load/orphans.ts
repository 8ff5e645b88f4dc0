/**
 * Forward references (to entities loaded earlier) whose parent is not in the target: apply the
 * orphan policy. Rows are checked in bulk, one query per referenced table.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import type { RefValue } from '../mapping/compile.ts';
import type { TargetCatalog } from '../target/introspect.ts';
import type { OrphanEntry, QuarantineEntry } from '../sql/records.ts';
import type { LoadTarget, Row } from './merge.ts';

export interface RowWithRefs extends Row {
  refs: RefValue[];
}

export interface OrphanOutcome {
  keep: RowWithRefs[];
  quarantined: { row: RowWithRefs; field: string; reason: string }[];
  orphans: OrphanEntry[];
  placeholders: { table: string; entity: string; sourceId: string; id: string }[];
}

/** `exists(table, ids)` answers which ids exist (in the target, or for a dry run, also among rows seen so far). */
export async function resolveOrphans(
  rows: RowWithRefs[],
  entity: string,
  exists: (table: string, ids: string[]) => Promise<Set<string>>,
): Promise<OrphanOutcome> {
  const byTable = new Map<string, Set<string>>();
  for (const r of rows) for (const ref of r.refs) if (!ref.deferred) {
    let s = byTable.get(ref.refTable);
    if (!s) byTable.set(ref.refTable, (s = new Set()));
    s.add(ref.refId);
  }
  const found = new Map<string, Set<string>>();
  for (const [table, ids] of byTable) found.set(table, await exists(table, [...ids]));
  const out: OrphanOutcome = { keep: [], quarantined: [], orphans: [], placeholders: [] };
  for (const r of rows) {
    let quarantine: { field: string; reason: string } | null = null;
    for (const ref of r.refs) {
      if (ref.deferred || found.get(ref.refTable)!.has(ref.refId)) continue;
      out.orphans.push({ entity, sourceId: r.sourceId, field: ref.column, refEntity: ref.refEntity, refSourceId: ref.refSourceId, policy: ref.policy });
      if (ref.policy === 'null') r.values[ref.colIndex] = null;
      else if (ref.policy === 'placeholder') out.placeholders.push({ table: ref.refTable, entity: ref.refEntity, sourceId: ref.refSourceId, id: ref.refId });
      else quarantine ??= { field: ref.column, reason: `references ${ref.refEntity} ${JSON.stringify(ref.refSourceId)}, which was not loaded (orphan)` };
    }
    if (quarantine) out.quarantined.push({ row: r, ...quarantine });
    else out.keep.push(r);
  }
  return out;
}

/**
 * Run mode: insert the placeholder parents rows asked for; rows whose placeholder cannot be made are
 * quarantined (into `quarantine`) and left out of what is returned.
 */
export async function keepWithPlaceholders(
  client: pg.PoolClient, t: LoadTarget, catalog: TargetCatalog, entity: string, o: OrphanOutcome, quarantine: QuarantineEntry[],
): Promise<RowWithRefs[]> {
  if (o.placeholders.length === 0) return o.keep;
  const { failed } = await insertPlaceholders(client, t, catalog, o.placeholders);
  return o.keep.filter((r) => {
    const bad = r.refs.find((ref) => failed.has(ref.refId));
    if (bad) quarantine.push({ entity, sourceId: r.sourceId, field: bad.column, reason: `references ${bad.refEntity} ${JSON.stringify(bad.refSourceId)}, which was not loaded, and no placeholder can be made for ${bad.refTable}`, record: r.fields });
    return !bad;
  });
}

/** Insert placeholder parents (name-like required text columns say so) and record them in the id map. */
export async function insertPlaceholders(
  client: pg.PoolClient, t: LoadTarget, catalog: TargetCatalog, items: OrphanOutcome['placeholders'],
): Promise<{ failed: Set<string> }> {
  const failed = new Set<string>();
  const seen = new Set<string>();
  for (const p of items) {
    if (seen.has(p.id)) continue;
    seen.add(p.id);
    const table = catalog.get(p.table)!;
    const cols = ['id', 'tenant_id', 'source_system', 'source_entity', 'source_id', 'metadata'];
    const vals: unknown[] = [p.id, t.tenantId, t.sourceSystem, p.entity, p.sourceId, JSON.stringify({ placeholder: true, reason: 'referenced by migrated records but absent from the source' })];
    let ok = true;
    for (const c of table.order) {
      const col = table.columns.get(c)!;
      if (cols.includes(c) || col.nullable || col.hasDefault) continue;
      if (col.kind !== 'text' || col.allowed) ok = false;
      cols.push(c);
      vals.push(`[placeholder] ${p.entity} ${p.sourceId}`.slice(0, col.maxLength ?? 255));
    }
    if (!ok) {
      failed.add(p.id);
      continue;
    }
    await client.query(
      `INSERT INTO ${qualified(t.targetSchema, p.table)} (${cols.map(quoteIdent).join(', ')})
       VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT (id) DO NOTHING`,
      vals,
    );
    await client.query(
      `INSERT INTO ${qualified(t.controlSchema, 'id_map')} (tenant_id, source_system, source_entity, source_id, target_table, target_id, created_run_id, last_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING`,
      [t.tenantId, t.sourceSystem, p.entity, p.sourceId, p.table, p.id, t.runId],
    );
  }
  return { failed };
}
