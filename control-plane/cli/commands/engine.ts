/** run, dry-run, preview, rollback, report: the engine's CLI. Heavy modules load inside run(). */
import { readFile } from 'node:fs/promises';
import { defineCommand, JSON_OPTION, UsageError, VERBOSE_OPTION, type Command } from '../command.ts';
import { identifierFlag, integerFlag, runIdArgument, uuidFlag } from '../validate.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, MAPPING_OPTIONS, SCHEMA_OPTIONS, SOURCE_OPTIONS, mappingVars, openMigrated, openSource, readMapping, str, uuidCheck } from '../engine-options.ts';

const MIGRATE_OPTIONS = {
  ...SOURCE_OPTIONS,
  // Not required here: a follow-up run (--retry-of) takes the original run's source.
  source: { ...SOURCE_OPTIONS.source, required: false },
  ...MAPPING_OPTIONS,
  ...SCHEMA_OPTIONS,
  'create-tenant': { type: 'boolean', description: 'create the tenant and franchise when the target lacks them (the report records it); without it a missing one stops the run before anything loads' },
  'batch-size': { type: 'string', value: 'N', description: 'records per batch (1 to 100,000)' },
  'run-key': { type: 'string', value: 'K', description: 'resume the interrupted run with this key' },
  incremental: { type: 'boolean', description: 'only records changed since the last run' },
  'retry-of': { type: 'string', value: 'RUN_ID', check: uuidCheck('retry-of', 'run ids are printed by `nexus-migrate run` and in the report\'s file names'), description: 'a follow-up run: re-import the corrected quarantine CSV (`quarantine export`) of this run, given with --entity and --path' },
  entity: { type: 'string', value: 'E', description: 'the entity of the corrected CSV (with --retry-of)' },
  'report-dir': { type: 'string', value: 'D', description: 'where the HTML, PDF and JSON report go' },
  ...JSON_OPTION,
  ...VERBOSE_OPTION,
} as const;

function migrateCommand(mode: 'run' | 'dry-run'): Command {
  return defineCommand({
    name: mode,
    summary: mode === 'run' ? 'migrate a source into Logic Nexus (resumes an interrupted run with the same key)' : 'transform and validate everything; write nothing to target tables',
    options: MIGRATE_OPTIONS,
    notes: 'Sources: --source csv --path DIR | --source <vendor> --credentials-file F [--base-url U]; a follow-up run: run --retry-of RUN_ID --entity E --path corrected.csv. Exit 0 completed, 3 completed with issues, 4 failed, 2 usage.',
    async run({ flags }) {
      const [{ runMigration }, { createLogger }, { progressPrinter, sourceTotals }, { outcomeLine }, { countsTable, warningsSummary, writeReportFiles }, { maxQuarantineShareOf, settleRun }, { prepareFollowUp }] = await Promise.all([
        import('../../engine/run.ts'), import('../../../shared/log/logger.ts'), import('../progress.ts'), import('../outcome.ts'), import('../write-report.ts'),
        import('../../report/settle.ts'), import('../../retry/follow-up.ts'),
      ]);
      const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
      const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
      const batchSize = integerFlag(flags, 'batch-size', 1, 100_000);
      const retryOf = typeof flags['retry-of'] === 'string' ? flags['retry-of'] : null;
      if (!retryOf && !flags.source) throw new UsageError('--source is required (csv, or a connector name)');
      const db = await openMigrated(targetSchema, controlSchema);
      const followUp = retryOf && mode === 'run'
        ? await prepareFollowUp(db.pool, controlSchema, retryOf, str(flags, 'entity'), await readFile(str(flags, 'path'), 'utf8')).catch(async (err: unknown) => { await db.close(); throw err; })
        : null;
      if (followUp && flags.source === undefined) (flags as { source?: string }).source = followUp.run.source_system;
      const tenantId = uuidFlag(flags, 'tenant', followUp?.run.tenant_id ?? process.env.TENANT_ID);
      const mappingYaml = await readMapping(flags);
      const source = followUp ? followUp.source : await openSource(flags);
      const progress = progressPrinter();
      progress.setTotals(await sourceTotals(source));
      try {
        const report = await runMigration({
          pool: db.pool, source, mappingYaml, vars: mappingVars(flags), tenantId, targetSchema, controlSchema, mode,
          batchSize, createTenant: flags['create-tenant'] === true,
          runKey: followUp?.runKey ?? flags['run-key'],
          incremental: flags.incremental === true,
          onProgress: (e) => progress.update(e),
          logger: createLogger({ level: flags.verbose ? 'info' : 'warn' }),
        });
        progress.done(true);
        const settled = await settleRun(db.pool, controlSchema, report, { maxQuarantineShare: maxQuarantineShareOf(mappingYaml, { TENANT_ID: tenantId, ...mappingVars(flags) }), retryOf: followUp?.retryOf ?? null });
        const files = await writeReportFiles(settled.report, flags['report-dir']);
        const verdict = settled.verdict;
        if (flags.json) process.stdout.write(JSON.stringify({ outcome: verdict.outcome, reason: verdict.reason, exitCode: verdict.exitCode, files, report: settled.report }) + '\n');
        else process.stdout.write(`${countsTable(settled.report)}\n${warningsSummary(report)}\n\n${followUp ? `follow-up of run ${followUp.retryOf.runId} (${followUp.retryOf.entity})\n` : ''}${outcomeLine(report, verdict)} in ${report.durationSeconds.toFixed(1)} s\nreport: ${files.html}\n        ${files.json}\n        ${files.pdf}\n`);
        return verdict.exitCode;
      } finally {
        progress.done();
        await source.close();
        await db.close();
      }
    },
  });
}

