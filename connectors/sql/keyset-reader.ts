/**
 * The SQL keyset paginator: one async generator for full passes (primary-key order) and one for
 * incremental passes ((modified, key) order). Each page is a bounded statement (LIMIT n+1) whose
 * rows are streamed from the driver; the (n+1)th row only tells that more follow. A cursor that
 * does not advance raises CursorLoopError instead of looping forever.
 */
import type { FieldValue } from '../../shared/record-batch.ts';
import { compareHighWater, type HighWater, type SqlCheckpoint } from './checkpoint.ts';
import type { QueryCompiler } from './compiler.ts';
import type { SqlSession } from './dialect.ts';
import { CursorLoopError, throwIfAborted } from './errors.ts';
import type { NormalType, ReadPlan, Row } from './types.ts';

export interface Page {
  rows: Row[];
  checkpoint: SqlCheckpoint;
  final: boolean;
}

export interface PageOptions {
  batchSize: number;
  signal?: AbortSignal;
}

function typesOf(plan: ReadPlan): Record<string, NormalType> {
  const t: Record<string, NormalType> = {};
  for (const c of plan.columns) t[c.field] = c.type;
  for (const l of plan.lookups) t[l.field] = l.type;
  return t;
}

const keyOf = (plan: ReadPlan, row: Row): FieldValue[] => plan.key.map((k) => row[k.field] ?? null);
const sameKey = (a: FieldValue[] | null, b: FieldValue[]): boolean => a !== null && JSON.stringify(a) === JSON.stringify(b);

/** Read one page: up to batchSize rows plus a peek at whether another row exists. */
async function readPage(session: SqlSession, sql: Parameters<SqlSession['stream']>[0], plan: ReadPlan, o: PageOptions): Promise<{ rows: Row[]; more: boolean }> {
  const rows: Row[] = [];
  let more = false;
  for await (const row of session.stream(sql, { signal: o.signal, types: typesOf(plan) })) {
    if (rows.length < o.batchSize) rows.push(row);
    else more = true; // at most one extra row (LIMIT n+1); drain it so the session stays usable
  }
  return { rows, more };
}

/** Full pass in key order from a keyset checkpoint; tracks the (modified, key) high-water mark. */
export async function* keysetPages(
  session: SqlSession, compiler: QueryCompiler, plan: ReadPlan, start: Extract<SqlCheckpoint, { mode: 'keyset' }>, o: PageOptions,
): AsyncGenerator<Page> {
  let after = start.after;
  let hw: HighWater | null = start.hw;
  const range = { lo: start.lo, hi: start.hi };
  for (;;) {
    throwIfAborted(o.signal, `${plan.entity} (${plan.table})`);
    const q = compiler.keysetPage(plan, after, range, o.batchSize + 1);
    const { rows, more } = await readPage(session, q, plan, o);
    if (rows.length > 0) {
      const last = keyOf(plan, rows[rows.length - 1]!);
      if (sameKey(after, last)) throw new CursorLoopError(`keyset cursor of ${plan.table} repeated ${JSON.stringify(last)}`);
      after = last;
      if (plan.modified) {
        for (const r of rows) {
          const m = r[plan.modified.field] ?? null;
          if (m === null) continue;
          const cand = { modified: m, key: keyOf(plan, r) };
          if (!hw || compareHighWater(cand, hw) > 0) hw = cand;
        }
      }
    }
    const checkpoint: SqlCheckpoint = { mode: 'keyset', after, hw, ...(start.lo !== undefined ? { lo: start.lo } : {}), ...(start.hi !== undefined ? { hi: start.hi } : {}), done: !more };
    yield { rows, checkpoint, final: !more };
    if (!more) return;
  }
}

/** Incremental pass: rows with (modified, key) after the cursor, in that order. */
export async function* incrementalPages(
  session: SqlSession, compiler: QueryCompiler, plan: ReadPlan, start: HighWater | null, o: PageOptions,
): AsyncGenerator<Page> {
  let cursor = start;
  const m = plan.modified!;
  for (;;) {
    throwIfAborted(o.signal, `${plan.entity} (${plan.table})`);
    const q = compiler.incrementalPage(plan, cursor && cursor.modified !== null ? cursor : null, o.batchSize + 1);
    const { rows, more } = await readPage(session, q, plan, o);
    if (rows.length > 0) {
      const lastRow = rows[rows.length - 1]!;
      const next = { modified: lastRow[m.field] ?? null, key: keyOf(plan, lastRow) };
      if (cursor && compareHighWater(next, cursor) === 0) throw new CursorLoopError(`incremental cursor of ${plan.table} repeated ${JSON.stringify(next)}`);
      cursor = next;
    }
    const checkpoint: SqlCheckpoint = { mode: 'incremental', modified: cursor?.modified ?? null, key: cursor?.key ?? [], done: !more };
    yield { rows, checkpoint, final: !more };
    if (!more) return;
  }
}
