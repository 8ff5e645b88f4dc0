/** What every corpus case must satisfy, checked against the source and the target with SQL. */
import { expect } from 'vitest';
import type pg from 'pg';
import type { EntityCounts, RunReport } from '../../report/types.ts';
import type { CorpusCase, Row } from './types.ts';
import { valueDiff } from './values.ts';

export interface Target { pool: pg.Pool; targetSchema: string; controlSchema: string; tenantId: string }

const TRANSFORM_KEYS = ['values', 'locale', 'truncate', 'default', 'const', 'maxLength', 'compute', 'object', 'address'];
const COUNT_KEYS = ['extracted', 'created', 'updated', 'unchanged', 'deleted', 'quarantined', 'skipped', 'notInMapping', 'matched'] as const;

export function countsOf(r: RunReport): Record<string, Record<string, number>> {
  return Object.fromEntries(r.entities.map((e) => [e.entity, Object.fromEntries(COUNT_KEYS.map((k) => [k, e[k] ?? 0]))]));
}

const idOf = (c: CorpusCase, row: Row): string => {
  const raw = String(row.id ?? '');
  return c.loadedId?.[raw] ?? raw.trim();
};

/** The dry run's per-entity counts are the run's. */
export function sameCounts(dry: RunReport, real: RunReport): void {
  expect(countsOf(dry), 'dry-run counts vs run counts').toEqual(countsOf(real));
}

/** extracted = created+updated+unchanged+quarantined+skipped+not-in-mapping, against the source's own count and the target's rows. */
export async function reconciles(c: CorpusCase, report: RunReport, source: Record<string, number>, t: Target, mapped: string[]): Promise<void> {
  const q = (sql: string, p: unknown[]) => t.pool.query(sql, p).then((r) => r.rows);
  for (const [entity, n] of Object.entries(source)) {
    const e: EntityCounts | undefined = report.entities.find((x) => x.entity === entity);
    // A SQL source reads only the tables the mapping names: an unmapped table is not read at all.
    if (!mapped.includes(entity) && (c.via === 'pg' || c.via === 'mariadb')) {
      expect(e, `${entity} is not read`).toBeUndefined();
      continue;
    }
    expect(e, `report has entity ${entity}`).toBeDefined();
    expect(e!.extracted, `${entity}: extracted vs the source's ${n} records`).toBe(n);
    expect(e!.created + e!.updated + e!.unchanged + e!.deleted + e!.quarantined + e!.skipped + (e!.notInMapping ?? 0), `${entity}: the equation`).toBe(n);
    expect(e!.reconciles, `${entity}: report says it reconciles`).toBe(true);
    if (!mapped.includes(entity)) {
      expect(e!.notInMapping, `${entity} is not in the mapping`).toBe(n);
      continue;
    }
    const quarantine = await q(`SELECT source_id, field, reason FROM "${t.controlSchema}".quarantine WHERE run_id = $1 AND entity = $2`, [report.runId, entity]);
    expect(quarantine.length, `${entity}: quarantine rows (one per record): ${JSON.stringify(quarantine)}`).toBe(e!.quarantined);
    const want = (c.quarantined ?? []).filter(([en]) => en === entity);
    expect(quarantine.map((r) => r.source_id ?? '').sort(), `${entity}: quarantined ids ${JSON.stringify(quarantine)}`).toEqual(want.map(([, id]) => id).sort());
    for (const [, id, reason] of want) {
      const row = quarantine.find((r) => (r.source_id ?? '') === id);
      expect(row?.reason, `${entity}/${id} reason`).toMatch(reason);
    }
    const target = (mappedTargets.get(entity))!;
    const [{ n: loaded }] = await q(`SELECT count(*)::int AS n FROM "${t.targetSchema}"."${target}" WHERE tenant_id = $1 AND source_entity = $2`, [t.tenantId, entity]);
    expect(loaded, `${entity}: target rows`).toBe(e!.created + e!.updated + e!.unchanged);
  }
}
const mappedTargets = new Map<string, string>([['acct', 'accounts'], ['person', 'contacts']]);

/** Every loaded value is its source value, or what the mapping's declared transform makes of it. */
export async function valuesMatch(c: CorpusCase, t: Target, entities: Record<string, { target: string; fields: Record<string, unknown> } & Record<string, unknown>>): Promise<void> {
  for (const [entity, m] of Object.entries(entities)) {
    const rows = c.rows[entity] ?? [];
    const { rows: got } = await t.pool.query(
      m.target === 'contacts'
        ? `SELECT x.*, a.source_id AS ref_source_id FROM "${t.targetSchema}".contacts x LEFT JOIN "${t.targetSchema}".accounts a ON a.id = x.account_id WHERE x.tenant_id = $1 AND x.source_entity = $2`
        : `SELECT x.* FROM "${t.targetSchema}"."${m.target}" x WHERE x.tenant_id = $1 AND x.source_entity = $2`,
      [t.tenantId, entity],
    );
    const byId = new Map(got.map((r) => [r.source_id as string, r]));
    // Per id: how many of its copies were quarantined; when fewer than all, the first copy is the one loaded.
    const copies = new Map<string, number>();
    for (const row of rows) copies.set(idOf(c, row), (copies.get(idOf(c, row)) ?? 0) + 1);
    for (const [e, id] of c.quarantined ?? []) if (e === entity && copies.has(id.trim())) copies.set(id.trim(), copies.get(id.trim())! - 1);
    const expectedIds = new Set<string>();
    const consumed = new Set<string>(['id', ...((m.ignoreFields as string[] | undefined) ?? [])]);
    for (const rule of Object.values(m.fields)) if (typeof rule === 'string') consumed.add(rule); else if (rule && typeof (rule as { from?: unknown }).from === 'string') consumed.add((rule as { from: string }).from);
    for (const row of rows) {
      const id = idOf(c, row);
      // A blank id is a missing key: quarantined (checked above), never loaded.
      if (id === '' || expectedIds.has(id) || (copies.get(id) ?? 0) <= 0) continue;
      expectedIds.add(id);
      const tr = byId.get(id);
      expect(tr, `${entity}/${id} loaded`).toBeDefined();
      const declared = c.expect?.[`${entity}/${id}`] ?? {};
      const diffs: string[] = [];
      for (const [column, rule] of Object.entries(m.fields)) {
        const from = typeof rule === 'string' ? rule : (rule as { from?: string }).from;
        const transformed = typeof rule === 'object' && rule !== null && TRANSFORM_KEYS.some((k) => k in rule);
        const src = column in declared ? (declared[column] as Row[string]) : from ? row[from] : undefined;
        if (!(column in declared) && (transformed || !from)) {
          diffs.push(`${column}: declared transform, the case must say what it loads as`);
          continue;
        }
        const d = valueDiff(column, src, tr[column], tr.ref_source_id);
        if (d) diffs.push(d);
      }
      for (const [field, v] of Object.entries(row)) {
        if (consumed.has(field)) continue;
        const meta = (tr.metadata?.source ?? {})[field];
        if ((meta ?? null) !== (v === null ? null : String(v))) diffs.push(`metadata.source.${field}: ${JSON.stringify(meta)} vs source ${JSON.stringify(v)}`);
      }
      expect(diffs, `${entity}/${id}`).toEqual([]);
    }
    expect([...byId.keys()].sort(), `${entity}: exactly the expected records loaded`).toEqual([...expectedIds].sort());
  }
}
