/**
 * The disk under the agent's data folder. Before each batch is spooled the job asks `waitForRoom`;
 * while the free space is below what the batch needs (its size twice over, for the database page
 * and its write-ahead log, plus a reserve), extraction waits with a reason people can read, and goes
 * on by itself once space returns. `spoolMaxBytes` bounds the spool; this guards the disk it is on.
 */
import { statfsSync } from 'node:fs';

export type FreeBytes = (dir: string) => number;

export const statfsFree: FreeBytes = (dir) => {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
};

const MB = 1024 * 1024;

export interface DiskWait {
  freeBytes: number;
  needsBytes: number;
  reason: string;
}

/** "disk full on the agent: 0.4 MB free, needs 4.6 MB" */
export function diskFullReason(freeBytes: number, needsBytes: number): string {
  const mb = (n: number): string => (Math.round((n / MB) * 10) / 10).toFixed(1);
  return `disk full on the agent: ${mb(freeBytes)} MB free, needs ${mb(needsBytes)} MB`;
}

export interface DiskHooks { signal?: AbortSignal; onWait(w: DiskWait): void; onRoom(): void }

export class DiskSpaceGuard {
  private waiting: DiskWait | null = null;

  constructor(
    readonly dir: string,
    readonly reserveBytes: number,
    private readonly free: FreeBytes = statfsFree,
    private readonly pollMs = 500,
  ) {}

  /** The current wait, or null while there is room. */
  get wait(): DiskWait | null {
    return this.waiting;
  }

  needs(batchBytes: number): number {
    return batchBytes * 2 + this.reserveBytes;
  }

  freeBytes(): number {
    return this.free(this.dir);
  }

  /**
   * Resolves once the disk has room for a batch of `batchBytes`. `onWait` is told when waiting
   * starts (with the reason) and `onRoom` when it ends; neither writes to the full disk.
   */
  async waitForRoom(batchBytes: number, hooks: DiskHooks & { afterFull?: boolean }): Promise<void> {
    const needsBytes = this.needs(batchBytes);
    let freeBytes = this.freeBytes();
    // After a write failed for want of space, wait at least one poll even if the numbers look fine.
    if (freeBytes >= needsBytes && !hooks.afterFull) return;
    this.waiting = { freeBytes, needsBytes, reason: diskFullReason(freeBytes, needsBytes) };
    hooks.onWait(this.waiting);
    try {
      for (let first = true; first || freeBytes < needsBytes; first = false) {
        hooks.signal?.throwIfAborted();
        await sleep(this.pollMs, hooks.signal);
        freeBytes = this.freeBytes();
        this.waiting = { freeBytes, needsBytes, reason: diskFullReason(freeBytes, needsBytes) };
      }
    } finally {
      this.waiting = null;
    }
    hooks.onRoom();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** SQLite's "database or disk is full" (and the OS's ENOSPC), which mean: wait for space, then retry. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || (typeof code === 'string' && code.startsWith('SQLITE_IOERR') && /disk|space|full/i.test(String((err as Error).message)));
}
