/**
 * demo: a real migration of the shipped CRM + logistics sample (resources/demo) into Logic Nexus,
 * on the embedded PostgreSQL unless DATABASE_URL is set, ending with the report.
 */
import { readFile } from 'node:fs/promises';
import { defineCommand, JSON_OPTION } from '../command.ts';
import { uuidv5 } from '../../../shared/ids.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, openMigrated } from '../engine-options.ts';
import { identifierFlag } from '../validate.ts';

export const DEMO_TENANT_ID = uuidv5('nexus-migrate demo tenant');

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'migrate the shipped CRM + logistics sample into Logic Nexus (embedded PostgreSQL unless DATABASE_URL)',
  options: {
    'target-schema': { type: 'string', value: 'S', default: DEFAULT_TARGET_SCHEMA, description: 'Logic Nexus target schema' },
    'control-schema': { type: 'string', value: 'S', default: DEFAULT_CONTROL_SCHEMA, description: 'control schema for runs and audit' },
    'report-dir': { type: 'string', value: 'D', description: 'where the HTML, PDF and JSON report go' },
    ...JSON_OPTION,
  },
  async run({ flags }) {
    const [{ runMigration }, { CsvConnector }, { DEMO_DIR, DEMO_MAPPING, seedDemoTenant }, { progressPrinter, sourceTotals }, { outcomeWord }, { countsTable, warningsSummary, writeReportFiles }, { maxQuarantineShareOf, settleRun }] = await Promise.all([
      import('../../engine/run.ts'), import('../../../connectors/csv/index.ts'), import('../../../resources/demo/seed.ts'), import('../progress.ts'), import('../outcome.ts'), import('../write-report.ts'),
      import('../../report/settle.ts'),
    ]);
    const targetSchema = identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA);
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    process.stderr.write(process.env.DATABASE_URL ? 'Using the database at DATABASE_URL.\n' : 'No DATABASE_URL: starting an embedded PostgreSQL…\n');
    const db = await openMigrated(targetSchema, controlSchema);
    const source = await new CsvConnector({ dir: DEMO_DIR }).open();
    const progress = progressPrinter();
    progress.setTotals(await sourceTotals(source));
    try {
      process.stderr.write(`Target: ${db.embedded ? `embedded PostgreSQL (${db.dataDir})` : 'DATABASE_URL'}, schema ${targetSchema}\n`);
      const seeded = await seedDemoTenant(db.pool, targetSchema, DEMO_TENANT_ID);
      process.stderr.write(`Seeded tenant ${seeded.tenantId} with ${seeded.users} Logic Nexus users\n`);
      const report = await runMigration({
        pool: db.pool, source, mappingYaml: await readFile(DEMO_MAPPING, 'utf8'), vars: seeded.vars,
        tenantId: seeded.tenantId, targetSchema, controlSchema, mode: 'run', batchSize: 500,
        runKey: `demo:${Date.now()}`, onProgress: (e) => progress.update(e),
      });
      progress.done(true);
      const mappingYaml = await readFile(DEMO_MAPPING, 'utf8');
      const settled = await settleRun(db.pool, controlSchema, report, { maxQuarantineShare: maxQuarantineShareOf(mappingYaml, seeded.vars) });
      const files = await writeReportFiles(settled.report, flags['report-dir']);
      const verdict = settled.verdict;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ outcome: verdict.outcome, reason: verdict.reason, exitCode: verdict.exitCode, files, report: settled.report }) + '\n');
        return verdict.exitCode;
      }
      process.stdout.write(`\n${countsTable(report)}\n\nWarnings:\n${warningsSummary(report)}\n\n`);
      process.stdout.write(`Run ${report.runId} ${outcomeWord(verdict.outcome)}${verdict.reason ? ` (${verdict.reason})` : ''}: ${report.totals.extracted} records in ${report.durationSeconds.toFixed(1)} s; every record loaded or quarantined with a reason: ${report.totals.reconciles ? 'yes' : 'NO'}\n`);
      process.stdout.write(`Report: ${files.html}\n        ${files.pdf}\n        ${files.json}\n`);
      return verdict.exitCode;
    } finally {
      progress.done();
      await source.close();
      await db.close();
    }
  },
});
