/**
 * Partitioned parallel reads: split an entity's first key column into N ranges [lo, hi) that
 * cover the whole key space with no overlap (the first has no lower bound, the last no upper
 * bound, so rows outside the sampled min/max still land somewhere). Numeric keys split
 * arithmetically; other keys take boundaries at evenly spaced row positions.
 */
import type { Checkpoint, FieldValue } from '../../shared/record-batch.ts';
import { toCheckpoint } from './checkpoint.ts';
import type { QueryCompiler } from './compiler.ts';
import type { SqlSession } from './dialect.ts';
import type { ReadPlan } from './types.ts';

export async function partitionBoundaries(session: SqlSession, compiler: QueryCompiler, plan: ReadPlan, n: number): Promise<FieldValue[]> {
  if (n <= 1) return [];
  const k = plan.key[0]!;
  const numeric = k.type === 'integer' || k.type === 'bigint';
  // MIN/MAX only for numeric keys (PostgreSQL has no min(uuid)); other keys need just the count.
  const [b] = await session.all(numeric ? compiler.keyBounds(plan) : compiler.count(plan));
  const count = Number(b?.n ?? 0);
  if (!b || count === 0) return [];
  const out: FieldValue[] = [];
  if (numeric && typeof b.lo === 'number' && typeof b.hi === 'number') {
    const lo = b.lo;
    const step = Math.ceil((b.hi - lo + 1) / n);
    for (let i = 1; i < n; i++) out.push(lo + i * step);
  } else {
    for (let i = 1; i < n; i++) {
      const [r] = await session.all(compiler.keyAtPosition(plan, Math.floor((count * i) / n)));
      if (r && r.k !== null && r.k !== undefined) out.push(r.k);
    }
  }
  // Strictly increasing, no duplicates (small tables repeat boundaries).
  return out.filter((v, i) => i === 0 || JSON.stringify(v) !== JSON.stringify(out[i - 1]));
}

/** Initial checkpoints, one per partition; read each with SourceConnector.read(entity, { checkpoint }). */
export function partitionCheckpoints(bounds: FieldValue[]): Checkpoint[] {
  const edges: (FieldValue | undefined)[] = [undefined, ...bounds, undefined];
  const out: Checkpoint[] = [];
  for (let i = 0; i < edges.length - 1; i++) {
    const lo = edges[i];
    const hi = edges[i + 1];
    out.push(toCheckpoint({ mode: 'keyset', after: null, hw: null, ...(lo !== undefined ? { lo } : {}), ...(hi !== undefined ? { hi } : {}), done: false }));
  }
  return out;
}
