import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../test/support/engine.ts';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { testUsers } from './testdata/crm-data.ts';

const CHILD = fileURLToPath(new URL('./testdata/run-child.ts', import.meta.url));
const envs: EngineEnv[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) await e.drop();
});

/** Run the migration in a child process; kill -9 it after `killAfterMs` (or let it finish). */
function runChild(e: EngineEnv, runKey: string, killAfterMs: number | null): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env, DATABASE_URL: TEST_DATABASE_URL, RECORDS: '120', DELAY_MS: '25', BATCH: '15', RUN_KEY: runKey,
        TENANT_ID: e.tenantId, FRANCHISE_ID: e.franchiseId, TARGET_SCHEMA: e.targetSchema, CONTROL_SCHEMA: e.controlSchema,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = killAfterMs === null ? null : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

describe('resume after kill -9', () => {
  it('given a run killed at several random instants and restarted, then every target table equals an uninterrupted run', async () => {
    const tenantId = randomUUID();
    const clean = await createEngineEnv(testUsers, tenantId);
    envs.push(clean);
    const t0 = Date.now();
    const reference = await runChild(clean, 'reference', null);
    const duration = Date.now() - t0;
    expect(reference.out).toContain('"done":true');

    const killed = await createEngineEnv(testUsers, tenantId);
    envs.push(killed);
    let kills = 0;
    let final: Awaited<ReturnType<typeof runChild>> | null = null;
    // Kill at random instants within the time an uninterrupted run takes on this machine now.
    const at = (lo: number, hi: number) => Math.round(duration * (lo + Math.random() * (hi - lo)));
    for (const ms of [at(0.3, 0.5), at(0.5, 0.7), at(0.6, 0.9), null]) {
      const r = await runChild(killed, 'interrupted', ms);
      if (r.signal === 'SIGKILL') kills++;
      else {
        final = r;
        break;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(1);
    expect(final?.out).toContain('"done":true');
    const totals = JSON.parse(final!.out.trim().split('\n').pop()!).totals;
    expect(totals.reconciles).toBe(true);
    expect(totals.extracted).toBe(3 + 120 + 240 + 120 + 120);
    const exclude = ['users', 'tenants', 'franchises'];
    expect(await tableChecksums(killed.pool, killed.targetSchema, exclude)).toEqual(await tableChecksums(clean.pool, clean.targetSchema, exclude));
    // Every restart resumed the interrupted run. (A kill that lands after the run committed its
    // completion, but before the child printed it, makes the next start a new run that finds nothing to do.)
    const { rows } = await killed.pool.query(
      `SELECT r.status, coalesce(sum(p.created), 0)::int AS created FROM "${killed.controlSchema}".runs r
         LEFT JOIN "${killed.controlSchema}".entity_progress p ON p.run_id = r.id GROUP BY r.id, r.status, r.started_at ORDER BY r.started_at`,
    );
    const referenceTotals = JSON.parse(reference.out.trim().split('\n').pop()!).totals;
    expect(rows[0].created).toBe(referenceTotals.created);
    expect(rows.every((r: { status: string }) => r.status === 'completed')).toBe(true);
    expect(rows.slice(1).every((r: { created: number }) => r.created === 0)).toBe(true);
  });
});
