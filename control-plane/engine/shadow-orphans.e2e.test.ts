/**
 * Orphaned shadow schemas through real processes: two CLI dry runs are held mid-run (their source
 * tables are locked, so they wait after building their shadow schemas). A third dry run leaves both
 * shadows alone (their runs are alive). One dry run is killed with kill -9: the next dry run drops its
 * shadow and says so, the live one's stays. The other is killed: the next `worker` start drops it
 * (and leaves a shadow-named schema without the shadow mark alone).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../agent/core/testing/harness.ts';
import { sampleFixture, type SampleFixture } from '../../connectors/sql/sample/fixtures.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { runMigrateCli, spawnMigrateCli, type CliTarget, type SpawnedCli } from '../../test/support/cli-run.ts';
import { buildCsv } from './corpus/sources.ts';
import { caseMapping } from './corpus/mapping.ts';
import { acct } from './corpus/cases-csv.ts';
import { jobsSchema } from '../jobs/boss.ts';
import { startCli } from '../jobs/testing/processes.ts';

let env: EngineEnv;
let src: SampleFixture;
let work: string;
let blocker: pg.Client;
let cli: CliTarget;
const DROPPED = 'dropped the shadow schemas of a dry run whose process is gone';
const unmarked = `nm_dry_${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'shadow-orphans-'));
  [env, src] = await Promise.all([createEngineEnv(), sampleFixture('postgres', 'cargowise', 30, 5)]);
  cli = { targetSchema: env.targetSchema, controlSchema: env.controlSchema, work, command: 'dry-run' };
  writeFileSync(path.join(work, 'cw.json'), JSON.stringify({ dialect: 'postgres', url: TEST_DATABASE_URL, schema: src.connection.schema }));
  const c = { name: 'one account', via: 'csv' as const, rows: { acct: [acct('a1')] } };
  await buildCsv(c, path.join(work, 'csv'));
  writeFileSync(path.join(work, 'csv-mapping.yaml'), caseMapping(c).yaml);
  // Hold every source table: a dry run reading them waits there, after its shadow schemas exist.
  blocker = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await blocker.connect();
  const { rows } = await blocker.query<{ t: string }>(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = $1`, [src.connection.schema]);
  await blocker.query(`BEGIN; LOCK TABLE ${rows.map((r) => r.t).join(', ')} IN ACCESS EXCLUSIVE MODE`);
}, 120_000);

afterAll(async () => {
  await blocker?.end().catch(() => undefined);
  await env?.pool.query(`DROP SCHEMA IF EXISTS "${unmarked}_t"`);
  await src?.drop();
  await env?.pool.query(`DROP SCHEMA IF EXISTS "${jobsSchema(env.controlSchema)}" CASCADE`);
  await env?.drop();
  rmSync(work, { recursive: true, force: true });
});

const args = (more: string[]) => ['--tenant', env.tenantId, '--franchise', env.franchiseId, ...more];
const blockedDryRun = (key: string): SpawnedCli => spawnMigrateCli(cli, args(['--source', 'cargowise', '--credentials-file', path.join(work, 'cw.json'), '--run-key', key]));
const csvDryRun = () => runMigrateCli(cli, args(['--source', 'csv', '--path', path.join(work, 'csv'), '--mapping', path.join(work, 'csv-mapping.yaml')]));

/** The shadow base of the dry run started with this key, once both of its schemas exist. */
async function shadowOf(key: string, p: SpawnedCli): Promise<{ base: string; runId: string }> {
  return until(async () => {
    if (p.proc.exitCode !== null) throw new Error(`the held dry run exited: ${p.output().slice(-2000)}`);
    const { rows } = await env.pool.query<{ id: string; n: number }>(
      `SELECT r.id, (SELECT count(*)::int FROM pg_namespace WHERE nspname IN ('nm_dry_' || left(replace(r.id::text, '-', ''), 16) || '_t', 'nm_dry_' || left(replace(r.id::text, '-', ''), 16) || '_c')) AS n
         FROM "${env.controlSchema}".runs r WHERE r.run_key = $1`, [key],
    );
    const r = rows[0];
    return r && r.n === 2 ? { base: `nm_dry_${r.id.replace(/-/g, '').slice(0, 16)}`, runId: r.id } : null;
  }, `shadow schemas of dry run ${key}`, 90_000, 100);
}

