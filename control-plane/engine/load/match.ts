/**
 * Live tenants (mapping `match:`): before a batch loads, records that are rows the tenant already
 * has are taken out of it. A record is matched through its link (an earlier run matched it), or by
 * the first rule whose keys equal those of existing rows nexus-migrate did not create. One row:
 * matched. Two or more, or a row another record of the entity already matched: quarantined, naming
 * the record and the key's field, for a person to decide. Records whose own row exists (created by
 * an earlier run) are never matched. Matched rows are updated (before-images kept), linked or skipped.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import { copyRows } from '../sql/copy.ts';
import { existingIds, type OrphanEntry, type QuarantineEntry } from '../sql/records.ts';
import { linkedIds, linksOf, matchCandidates, saveLinks, type LinkScope } from '../sql/matches.ts';
import type { CompiledEntity } from '../mapping/compile.ts';
import type { MatchKey } from '../mapping/match.ts';
import { bisectApply, checkConstraints, type LoadTarget } from './merge.ts';
import { freshStage } from './stage.ts';
import { existsForDryRun } from './dry-run.ts';
import { refusedField } from './db-field.ts';
import { keepWithPlaceholders, resolveOrphans, type RowWithRefs } from './orphans.ts';
import type { TargetCatalog } from '../target/introspect.ts';

export interface MatchResult {
  /** Records that matched no existing row: they load as usual. */
  rest: RowWithRefs[];
  quarantine: QuarantineEntry[];
  orphans: OrphanEntry[];
  matched: number;
  updated: number;
  unchanged: number;
  skipped: number;
}

interface Matched { row: RowWithRefs; targetId: string }

function keyValue(k: MatchKey, row: RowWithRefs): unknown {
  const v = row.values[k.colIndex] ?? null;
  if (k.path === null || v === null) return v;
  try {
    return (JSON.parse(v) as Record<string, unknown>)[k.path] ?? null;
  } catch {
    return v;
  }
}

const keyText = (rule: MatchKey[], row: RowWithRefs): string => rule.map((k) => `${k.label} ${JSON.stringify(keyValue(k, row))}`).join(' and ');

/**
 * References to records of matched entities point at the rows they matched (links of earlier
 * batches and runs). Parents load at earlier levels, so their links have committed.
 */
export async function redirectRefs(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: RowWithRefs[]): Promise<void> {
  if (ce.matchedRefEntities.length === 0) return;
  const refs = rows.flatMap((r) => r.refs.filter((ref) => !ref.deferred && ce.matchedRefEntities.includes(ref.refEntity)));
  if (refs.length === 0) return;
  const ids = await linkedIds(client, t.controlSchema, t.tenantId, t.sourceSystem, refs.map((r) => ({ entity: r.refEntity, sourceId: r.refSourceId })));
  for (const r of rows) for (const ref of r.refs) {
    const id = ref.deferred ? undefined : ids.get(`${ref.refEntity}\u0000${ref.refSourceId}`);
    if (id === undefined) continue;
    ref.refId = id;
    r.values[ref.colIndex] = id;
  }
}

/** Take the matched records out of a batch and apply the entity's onMatch to them. */
export async function applyMatches(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, catalog: TargetCatalog, mode: 'run' | 'dry-run', rows: RowWithRefs[]): Promise<MatchResult> {
  const m = ce.match!;
  const out: MatchResult = { rest: [], quarantine: [], orphans: [], matched: 0, updated: 0, unchanged: 0, skipped: 0 };
  const scope: LinkScope = { controlSchema: t.controlSchema, tenantId: t.tenantId, sourceSystem: t.sourceSystem, entity: ce.entity };
  const quarantine = (row: RowWithRefs, field: string, reason: string): void => {
    out.quarantine.push({ entity: ce.entity, sourceId: row.sourceId, field, reason, record: row.fields });
  };
  const own = mode === 'run' ? await existingIds(client, t.targetSchema, ce.target, rows.map((r) => r.id)) : await existsForDryRun(client, t.targetSchema, ce.target, rows.map((r) => r.id));
  const links = await linksOf(client, t.targetSchema, ce.target, scope, rows.map((r) => r.sourceId));
  const claimed = new Map<string, string>();
  const matched: Matched[] = [];
  let pending: RowWithRefs[] = [];
  for (const r of rows) {
    const link = links.get(r.sourceId);
    if (own.has(r.id)) out.rest.push(r);
    else if (link && link.lastRunId === t.runId) quarantine(r, '(source id)', `duplicate source id ${JSON.stringify(r.sourceId)} within the run (the first occurrence was kept)`);
    else if (link) {
      matched.push({ row: r, targetId: link.targetId });
      claimed.set(link.targetId, r.sourceId);
    } else pending.push(r);
  }
  for (const rule of m.rules) {
    const ready = pending.filter((r) => rule.every((k) => r.values[k.colIndex] !== null));
    if (ready.length === 0) continue;
    const found = await matchCandidates(client, t.targetSchema, ce.target, scope, rule, ready.map((_, i) => i), ready.map((r) => rule.map((k) => r.values[k.colIndex] ?? null)));
    const byRow = new Map<number, typeof found>();
    for (const c of found) byRow.set(c.i, [...(byRow.get(c.i) ?? []), c]);
    const decided = new Set<RowWithRefs>();
    ready.forEach((r, i) => {
      const cands = byRow.get(i);
      if (!cands) return;
      decided.add(r);
      const field = rule.map((k) => k.field).join(', ');
      if (cands.length > 1) {
        const ids = cands.slice(0, 5).map((c) => c.id).join(', ');
        return quarantine(r, field, `ambiguous match: ${keyText(rule, r)} matches ${cands.length} existing ${ce.target} rows (${ids}${cands.length > 5 ? ', …' : ''}); a person must decide which one it is (merge the duplicates in Logic Nexus, or correct the source)`);
      }
      const c = cands[0]!;
      const other = c.linkedTo ?? claimed.get(c.id);
      if (other !== undefined && other !== r.sourceId) {
        return quarantine(r, field, `ambiguous match: ${keyText(rule, r)} matches existing ${ce.target} row ${c.id}, which ${ce.entity} ${JSON.stringify(other)} already matched${c.linkedTo ? '' : ' earlier in this run'}; a person must decide which record it is`);
      }
      claimed.set(c.id, r.sourceId);
      matched.push({ row: r, targetId: c.id });
    });
    pending = pending.filter((r) => !decided.has(r));
  }
  out.rest.push(...pending);
  out.matched = matched.length;
  if (m.onMatch === 'skip') {
    out.skipped = matched.length;
    return out;
  }
  let linked = matched;
  if (m.onMatch === 'link') out.unchanged = matched.length;
  else linked = await updateMatched(client, t, ce, catalog, mode, matched, out);
  if (mode === 'run') await saveLinks(client, scope, ce.target, t.runId, linked.map((x) => ({ sourceId: x.row.sourceId, targetId: x.targetId })));
  return out;
}

