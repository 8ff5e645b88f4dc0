/**
 * One extraction job: for each entity not yet done, read the source from its persisted
 * checkpoint, re-sequence batches with the job's own seq counter, seal them under the job's
 * data key, wait for spool space, and spool each batch together with its checkpoint.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import { sealBatch } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { Checkpoint, RecordBatch } from '../../shared/record-batch.ts';
import { isDiskFull, type DiskSpaceGuard, type DiskWait } from './disk-space.ts';
import type { SpoolGate } from './spool-gate.ts';
import type { AgentState } from './state.ts';

export interface JobControl {
  signal: AbortSignal;
  /** Resolves at once unless the job is paused. */
  gate(): Promise<void>;
  batchSize(): number;
}

export interface JobRunnerDeps {
  state: AgentState;
  spool: SpoolGate;
  logger: Logger;
  disk: DiskSpaceGuard;
  /** Called after each spooled batch (wakes the sender). */
  onSpooled(): void;
  /** Extraction waits for disk space (`w.reason` says how much is free and needed), then goes on (`onDiskRoom`). */
  onDiskWait(w: DiskWait): void;
  onDiskRoom(): void;
}

/**
 * Run a write to the agent's database; when the disk is full, wait for room and run it again.
 * Nothing is lost: the batch and its checkpoint are one transaction, rolled back on SQLITE_FULL.
 */
async function whenRoom(deps: JobRunnerDeps, bytes: number, signal: AbortSignal, write: () => void): Promise<void> {
  const hooks = { signal, onWait: deps.onDiskWait, onRoom: deps.onDiskRoom };
  await deps.disk.waitForRoom(bytes, hooks);
  for (;;) {
    signal.throwIfAborted();
    try {
      write();
      return;
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      deps.logger.warn('agent database write failed for want of disk space; waiting', { code: (err as { code?: string }).code });
      await deps.disk.waitForRoom(bytes, { ...hooks, afterFull: true });
    }
  }
}

export async function runJobExtraction(deps: JobRunnerDeps, jobId: string, source: SourceConnector, key: Buffer, ctl: JobControl): Promise<void> {
  const { state, spool, logger } = deps;
  for (const row of state.jobEntities(jobId)) {
    if (row.done) continue;
    let seq = row.nextSeq;
    let checkpoint: Checkpoint = row.checkpoint ?? {};
    let sawFinal = false;
    const spoolOne = async (records: RecordBatch['records'], cp: Checkpoint, final: boolean): Promise<void> => {
      const batch: RecordBatch = { v: 1, sourceSystem: source.sourceSystem, entity: row.entity, seq, records, checkpoint: cp, final };
      const sealed = sealBatch(batch, key, jobId);
      await spool.waitForSpace(ctl.signal);
      ctl.signal.throwIfAborted();
      await whenRoom(deps, sealed.length, ctl.signal, () => state.spoolBatch({ jobId, entity: row.entity, seq, final, records: records.length, sealed, checkpoint: cp }));
      spool.add(sealed.length);
      seq += 1;
      deps.onSpooled();
    };
    logger.info('extracting entity', { jobId, entity: row.entity, fromSeq: seq, resumed: row.checkpoint !== undefined });
    for await (const b of source.read(row.entity, { checkpoint: row.checkpoint, batchSize: ctl.batchSize(), signal: ctl.signal })) {
      await ctl.gate();
      ctl.signal.throwIfAborted();
      checkpoint = b.checkpoint;
      const final = b.final === true;
      if (b.records.length === 0 && !final) continue;
      await spoolOne(b.records, b.checkpoint, final);
      if (final) {
        sawFinal = true;
        break;
      }
    }
    if (!sawFinal) await spoolOne([], checkpoint, true);
  }
  await whenRoom(deps, 0, ctl.signal, () => state.markReadDone(jobId));
}
