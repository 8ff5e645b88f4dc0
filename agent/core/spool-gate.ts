/**
 * Back-pressure for the outbound spool: the read loop awaits `waitForSpace` before spooling a
 * batch, and acknowledgements release space. The bound is on sealed bytes on disk.
 */
export class SpoolGate {
  private waiters: (() => void)[] = [];

  constructor(
    private bytes: number,
    readonly limit: number,
  ) {}

  get used(): number {
    return this.bytes;
  }

  /** Resolves when the spool has room (at least one batch is always allowed into an empty spool). */
  async waitForSpace(signal?: AbortSignal): Promise<void> {
    while (this.bytes > 0 && this.bytes >= this.limit) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  add(n: number): void {
    this.bytes += n;
  }

  release(n: number): void {
    if (n <= 0) return;
    this.bytes = Math.max(0, this.bytes - n);
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
