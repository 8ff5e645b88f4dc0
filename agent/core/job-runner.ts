/**
 * One extraction job: for each entity not yet done, read the source from its persisted
 * checkpoint, re-sequence batches with the job's own seq counter, seal them under the job's
 * data key, wait for spool space, and spool each batch together with its checkpoint.
 */
import type { SourceConnector } from '../../shared/connector.ts';
import { sealBatch } from '../../shared/crypto/index.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { Checkpoint, RecordBatch } from '../../shared/record-batch.ts';
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
  /** Called after each spooled batch (wakes the sender). */
  onSpooled(): void;
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
      state.spoolBatch({ jobId, entity: row.entity, seq, final, records: records.length, sealed, checkpoint: cp });
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
  state.markReadDone(jobId);
}
