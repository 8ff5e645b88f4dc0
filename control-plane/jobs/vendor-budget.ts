/**
 * The SDK's SharedBudgetStore in the control database: every worker (and serve) that migrates
 * with the same credential takes its tokens from the same rows, so the vendor's documented budget
 * holds across processes and machines. One short transaction per request; the time is the
 * database's clock, so machines with skewed clocks still agree.
 */
import type pg from 'pg';
import type { BucketSpec, SharedBudgetStore } from '../../connectors/sdk/index.ts';
import { qualified } from '../db/sql/ident.ts';

interface BudgetRow { bucket: string; tokens: number; elapsed_ms: number; pause_ms: number }

export function pgBudgetStore(pool: pg.Pool, controlSchema: string): SharedBudgetStore {
  const t = qualified(controlSchema, 'vendor_budgets');
  return {
    async take(key, buckets) {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        await c.query(`INSERT INTO ${t} (key, bucket, tokens) SELECT $1, b, cap FROM unnest($2::text[], $3::float8[]) AS u(b, cap) ON CONFLICT DO NOTHING`,
          [key, buckets.map((b) => b.name), buckets.map((b) => b.capacity)]);
        const { rows } = await c.query<BudgetRow>(
          `SELECT bucket, tokens, extract(epoch FROM clock_timestamp() - updated_at) * 1000 AS elapsed_ms,
                  greatest(0, coalesce(extract(epoch FROM paused_until - clock_timestamp()) * 1000, 0)) AS pause_ms
             FROM ${t} WHERE key = $1 AND bucket = ANY($2) ORDER BY bucket FOR UPDATE`,
          [key, buckets.map((b) => b.name)],
        );
        const pause = Math.max(0, ...rows.map((r) => Number(r.pause_ms)));
        const now = rows.map((r) => {
          const spec = buckets.find((b) => b.name === r.bucket)!;
          return { spec, tokens: Math.min(spec.capacity, Number(r.tokens) + Number(r.elapsed_ms) * spec.refillPerMs) };
        });
        let wait = pause > 0 ? Math.ceil(pause) : 0;
        if (wait === 0) for (const b of now) if (b.tokens < 1) wait = Math.max(wait, Math.ceil((1 - b.tokens) / b.spec.refillPerMs));
        const take = wait === 0 ? 1 : 0;
        await c.query(
          `UPDATE ${t} AS v SET tokens = u.tokens, updated_at = clock_timestamp() FROM unnest($2::text[], $3::float8[]) AS u(bucket, tokens) WHERE v.key = $1 AND v.bucket = u.bucket`,
          [key, now.map((b) => b.spec.name), now.map((b) => b.tokens - take)],
        );
        await c.query('COMMIT');
        return wait;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    },
    async pause(key, ms) {
      await pool.query(`UPDATE ${t} SET paused_until = greatest(coalesce(paused_until, clock_timestamp()), clock_timestamp() + make_interval(secs => $2)) WHERE key = $1`, [key, ms / 1000]);
    },
    async clamp(key, bucket, remaining) {
      await pool.query(`UPDATE ${t} SET tokens = least(tokens, $3) WHERE key = $1 AND bucket = $2`, [key, bucket, Math.max(0, remaining)]);
    },
  };
}
