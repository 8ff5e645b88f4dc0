/**
 * A worker's hold on one run: a dedicated connection holding the migration's session advisory
 * lock, plus a heartbeat in active_runs every few seconds that also carries the live progress and
 * reads stop requests. If the worker dies its connection closes and the lock frees at once; if it
 * hangs, its heartbeat goes stale and the reaper ends its session (reaper.ts).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';
import { quoteIdent } from '../db/sql/ident.ts';
import { claimActiveRun, heartbeatActiveRun, releaseRunLock, tryRunLock, type ActiveRunRow, type StopRequest } from './sql/active-runs.ts';

export class RunLeaseLostError extends Error {
  override readonly name = 'RunLeaseLostError';
}

export interface LeaseEvents {
  onStop(as: StopRequest): void;
  onLost(reason: string): void;
}

export class RunLease {
  readonly token = randomUUID();
  row: ActiveRunRow | null = null;
  progress: Record<string, unknown> = {};
  waitingFor: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lost = false;

  private constructor(private readonly client: pg.Client, readonly migrationId: string, private readonly log: Logger) {}

  /** Connect, lock and claim; null when another worker holds the run or this job is not the run's job. */
  static async acquire(o: { config: pg.ClientConfig; controlSchema: string; migrationId: string; jobId: string; worker: string; log: Logger }): Promise<RunLease | null> {
    const client = new pg.Client({ ...o.config, application_name: `nexus-migrate lease ${o.worker}`.slice(0, 63) });
    const lease = new RunLease(client, o.migrationId, o.log);
    client.on('error', (err) => lease.markLost(`lease connection lost: ${err.message}`));
    await client.connect();
    try {
      await client.query(`SET search_path TO ${quoteIdent(o.controlSchema)}`);
      if (!(await tryRunLock(client, o.migrationId))) {
        await client.end();
        return null;
      }
      lease.row = await claimActiveRun(client, { migrationId: o.migrationId, jobId: o.jobId, token: lease.token, worker: o.worker });
      if (!lease.row) {
        await releaseRunLock(client, o.migrationId).catch(() => undefined);
        await client.end();
        return null;
      }
      return lease;
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private events: LeaseEvents | null = null;

  start(events: LeaseEvents, everyMs: number): void {
    this.events = events;
    this.timer = setInterval(() => void this.beat(), everyMs);
    this.timer.unref();
  }

  async beat(): Promise<void> {
    if (this.lost) return;
    try {
      const r = await heartbeatActiveRun(this.client, { migrationId: this.migrationId, token: this.token, progress: this.progress, waitingFor: this.waitingFor });
      if (!r) this.markLost('the run was taken over or removed');
      else if (r.stop) this.events?.onStop(r.stop);
    } catch (err) {
      this.markLost(`heartbeat failed: ${(err as Error).message}`);
    }
  }

  isLost(): boolean {
    return this.lost;
  }

  private markLost(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.log.warn('run lease lost', { migrationId: this.migrationId, reason });
    this.events?.onLost(reason);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.lost = true;
    await releaseRunLock(this.client, this.migrationId).catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}
