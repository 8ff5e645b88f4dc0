import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/log/logger.ts';
import { guardPool } from './pool-guard.ts';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('guardPool', () => {
  it('given an idle checked-out client whose backend is terminated, then its next query rejects, the error is logged and nothing is uncaught', async () => {
    const warned: string[] = [];
    const log = createLogger({ sinks: [(e) => { if (e.level === 'warn') warned.push(e.msg); }] });
    const pool = guardPool(new pg.Pool({ connectionString: URL, max: 2 }), log, 'test pool');
    const admin = new pg.Client({ connectionString: URL });
    await admin.connect();
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => { uncaught.push(err); };
    process.on('uncaughtException', onUncaught);
    try {
      const client = await pool.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const errored = new Promise((r) => client.once('error', r));
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await errored;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      await new Promise((r) => setImmediate(r));
      expect(uncaught).toEqual([]);
      expect(warned.some((m) => m.startsWith('test pool'))).toBe(true);
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await pool.end();
    }
  });
});
