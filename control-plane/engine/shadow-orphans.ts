/**
 * Orphaned shadow schemas. A dry run holds a session advisory lock named after its shadow schemas from
 * before it creates them until after it drops them, on a connection of its own. A process killed mid
 * dry run (kill -9, a crash, a lost machine) leaves the schemas, but its connection closes and the lock
 * frees. The next start (serve, worker, the next dry run) takes the lock of every shadow pair it finds:
 * when it gets it, no live dry run owns the pair, so it drops both schemas, marks the run failed in
 * the control schema (when the run is there) and logs it; when it does not, the dry run is alive and
 * its schemas are left alone. Only schemas carrying the shadow comment (SHADOW_MARK) are considered:
 * a version that holds no lock (a rolling upgrade, an older worker) never has its live copies dropped.
 */
import pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';
import { dropSchema, failOrphanedDryRun, listShadowBases, tryShadowLock, unlockShadow } from './sql/shadow.ts';

const base = (s: { target: string }): string => s.target.replace(/_t$/, '');

/** The lock of one dry run's shadow schemas, held on a dedicated connection until release(). */
export interface ShadowHold { release(): Promise<void> }

export async function holdShadowLock(pool: pg.Pool, names: { target: string }): Promise<ShadowHold> {
  const client = new pg.Client({ ...pool.options, application_name: `nexus-migrate shadow ${base(names)}` });
  client.on('error', () => undefined); // a lost lock connection only lets the next start drop the copies
  await client.connect();
  try {
    if (!(await tryShadowLock(client, base(names)))) throw new Error(`the shadow schemas ${base(names)}_t/_c are held by another dry run`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return { release: () => client.end().catch(() => undefined) };
}

/** Drop the shadow schemas no live dry run holds; returns the dropped bases. */
export async function dropOrphanedShadows(pool: pg.Pool, o: { controlSchema: string; log?: Logger }): Promise<string[]> {
  const dropped: string[] = [];
  const client = await pool.connect();
  try {
    for (const b of await listShadowBases(client)) {
      if (!(await tryShadowLock(client, b))) continue; // its dry run is alive
      try {
        await dropSchema(client, `${b}_t`);
        await dropSchema(client, `${b}_c`);
        const runId = await failOrphanedDryRun(client, o.controlSchema, b.slice('nm_dry_'.length), 'the dry run stopped before it finished (its process is gone); its shadow schemas were dropped');
        o.log?.warn('dropped the shadow schemas of a dry run whose process is gone', { schemas: [`${b}_t`, `${b}_c`], runId });
        dropped.push(b);
      } catch (err) {
        // Cleanup never stops the start that does it: the next start tries again.
        o.log?.warn('could not drop the shadow schemas of a dry run whose process is gone', { schemas: [`${b}_t`, `${b}_c`], error: (err as Error).message });
      } finally {
        await unlockShadow(client, b).catch(() => undefined);
      }
    }
  } finally {
    client.release();
  }
  return dropped;
}
