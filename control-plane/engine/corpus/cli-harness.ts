/**
 * A corpus case through real `bin/nexus-migrate.mjs` processes, the way an admin types it: the CSV
 * folder, the case's mapping file, the tenant and franchise flags plus the case's own flags. A refused
 * case must exit with its code and message, print no raw driver text, and leave the target's
 * checksum and the control schema's runs as they were. A case that loads is dry-run, run and rolled
 * back through the CLI, with the same checks as the engine cases.
 */
import { expect } from 'vitest';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runMigrateCli, type CliRun } from '../../../test/support/cli-run.ts';
import { tableChecksums, type EngineEnv } from '../../../test/support/engine.ts';
import { caseMapping } from './mapping.ts';
import { reconciles, sameCounts, valuesMatch } from './checks.ts';
import { withCase, type Shared } from './harness.ts';
import type { CorpusCase } from './types.ts';

/** What a person must never see: driver errors, stack frames, SQL fragments. */
const RAW = [/\berror: /i, /\n\s+at .+:\d+:\d+/, /node_modules/, /invalid input syntax/, /syntax error at or near/, /relation ".*" does not exist/, /TypeError|ReferenceError|RangeError/, /Failing row contains/, /pg-protocol|\bSQLSTATE\b/];

const runCount = async (env: EngineEnv): Promise<number> => (await env.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${env.controlSchema}".runs`)).rows[0]!.n;

export async function cliCase(c: CorpusCase, shared: Shared): Promise<void> {
  await withCase(c, shared, async (env, src) => {
    const { yaml, entities } = caseMapping(c);
    const mappingFile = path.join(src.dir!, '..', `${path.basename(src.dir!)}-mapping.yaml`);
    await writeFile(mappingFile, yaml);
    const work = path.dirname(src.dir!);
    const tenant = c.cli?.newTenant ? randomUUID() : env.tenantId;
    const args = ['--source', 'csv', '--path', src.dir!, '--mapping', mappingFile, ...(c.cli?.dropTenantFlag ? [] : ['--tenant', tenant]), '--franchise', env.franchiseId, '--batch-size', '3', ...(c.cli?.args ?? [])];
    // The environment must not supply what a case leaves out.
    const cli = (command: 'run' | 'dry-run' | 'rollback', a: string[]): Promise<CliRun> =>
      runMigrateCli({ targetSchema: env.targetSchema, controlSchema: env.controlSchema, work, command, env: { TENANT_ID: undefined, FRANCHISE_ID: undefined } }, a);
    const before = await tableChecksums(env.pool, env.targetSchema);
    if (c.refused) {
      const runsBefore = await runCount(env);
      const r = await cli('run', args);
      expect(r.out, 'the error says what is wrong').toMatch(c.refused);
      expect(r.code, r.out).toBe(c.cli?.exit ?? 2);
      for (const raw of RAW) expect(r.out, 'no raw driver text').not.toMatch(raw);
      expect(await tableChecksums(env.pool, env.targetSchema), 'a refused run loads nothing').toEqual(before);
      if ((c.cli?.exit ?? 2) === 2) expect(await runCount(env), 'a usage error starts no run').toBe(runsBefore);
      return;
    }
    const dry = await cli('dry-run', args);
    expect(dry.code, dry.out).toBe(c.cli?.exit ?? 0);
    expect(await tableChecksums(env.pool, env.targetSchema), 'the dry run writes nothing to the target').toEqual(before);
    const real = await cli('run', args);
    expect(real.code, real.out).toBe(c.cli?.exit ?? 0);
    if (c.cli?.out) expect(real.out).toMatch(c.cli.out);
    sameCounts(dry.report, real.report);
    const t = { pool: env.pool, targetSchema: env.targetSchema, controlSchema: env.controlSchema, tenantId: env.tenantId };
    await reconciles(c, real.report, await src.counts(), t, Object.keys(entities));
    await valuesMatch(c, t, entities);
    const rb = await cli('rollback', [real.report.runId]);
    expect(rb.code, rb.out).toBe(0);
    expect(await tableChecksums(env.pool, env.targetSchema), 'rollback restores the target').toEqual(before);
  });
}
