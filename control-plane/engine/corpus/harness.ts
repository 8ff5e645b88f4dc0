/** One corpus case through the engine the way the product drives it: dry run, run, re-run, rollback; every check on the way. */
import { expect } from 'vitest';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { runMigration } from '../run.ts';
import { rollbackRun } from '../rollback.ts';
import { createEngineEnv, tableChecksums, type EngineEnv } from '../../../test/support/engine.ts';
import { TEST_DATABASE_URL, uniqueName } from '../../../test/support/pg.ts';
import { buildCsv, buildMariaDb, buildPg, type BuiltSource } from './sources.ts';
import { caseMapping } from './mapping.ts';
import { reconciles, sameCounts, valuesMatch } from './checks.ts';
import type { RunReport } from '../../report/types.ts';
import type { CorpusCase } from './types.ts';

export interface Shared { work: string; asciiUrl: string }

export async function buildSource(c: CorpusCase, shared: Shared): Promise<BuiltSource> {
  const name = uniqueName('trc');
  if (c.via === 'csv' || c.via === 'cli') return buildCsv(c, path.join(shared.work, name));
  if (c.via === 'pg') return buildPg(c, c.sqlAscii ? shared.asciiUrl : TEST_DATABASE_URL, name);
  return buildMariaDb(c, name);
}

export async function withCase(c: CorpusCase, shared: Shared, body: (env: EngineEnv, src: BuiltSource) => Promise<void>): Promise<void> {
  const env = await createEngineEnv([], randomUUID());
  const src = await buildSource(c, shared);
  try {
    await body(env, src);
  } finally {
    await src.drop();
    await env.drop();
  }
}

/** One run of a case's source through the engine, in batches of 3 (so cases cross batch boundaries). */
export async function runCase(env: EngineEnv, src: BuiltSource, yaml: string, mode: 'run' | 'dry-run'): Promise<RunReport> {
  const source = await src.open();
  try {
    return await runMigration({
      pool: env.pool, source, mappingYaml: yaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
      targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode, batchSize: 3,
    });
  } finally {
    await source.close();
  }
}

export const checksum = (env: EngineEnv) => tableChecksums(env.pool, env.targetSchema);

export async function engineCase(c: CorpusCase, shared: Shared): Promise<void> {
  await withCase(c, shared, async (env, src) => {
    const { yaml, entities } = caseMapping(c);
    const run = (mode: 'run' | 'dry-run'): Promise<RunReport> => runCase(env, src, yaml, mode);
    const before = await checksum(env);
    if (c.refused) {
      await expect(run('dry-run')).rejects.toThrow(c.refused);
      await expect(run('run')).rejects.toThrow(c.refused);
      expect(await checksum(env), 'a refused run loads nothing').toEqual(before);
      return;
    }
    const dry = await run('dry-run');
    expect(await checksum(env), 'the dry run writes nothing to the target').toEqual(before);
    const real = await run('run');
    expect(real.status).toBe('completed');
    sameCounts(dry, real);
    const t = { pool: env.pool, targetSchema: env.targetSchema, controlSchema: env.controlSchema, tenantId: env.tenantId };
    await reconciles(c, real, await src.counts(), t, Object.keys(entities));
    await valuesMatch(c, t, entities);
    const loaded = await checksum(env);
    const again = await run('run');
    for (const e of again.entities) {
      const first = real.entities.find((x) => x.entity === e.entity)!;
      expect({ entity: e.entity, created: e.created, updated: e.updated, unchanged: e.unchanged, quarantined: e.quarantined }, 're-run changes nothing')
        .toEqual({ entity: e.entity, created: 0, updated: 0, unchanged: first.created + first.updated + first.unchanged, quarantined: first.quarantined });
    }
    expect(await checksum(env), 're-run leaves the target as it was').toEqual(loaded);
    await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: again.runId });
    await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: real.runId });
    expect(await checksum(env), 'rollback restores the target').toEqual(before);
  });
}