/** onMatch update: write the declared columns into the matched rows, keeping before-images. Returns the rows written (or unchanged). */
async function updateMatched(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, catalog: TargetCatalog, mode: 'run' | 'dry-run', matched: Matched[], out: MatchResult): Promise<Matched[]> {
  const exists = mode === 'run'
    ? (table: string, ids: string[]) => existingIds(client, t.targetSchema, table, ids)
    : (table: string, ids: string[]) => existsForDryRun(client, t.targetSchema, table, ids);
  const o = await resolveOrphans(matched.map((x) => x.row), ce.entity, exists);
  out.orphans.push(...o.orphans);
  const before = out.quarantine.length;
  for (const q of o.quarantined) out.quarantine.push({ entity: ce.entity, sourceId: q.row.sourceId, field: q.field, reason: q.reason, record: q.row.fields });
  const keep = new Set(mode === 'run' ? await keepWithPlaceholders(client, t, catalog, ce.entity, o, out.quarantine) : o.keep);
  out.matched -= out.quarantine.length - before;
  const todo = matched.filter((x) => keep.has(x.row));
  const cols = ce.match!.update;
  if (todo.length === 0) return todo;
  const target = qualified(t.targetSchema, ce.target);
  const tRow = cols.map((c) => `t.${quoteIdent(c.column)}`).join(', ');
  const sRow = cols.map((c) => `s.${quoteIdent(c.column)}`).join(', ');
  const failed = await bisectApply(client, todo, async (part) => {
    const stageName = await freshStage(client, t.targetSchema, ce.target);
    const stage = quoteIdent(stageName);
    await copyRows(client, null, stageName, ce.columns, part.map((x) => x.row.values.map((v, i) => (i === 0 ? x.targetId : v))), ce.safe);
    const distinct = `(${tRow}) IS DISTINCT FROM (${sRow})`;
    if (mode === 'dry-run') {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${stage} s JOIN ${target} t ON t.id = s.id WHERE ${distinct}`);
      out.updated += Number(rows[0]!.n);
      out.unchanged += part.length - Number(rows[0]!.n);
      return;
    }
    await client.query(
      `INSERT INTO ${qualified(t.controlSchema, 'before_images')} (run_id, target_table, target_id, row_data)
       SELECT $1, $2, t.id, to_jsonb(t) FROM ${target} t JOIN ${stage} s ON s.id = t.id WHERE ${distinct}
       ON CONFLICT DO NOTHING`,
      [t.runId, ce.target],
    );
    const set = cols.map((c) => `${quoteIdent(c.column)} = s.${quoteIdent(c.column)}`).join(', ');
    const res = await client.query(`UPDATE ${target} t SET ${set} FROM ${stage} s WHERE s.id = t.id AND ${distinct}`);
    await checkConstraints(client);
    out.updated += res.rowCount ?? 0;
    out.unchanged += part.length - (res.rowCount ?? 0);
  });
  const bad = new Set(failed.map((f) => f.row));
  for (const f of failed) {
    const field = await refusedField(client, t.targetSchema, ce, f.error);
    out.quarantine.push({ entity: ce.entity, sourceId: f.row.row.sourceId, field, reason: `matched existing ${ce.target} row ${f.row.targetId}, whose update the target database rejected${field ? ` (field ${field})` : ''}: ${f.reason}`, record: f.row.row.fields });
  }
  out.matched -= failed.length;
  return todo.filter((x) => !bad.has(x));
}
