/**
 * Dry run of a batch: stage the rows in a temp table, compare with the target, and count what
 * would be created, updated or left unchanged. Target tables are only read, never written.
 */
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';
import { copyRows } from '../sql/copy.ts';
import type { CompiledEntity } from '../mapping/compile.ts';
import { bisectApply, type LoadTarget, type MergeResult, type Row } from './merge.ts';
import { freshStage, seenTable } from './stage.ts';

export async function dryRunRows(client: pg.PoolClient, t: LoadTarget, ce: CompiledEntity, rows: Row[]): Promise<MergeResult> {
  const out: MergeResult = { created: 0, updated: 0, unchanged: 0, failed: [] };
  const target = qualified(t.targetSchema, ce.target);
  const seen = quoteIdent(await seenTable(client, t.targetSchema, ce.target));
  const compare = ce.columns.filter((c) => c !== 'id' && !ce.deferredColumns.includes(c));
  const tRow = compare.map((c) => `t.${quoteIdent(c)}`).join(', ');
  const sRow = compare.map((c) => `s.${quoteIdent(c)}`).join(', ');
  out.failed = await bisectApply(client, rows, async (part) => {
    const stageName = await freshStage(client, t.targetSchema, ce.target);
    await copyRows(client, null, stageName, ce.columns, part.map((r) => r.values), ce.safe);
    const stage = quoteIdent(stageName);
    const { rows: c } = await client.query<{ created: string; updated: string; unchanged: string }>(
      `SELECT count(*) FILTER (WHERE t.id IS NULL) AS created,
              count(*) FILTER (WHERE t.id IS NOT NULL AND (${tRow}) IS DISTINCT FROM (${sRow})) AS updated,
              count(*) FILTER (WHERE t.id IS NOT NULL AND (${tRow}) IS NOT DISTINCT FROM (${sRow})) AS unchanged
         FROM ${stage} s LEFT JOIN ${target} t ON t.id = s.id`,
    );
    await client.query(`INSERT INTO ${seen} (id) SELECT id FROM ${stage} ON CONFLICT DO NOTHING`);
    out.created += Number(c[0]!.created);
    out.updated += Number(c[0]!.updated);
    out.unchanged += Number(c[0]!.unchanged);
  });
  return out;
}

/** Ids that exist in the target or were seen earlier in this dry run. */
export async function existsForDryRun(client: pg.PoolClient, schema: string, table: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const seen = quoteIdent(await seenTable(client, schema, table));
  const { rows } = await client.query<{ id: string }>(
    `SELECT id FROM ${qualified(schema, table)} WHERE id = ANY($1::uuid[])
     UNION SELECT id FROM ${seen} WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Set(rows.map((r) => r.id));
}
