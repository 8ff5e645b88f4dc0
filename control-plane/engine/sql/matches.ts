/**
 * Live-tenant matching (mapping `match:`): the SQL that finds rows a tenant already has by business
 * keys, and the match links (control table match_links, migration 190). One operation per function.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import type { MatchKey } from '../mapping/match.ts';

type Q = pg.Pool | pg.PoolClient;

export interface LinkScope { controlSchema: string; tenantId: string; sourceSystem: string; entity: string }

/** The normalised text of a key, the same on both sides of the comparison. */
export function normalized(expr: string, k: MatchKey): string {
  switch (k.normalize) {
    case 'exact': return `nullif(${expr}, '')`;
    case 'email': return `nullif(lower(btrim(${expr})), '')`;
    case 'domain': return `nullif(regexp_replace(lower(btrim(${expr})), '^([a-z][a-z0-9+.-]*://)?(www\\.)?([^/:?#]*).*$', '\\3'), '')`;
    default: return `nullif(lower(regexp_replace(btrim(${expr}), '\\s+', ' ', 'g')), '')`;
  }
}

/** `path` is the parameter holding the key's jsonb path (keys of jsonb columns only). */
function targetSide(k: MatchKey, path: string): string {
  const col = `t.${quoteIdent(k.column)}`;
  return normalized(k.path === null ? `${col}::text` : `${col}->>${path}`, k);
}

function sourceSide(k: MatchKey, i: number, path: string): string {
  const v = `s.k${i}`;
  return normalized(k.path === null ? v : `(${v}::jsonb)->>${path}`, k);
}

export interface Candidate { i: number; id: string; linkedTo: string | null }

/**
 * Rows of the tenant whose keys equal those of the given records (one array per key, aligned with
 * `indexes`), excluding rows nexus-migrate created (id_map). `linkedTo` names the source record of
 * the same entity an existing row is already matched to, if any.
 */
export async function matchCandidates(
  q: Q, targetSchema: string, table: string, s: LinkScope, rule: MatchKey[], indexes: number[], values: (string | null)[][],
): Promise<Candidate[]> {
  const n = rule.length;
  const cols = rule.map((_, i) => `k${i}`).join(', ');
  const arrays = rule.map((_, i) => `$${i + 6}::text[]`).join(', ');
  const paths = rule.flatMap((k) => (k.path === null ? [] : [k.path]));
  const path = (i: number): string => `$${n + 6 + rule.slice(0, i).filter((k) => k.path !== null).length}::text`;
  const on = rule.map((k, i) => `${targetSide(k, path(i))} = ${sourceSide(k, i, path(i))}`).join(' AND ');
  const { rows } = await q.query<{ i: number; id: string; linked_to: string | null }>(
    `SELECT s.i, t.id::text AS id, l.source_id AS linked_to
       FROM unnest($5::int[], ${arrays}) AS s(i, ${cols})
       JOIN ${qualified(targetSchema, table)} t ON t.tenant_id = $1 AND ${on}
       LEFT JOIN ${qualified(s.controlSchema, 'match_links')} l
         ON l.tenant_id = $1 AND l.source_system = $2 AND l.source_entity = $3 AND l.target_table = $4 AND l.target_id = t.id
      WHERE NOT EXISTS (SELECT 1 FROM ${qualified(s.controlSchema, 'id_map')} m WHERE m.target_id = t.id)
      ORDER BY s.i, t.id`,
    [s.tenantId, s.sourceSystem, s.entity, table, indexes, ...rule.map((_, i) => values.map((v) => v[i] ?? null)), ...paths],
  );
  return rows.map((r) => ({ i: r.i, id: r.id, linkedTo: r.linked_to }));
}

export interface Link { targetId: string; lastRunId: string }

