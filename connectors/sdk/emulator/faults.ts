/**
 * The fault switches of connectors/sdk/emulator-types.ts FaultOptions, drawn from one seeded stream
 * so a seed misbehaves the same way every run: 429 bursts, 5xx, slowness, and records changing
 * during extraction. (Token expiry is OAuthServer's ttl.) Vendors render the refusal in their shape.
 */
import type { FaultOptions } from '../emulator-types.ts';
import { rngFor, type Rng } from './prng.ts';
import { sleep } from './http.ts';

export type Fault = { kind: '429' } | { kind: '5xx'; status: 500 | 502 | 503 };

export class FaultSwitches {
  readonly rng: Rng;
  private burstLeft = 0;
  injected = 0;

  constructor(readonly faults: FaultOptions, seed: number, statuses: readonly (500 | 502 | 503)[] = [500, 502, 503]) {
    this.rng = rngFor(seed, 'faults');
    this.statuses = statuses;
  }
  private readonly statuses: readonly (500 | 502 | 503)[];

  /** A fault to serve instead of the real response, if any. */
  draw(): Fault | undefined {
    const f = this.faults;
    if (this.burstLeft > 0) {
      this.burstLeft--;
      this.injected++;
      return { kind: '429' };
    }
    if (f.rate429 && this.rng.chance(f.rate429)) {
      this.burstLeft = Math.max(0, (f.burst429Length ?? 3) - 1);
      this.injected++;
      return { kind: '429' };
    }
    if (f.rate5xx && this.rng.chance(f.rate5xx)) {
      this.injected++;
      return { kind: '5xx', status: this.rng.pick(this.statuses) };
    }
    return undefined;
  }

  delayMs(): number {
    const f = this.faults;
    return f.slowRate && this.rng.chance(f.slowRate) ? (f.slowMs ?? 2000) : 0;
  }

  /** The slowness fault: waits when drawn. */
  async slow(): Promise<void> {
    const ms = this.delayMs();
    if (ms > 0) await sleep(ms);
  }

  /** Whether the page just served modifies a record ahead of the reader; returns its index in [0, n). */
  modification(n: number): number | undefined {
    const p = this.faults.modifyDuringExtraction;
    return p && n > 0 && this.rng.chance(p) ? this.rng.int(n) : undefined;
  }
}