const schemasOf = async (base: string): Promise<number> =>
  (await env.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname IN ($1, $2)`, [`${base}_t`, `${base}_c`])).rows[0]!.n;
const runRow = async (runId: string) => (await env.pool.query<{ status: string; error: string | null }>(`SELECT status, error FROM "${env.controlSchema}".runs WHERE id = $1`, [runId])).rows[0]!;

/** kill -9, then wait until the server has seen the lock connection close. */
async function kill9(p: SpawnedCli, base: string): Promise<void> {
  p.proc.kill('SIGKILL');
  await p.exited;
  await until(async () => ((await env.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`, [`nexus-migrate shadow ${base}`])).rows[0]!.n === 0 ? true : null), `lock connection of ${base} closed`, 30_000, 100);
}

describe('orphaned shadow schemas', () => {
  it('given dry runs killed with kill -9 mid-run, then the next dry run and the next worker start drop their shadow schemas and say so, and never a live dry run\'s', async () => {
    const a1 = blockedDryRun('orphan-a1');
    const a2 = blockedDryRun('orphan-a2');
    const [s1, s2] = await Promise.all([shadowOf('orphan-a1', a1), shadowOf('orphan-a2', a2)]);

    const b = await csvDryRun();
    expect(b.code, b.out).toBe(0);
    expect(b.out, 'a dry run beside live ones drops nothing').not.toContain(DROPPED);
    expect([await schemasOf(s1.base), await schemasOf(s2.base)], 'live dry runs keep their shadow schemas').toEqual([2, 2]);

    await kill9(a1, s1.base);
    expect(await schemasOf(s1.base), 'kill -9 leaves the shadow schemas').toBe(2);
    const d = await csvDryRun();
    expect(d.code, d.out).toBe(0);
    const line = d.out.split('\n').find((l) => l.includes(DROPPED));
    expect(line, d.out).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 'warn', schemas: [`${s1.base}_t`, `${s1.base}_c`], runId: s1.runId });
    expect(d.out, 'only the orphan is named').not.toContain(s2.base);
    expect(await schemasOf(s1.base), 'the next dry run dropped the orphan').toBe(0);
    expect(await schemasOf(s2.base), 'the live dry run keeps its shadow').toBe(2);
    expect(await runRow(s1.runId)).toEqual({ status: 'failed', error: expect.stringMatching(/process is gone.*shadow schemas were dropped/) });
    expect((await runRow(s2.runId)).status).toBe('running');

    await kill9(a2, s2.base);
    await blocker.query('ROLLBACK');
    // A shadow-named schema without the shadow mark (an older version's, whose dry run holds no lock) is never taken for an orphan.
    await env.pool.query(`CREATE SCHEMA "${unmarked}_t"`);
    const worker = await startCli(['worker', '--concurrency', '1'], {
      controlSchema: env.controlSchema, targetSchema: env.targetSchema, masterKey: randomBytes(32).toString('base64'), dataDir: path.join(work, 'data'),
    });
    try {
      const wl = worker.output().split('\n').find((l) => l.includes(DROPPED));
      expect(wl, worker.output()).toBeDefined();
      expect(JSON.parse(wl!)).toMatchObject({ component: 'worker', schemas: [`${s2.base}_t`, `${s2.base}_c`], runId: s2.runId });
      expect(await schemasOf(s2.base), 'the worker start dropped the orphan').toBe(0);
      expect((await runRow(s2.runId)).status).toBe('failed');
      expect(await schemasOf(unmarked), 'an unmarked schema is left alone').toBe(1);
    } finally {
      await worker.stop();
    }
  }, 240_000);
});