const preview = defineCommand({
  name: 'preview',
  summary: 'show N sample records, source beside target',
  options: {
    entity: { type: 'string', value: 'E', required: true, description: 'the entity to preview' },
    limit: { type: 'string', value: 'N', default: '5', description: 'how many records' },
    ...SOURCE_OPTIONS, ...MAPPING_OPTIONS, ...SCHEMA_OPTIONS, ...JSON_OPTION,
  },
  async run({ flags }) {
    const { previewRecords } = await import('../../engine/preview.ts');
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const db = await openMigrated(targetSchema, identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA));
    const source = await openSource(flags);
    try {
      const rows = await previewRecords({
        pool: db.pool, targetSchema, source, mappingYaml: await readMapping(flags), vars: mappingVars(flags),
        tenantId: str(flags, 'tenant', process.env.TENANT_ID), entity: str(flags, 'entity'), limit: integerFlag(flags, 'limit', 1, 1000) ?? 5,
      });
      // Already one JSON document; --json only drops the indentation.
      process.stdout.write((flags.json ? JSON.stringify(rows) : JSON.stringify(rows, null, 2)) + '\n');
      return 0;
    } finally {
      await source.close();
      await db.close();
    }
  },
});

const RUN_POSITIONAL = [{ name: 'runId', description: 'the run (its id, as run and the reports print it)' }] as const;

const rollback = defineCommand({
  name: 'rollback',
  summary: 'remove what a run created and restore what it changed',
  positionals: RUN_POSITIONAL,
  options: {
    run: { type: 'string', value: 'ID', description: 'the run id (instead of <runId>)' },
    force: { type: 'boolean', description: 'roll back even when later runs touched the same records' },
    ...SCHEMA_OPTIONS, ...JSON_OPTION,
  },
  async run({ flags, positional }) {
    const { rollbackRun } = await import('../../engine/rollback.ts');
    const runId = runIdArgument(flags, positional);
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(targetSchema, controlSchema);
    try {
      const r = await rollbackRun(db.pool, { controlSchema, targetSchema, runId, force: flags.force === true });
      process.stdout.write(flags.json ? JSON.stringify({ runId, ...r }) + '\n' : `run ${runId} rolled back: ${r.deleted} rows removed, ${r.restored} rows restored\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
});

const report = defineCommand({
  name: 'report',
  summary: "print or write a run's report (JSON, HTML, PDF)",
  positionals: RUN_POSITIONAL,
  options: {
    run: { type: 'string', value: 'ID', description: 'the run id (instead of <runId>)' },
    'report-dir': { type: 'string', value: 'D', description: 'where the HTML, PDF and JSON report go' },
    ...SCHEMA_OPTIONS, ...JSON_OPTION,
  },
  async run({ flags, positional }) {
    const [{ buildReport }, { countsTable, warningsSummary, writeReportFiles }, { getStoredReport }, { servedReport }] = await Promise.all([
      import('../../engine/report.ts'), import('../write-report.ts'), import('../../report/sql.ts'), import('../../report/settle.ts'),
    ]);
    const runId = runIdArgument(flags, positional);
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA), controlSchema);
    try {
      const built = await buildReport(db.pool, controlSchema, runId);
      const stored = await getStoredReport<typeof built>(db.pool, controlSchema, runId);
      const r = await servedReport(db.pool, controlSchema, stored?.outcome ? { ...built, outcome: stored.outcome, outcomeReason: stored.outcomeReason, maxQuarantineShare: stored.maxQuarantineShare } : built);
      if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const files = await writeReportFiles(r, flags['report-dir']);
        process.stdout.write(`${countsTable(r)}\n${warningsSummary(r)}\nreport: ${files.html}\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
});

export const engineCommands: Command[] = [migrateCommand('run'), migrateCommand('dry-run'), preview, rollback, report];
