/** run, dry-run, preview, rollback, report: the engine's CLI. */
import { readFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { runMigration } from '../../engine/run.ts';
import { rollbackRun } from '../../engine/rollback.ts';
import { previewRecords } from '../../engine/preview.ts';
import { buildReport } from '../../engine/report.ts';
import { createLogger } from '../../../shared/log/logger.ts';
import { progressPrinter } from '../progress.ts';
import { outcomeLine } from '../outcome.ts';
import { maxQuarantineShareOf, settleRun, servedReport } from '../../report/settle.ts';
import { prepareFollowUp } from '../../retry/follow-up.ts';
import { getStoredReport } from '../../report/sql.ts';
import { countsTable, warningsSummary, writeReportFiles } from '../write-report.ts';
import { identifierFlag, integerFlag, uuidFlag } from '../validate.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, mappingVars, openMigrated, openSource, readMapping, str } from '../engine-options.ts';

const COMMON = '--source csv --path DIR | --source <vendor> --credentials-file F [--base-url U]  --tenant UUID [--franchise UUID] [--create-tenant] [--mapping F] [--target-schema S (default logic_nexus)] [--control-schema S] [--batch-size N] [--run-key K] [--incremental] [--report-dir D]';
const RETRY = '--retry-of RUN_ID --entity E --path corrected.csv [--mapping F] [--tenant UUID]: re-import the corrected quarantine CSV (quarantine export) as a follow-up run';

function migrateCommand(mode: 'run' | 'dry-run'): Command {
  return {
    name: mode,
    summary: mode === 'run' ? 'migrate a source into Logic Nexus (resumes an interrupted run with the same key)' : 'transform and validate everything; write nothing to target tables',
    usage: `nexus-migrate ${mode} ${COMMON}${mode === 'run' ? `\n       nexus-migrate run ${RETRY}` : ''}`,
    async run(args) {
      const { flags } = parseFlags(args);
      const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
      const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
      const batchSize = integerFlag(flags, 'batch-size', 1, 100_000);
      const retryOf = typeof flags['retry-of'] === 'string' ? flags['retry-of'] : null;
      const db = await openMigrated(targetSchema, controlSchema);
      const followUp = retryOf && mode === 'run'
        ? await prepareFollowUp(db.pool, controlSchema, retryOf, str(flags, 'entity'), await readFile(str(flags, 'path'), 'utf8')).catch(async (err: unknown) => { await db.close(); throw err; })
        : null;
      if (followUp && flags.source === undefined) flags.source = followUp.run.source_system;
      const tenantId = uuidFlag(flags, 'tenant', followUp?.run.tenant_id ?? process.env.TENANT_ID);
      const mappingYaml = await readMapping(flags);
      const source = followUp ? followUp.source : await openSource(flags);
      const progress = progressPrinter();
      try {
        const report = await runMigration({
          pool: db.pool, source, mappingYaml, vars: mappingVars(flags), tenantId, targetSchema, controlSchema, mode,
          batchSize, createTenant: flags['create-tenant'] === true,
          runKey: followUp?.runKey ?? (typeof flags['run-key'] === 'string' ? flags['run-key'] : undefined),
          incremental: flags.incremental === true,
          onProgress: (e) => progress.update(e),
          logger: createLogger({ level: flags.verbose ? 'info' : 'warn' }),
        });
        progress.done();
        const settled = await settleRun(db.pool, controlSchema, report, { maxQuarantineShare: maxQuarantineShareOf(mappingYaml, { TENANT_ID: tenantId, ...mappingVars(flags) }), retryOf: followUp?.retryOf ?? null });
        const files = await writeReportFiles(settled.report, typeof flags['report-dir'] === 'string' ? flags['report-dir'] : undefined);
        const verdict = settled.verdict;
        process.stdout.write(`${countsTable(settled.report)}\n${warningsSummary(report)}\n\n${followUp ? `follow-up of run ${followUp.retryOf.runId} (${followUp.retryOf.entity})\n` : ''}${outcomeLine(report, verdict)} in ${report.durationSeconds.toFixed(1)} s\nreport: ${files.html}\n        ${files.json}\n        ${files.pdf}\n`);
        return verdict.exitCode;
      } finally {
        progress.done();
        await source.close();
        await db.close();
      }
    },
  };
}

const preview: Command = {
  name: 'preview',
  summary: 'show N sample records, source beside target',
  usage: `nexus-migrate preview --entity E [--limit N] ${COMMON}`,
  async run(args) {
    const { flags } = parseFlags(args);
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const db = await openMigrated(targetSchema, identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA));
    const source = await openSource(flags);
    try {
      const rows = await previewRecords({
        pool: db.pool, targetSchema, source, mappingYaml: await readMapping(flags), vars: mappingVars(flags),
        tenantId: str(flags, 'tenant', process.env.TENANT_ID), entity: str(flags, 'entity'), limit: Number(flags.limit ?? 5),
      });
      process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      return 0;
    } finally {
      await source.close();
      await db.close();
    }
  },
};

const rollback: Command = {
  name: 'rollback',
  summary: 'remove what a run created and restore what it changed',
  usage: 'nexus-migrate rollback <runId> [--force] [--target-schema S] [--control-schema S]',
  async run(args) {
    const { flags, positional } = parseFlags(args);
    const runId = positional[0] ?? str(flags, 'run');
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(targetSchema, controlSchema);
    try {
      const r = await rollbackRun(db.pool, { controlSchema, targetSchema, runId, force: flags.force === true });
      process.stdout.write(`run ${runId} rolled back: ${r.deleted} rows removed, ${r.restored} rows restored\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

const report: Command = {
  name: 'report',
  summary: "print or write a run's report (JSON, HTML, PDF)",
  usage: 'nexus-migrate report <runId> [--json] [--report-dir D] [--control-schema S]',
  async run(args) {
    const { flags, positional } = parseFlags(args);
    const runId = positional[0] ?? str(flags, 'run');
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA), controlSchema);
    try {
      const built = await buildReport(db.pool, controlSchema, runId);
      const stored = await getStoredReport<typeof built>(db.pool, controlSchema, runId);
      const r = await servedReport(db.pool, controlSchema, stored?.outcome ? { ...built, outcome: stored.outcome, outcomeReason: stored.outcomeReason, maxQuarantineShare: stored.maxQuarantineShare } : built);
      if (flags.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        const files = await writeReportFiles(r, typeof flags['report-dir'] === 'string' ? flags['report-dir'] : undefined);
        process.stdout.write(`${countsTable(r)}\n${warningsSummary(r)}\nreport: ${files.html}\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};

export const engineCommands: Command[] = [migrateCommand('run'), migrateCommand('dry-run'), preview, rollback, report];
void readFile;
