/** COPY FROM STDIN in PostgreSQL's text format, streamed in chunks with back-pressure. */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent } from '../../db/sql/ident.ts';

const NEEDS_ESCAPE = /[\\\n\r\t]/;

/** One value in COPY text format: \N for NULL; backslash, newline, CR and tab escaped. */
export function copyEscape(v: string | null): string {
  if (v === null) return '\\N';
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

export function copyLine(values: readonly (string | null)[], safe?: readonly boolean[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? null;
    line += (i ? '\t' : '') + (v === null ? '\\N' : safe?.[i] ? v : copyEscape(v));
  }
  return line + '\n';
}

function* chunks(rows: Iterable<readonly (string | null)[]>, safe?: readonly boolean[], size = 256 * 1024): Generator<string> {
  let buf = '';
  for (const r of rows) {
    buf += copyLine(r, safe);
    if (buf.length >= size) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

/**
 * COPY rows into schema.table(columns). `table` may be a temp table (schema null). `safe[i]` marks
 * columns whose values can never hold a backslash, tab or newline (uuids, numbers, dates), which
 * skip escaping. Returns the row count.
 */
export async function copyRows(
  client: pg.PoolClient,
  schema: string | null,
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly (string | null)[]>,
  safe?: readonly boolean[],
): Promise<number> {
  const target = schema ? `${quoteIdent(schema)}.${quoteIdent(table)}` : quoteIdent(table);
  const sql = `COPY ${target} (${columns.map(quoteIdent).join(', ')}) FROM STDIN`;
  const stream = client.query(copyFrom(sql));
  await pipeline(Readable.from(chunks(rows, safe)), stream);
  return Number(stream.rowCount ?? 0);
}
