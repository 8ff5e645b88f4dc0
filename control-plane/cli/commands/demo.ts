/**
 * demo: a real migration of the shipped CRM + logistics sample (resources/demo) into Logic Nexus,
 * on the embedded PostgreSQL unless DATABASE_URL is set, ending with the report.
 */
import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { uuidv5 } from '../../../shared/ids.ts';
import { runMigration } from '../../engine/run.ts';
import { CsvConnector } from '../../../connectors/csv/index.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../../resources/demo/seed.ts';
import { readFile } from 'node:fs/promises';
import { progressPrinter } from '../progress.ts';
import { outcomeWord } from '../outcome.ts';
import { maxQuarantineShareOf, settleRun } from '../../report/settle.ts';
import { countsTable, warningsSummary, writeReportFiles } from '../write-report.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, openMigrated } from '../engine-options.ts';
import { identifierFlag } from '../validate.ts';

export const DEMO_TENANT_ID = uuidv5('nexus-migrate demo tenant');

export const demoCommand: Command = {
  name: 'demo',
  summary: 'migrate the shipped CRM + logistics sample into Logic Nexus (embedded PostgreSQL unless DATABASE_URL)',
  usage: 'nexus-migrate demo [--target-schema logic_nexus] [--control-schema nexus_migrate] [--report-dir D]',
  async run(args) {
    const { flags } = parseFlags(args);
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    process.stderr.write(process.env.DATABASE_URL ? 'Using the database at DATABASE_URL.\n' : 'No DATABASE_URL: starting an embedded PostgreSQL…\n');
    const db = await openMigrated(targetSchema, controlSchema);
    const source = await new CsvConnector({ dir: DEMO_DIR }).open();
    const progress = progressPrinter();
    try {
      process.stderr.write(`Target: ${db.embedded ? `embedded PostgreSQL (${db.dataDir})` : 'DATABASE_URL'}, schema ${targetSchema}\n`);
      const seeded = await seedDemoTenant(db.pool, targetSchema, DEMO_TENANT_ID);
      process.stderr.write(`Seeded tenant ${seeded.tenantId} with ${seeded.users} Logic Nexus users\n`);
      const report = await runMigration({
        pool: db.pool, source, mappingYaml: await readFile(DEMO_MAPPING, 'utf8'), vars: seeded.vars,
        tenantId: seeded.tenantId, targetSchema, controlSchema, mode: 'run', batchSize: 500,
        runKey: `demo:${Date.now()}`, onProgress: (e) => progress.update(e),
      });
      progress.done();
      const mappingYaml = await readFile(DEMO_MAPPING, 'utf8');
      const settled = await settleRun(db.pool, controlSchema, report, { maxQuarantineShare: maxQuarantineShareOf(mappingYaml, seeded.vars) });
      const files = await writeReportFiles(settled.report, typeof flags['report-dir'] === 'string' ? flags['report-dir'] : undefined);
      process.stdout.write(`\n${countsTable(report)}\n\nWarnings:\n${warningsSummary(report)}\n\n`);
      const verdict = settled.verdict;
      process.stdout.write(`Run ${report.runId} ${outcomeWord(verdict.outcome)}${verdict.reason ? ` (${verdict.reason})` : ''}: ${report.totals.extracted} records in ${report.durationSeconds.toFixed(1)} s; every record loaded or quarantined with a reason: ${report.totals.reconciles ? 'yes' : 'NO'}\n`);
      process.stdout.write(`Report: ${files.html}\n        ${files.pdf}\n        ${files.json}\n`);
      return verdict.exitCode;
    } finally {
      progress.done();
      await source.close();
      await db.close();
    }
  },
};
