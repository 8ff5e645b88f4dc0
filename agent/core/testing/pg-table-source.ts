/**
 * Test support: a tiny keyset-paginated PostgreSQL source (one table per entity, integer `id`
 * key), standing in for connectors/sql until that is wired. Checkpoint: {after: last id}.
 */
import pg from 'pg';
import type { SourceConnector } from '../../../shared/connector.ts';
import type { FieldValue, RecordBatch } from '../../../shared/record-batch.ts';
import { qualified } from '../../../control-plane/db/sql/ident.ts';
import type { SourceFactory } from '../sources.ts';

export function pgTableSourceFactory(opts: { schema: string; tables: string[]; /** pause per batch, to slow a job down for kill tests */ delayMs?: number }): SourceFactory {
  return async (settings, password) => {
    const pool = new pg.Pool({ host: settings.host, port: settings.port, database: settings.database, user: settings.user, password: password ?? undefined, max: 1 });
    const source: SourceConnector = {
      sourceSystem: 'postgres',
      async check() {
        await pool.query('SELECT 1');
        return { ok: true, message: `connected to ${settings.host}:${settings.port}/${settings.database}` };
      },
      async discover() {
        return { sourceSystem: 'postgres', streams: opts.tables.map((t) => ({ entity: t, primaryKey: ['id'], fields: [] })), warnings: [] };
      },
      async entities() {
        return [...opts.tables];
      },
      async *read(entity, o): AsyncIterable<RecordBatch> {
        if (!opts.tables.includes(entity)) throw new Error(`unknown entity ${entity}`);
        let after = typeof o.checkpoint?.after === 'number' ? o.checkpoint.after : 0;
        let seq = 0;
        for (;;) {
          o.signal?.throwIfAborted();
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          const { rows } = await pool.query<{ id: number; row: Record<string, FieldValue> }>(
            `SELECT id, row_to_json(t)::jsonb AS row FROM ${qualified(opts.schema, entity)} t WHERE id > $1 ORDER BY id LIMIT $2`,
            [after, o.batchSize],
          );
          const last = rows.at(-1);
          if (last) after = last.id;
          const final = rows.length < o.batchSize;
          yield { v: 1, sourceSystem: 'postgres', entity, seq: seq++, records: rows.map((r) => ({ sourceId: String(r.id), op: 'upsert', fields: r.row })), checkpoint: { after }, final };
          if (final) return;
        }
      },
      async close() {
        await pool.end();
      },
    };
    return source;
  };
}