/** Existing match links of these source records whose row is still in the target. */
export async function linksOf(q: Q, targetSchema: string, table: string, s: LinkScope, sourceIds: string[]): Promise<Map<string, Link>> {
  if (sourceIds.length === 0) return new Map();
  const { rows } = await q.query<{ source_id: string; target_id: string; last_run_id: string }>(
    `SELECT l.source_id, l.target_id::text, l.last_run_id::text FROM ${qualified(s.controlSchema, 'match_links')} l
       JOIN ${qualified(targetSchema, table)} t ON t.id = l.target_id
      WHERE l.tenant_id = $1 AND l.source_system = $2 AND l.source_entity = $3 AND l.source_id = ANY($4::text[])`,
    [s.tenantId, s.sourceSystem, s.entity, sourceIds],
  );
  return new Map(rows.map((r) => [r.source_id, { targetId: r.target_id, lastRunId: r.last_run_id }]));
}

/** Record (or refresh) the links of matched records; a new link belongs to this run (a link whose row is gone moves to the new match). */
export async function saveLinks(q: Q, s: LinkScope, table: string, runId: string, links: { sourceId: string; targetId: string }[]): Promise<void> {
  if (links.length === 0) return;
  await q.query(
    `INSERT INTO ${qualified(s.controlSchema, 'match_links')} (tenant_id, source_system, source_entity, source_id, target_table, target_id, run_id, last_run_id)
     SELECT $1, $2, $3, u.s, $4, u.t, $5, $5 FROM unnest($6::text[], $7::uuid[]) AS u(s, t)
     ON CONFLICT (tenant_id, source_system, source_entity, source_id) DO UPDATE SET last_run_id = EXCLUDED.last_run_id, target_id = EXCLUDED.target_id`,
    [s.tenantId, s.sourceSystem, s.entity, table, runId, links.map((l) => l.sourceId), links.map((l) => l.targetId)],
  );
}

/** Matched rows of referenced records: (entity, source id) → the existing row's id. */
export async function linkedIds(q: Q, cs: string, tenantId: string, sourceSystem: string, refs: { entity: string; sourceId: string }[]): Promise<Map<string, string>> {
  if (refs.length === 0) return new Map();
  const { rows } = await q.query<{ source_entity: string; source_id: string; target_id: string }>(
    `SELECT l.source_entity, l.source_id, l.target_id::text FROM ${qualified(cs, 'match_links')} l
       JOIN unnest($3::text[], $4::text[]) AS u(e, s) ON l.source_entity = u.e AND l.source_id = u.s
      WHERE l.tenant_id = $1 AND l.source_system = $2`,
    [tenantId, sourceSystem, refs.map((r) => r.entity), refs.map((r) => r.sourceId)],
  );
  return new Map(rows.map((r) => [`${r.source_entity}\u0000${r.source_id}`, r.target_id]));
}

/** Deferred references to matched records point at the matched rows (before the link phase writes them). */
export async function redirectDeferred(q: Q, cs: string, runId: string, table: string, column: string, tenantId: string, sourceSystem: string): Promise<void> {
  await q.query(
    `UPDATE ${qualified(cs, 'deferred_refs')} d SET ref_id = l.target_id FROM ${qualified(cs, 'match_links')} l
      WHERE d.run_id = $1 AND d.target_table = $2 AND d.column_name = $3
        AND l.tenant_id = $4 AND l.source_system = $5 AND l.source_entity = d.ref_entity AND l.source_id = d.ref_source_id
        AND d.ref_id IS DISTINCT FROM l.target_id`,
    [runId, table, column, tenantId, sourceSystem],
  );
}

/** Rollback: links the run made go; links it only used fall back to the run that made them. */
export async function unlinkRun(q: Q, cs: string, runId: string): Promise<void> {
  await q.query(`DELETE FROM ${qualified(cs, 'match_links')} WHERE run_id = $1`, [runId]);
  await q.query(`UPDATE ${qualified(cs, 'match_links')} SET last_run_id = run_id WHERE last_run_id = $1`, [runId]);
}
