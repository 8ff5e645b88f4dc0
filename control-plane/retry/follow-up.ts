/**
 * The failed-records round trip, shared by the CLI and the API: export one entity's quarantined
 * records of a run as CSV, and turn the corrected file into the source of a follow-up run linked to
 * the original (runs.retry_of; both reports show the link).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { getRunHead, listQuarantined, quarantinedSourceIds, type RunHead } from '../report/sql.ts';
import { quarantineCsv } from './quarantine-csv.ts';
import { RetryCsvSource } from './retry-source.ts';

type Q = pg.Pool | pg.PoolClient;

export class FollowUpError extends Error {
  override readonly name = 'FollowUpError';
  constructor(message: string, readonly status: 400 | 404 | 409 = 400) {
    super(message);
  }
}

async function runOrThrow(q: Q, cs: string, runId: string): Promise<RunHead> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) throw new FollowUpError(`run id ${JSON.stringify(runId)} is not a UUID`);
  const run = await getRunHead(q, cs, runId);
  if (!run) throw new FollowUpError(`run ${runId} does not exist`, 404);
  return run;
}

export async function exportQuarantine(q: Q, cs: string, runId: string, entity: string): Promise<{ csv: string; records: number; run: RunHead }> {
  const run = await runOrThrow(q, cs, runId);
  const { csv, records } = quarantineCsv(await listQuarantined(q, cs, runId, entity));
  return { csv, records, run };
}

export interface PreparedFollowUp {
  run: RunHead;
  source: RetryCsvSource;
  runKey: string;
  retryOf: { runId: string; entity: string };
}

/** Check the original run and entity, and build the follow-up's source from the corrected CSV text. */
export async function prepareFollowUp(q: Q, cs: string, originalRunId: string, entity: string, csv: string): Promise<PreparedFollowUp> {
  const run = await runOrThrow(q, cs, originalRunId);
  if (run.mode !== 'run') throw new FollowUpError(`run ${originalRunId} is a dry run: nothing it quarantined was meant to load; re-import after a real run`, 409);
  const ids = await quarantinedSourceIds(q, cs, originalRunId, entity);
  if (ids.size === 0) throw new FollowUpError(`run ${originalRunId} quarantined no ${entity} records`, 409);
  const source = new RetryCsvSource({ sourceSystem: run.source_system, entity, csv, originalRunId, quarantinedIds: ids });
  const check = await source.check();
  if (!check.ok) throw new FollowUpError(check.message);
  return { run, source, runKey: `retry:${originalRunId}:${entity}:${randomUUID()}`, retryOf: { runId: originalRunId, entity } };
}
