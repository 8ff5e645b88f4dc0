/** quarantine export: one entity's quarantined source records of a run, as a CSV to correct and re-import (`run --retry-of`). */
import { defineCommand, JSON_OPTION } from '../command.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, SCHEMA_OPTIONS, openMigrated, str } from '../engine-options.ts';
import { identifierFlag, runIdArgument } from '../validate.ts';

export const quarantineExportCommand = defineCommand({
  name: 'quarantine export',
  summary: "export a run's quarantined records of one entity as CSV (source id, reason, field, the record's fields)",
  positionals: [{ name: 'runId', description: 'the run whose quarantined records to export' }],
  options: {
    run: { type: 'string', value: 'ID', description: 'the run id (instead of <runId>)' },
    entity: { type: 'string', value: 'E', required: true, description: 'the source entity' },
    out: { type: 'string', value: 'file.csv', required: true, description: 'where the CSV goes (written 0600: it holds source records)' },
    ...SCHEMA_OPTIONS, ...JSON_OPTION,
  },
  notes: 'Then fix the rows and re-import them as a follow-up run: nexus-migrate run --retry-of <runId> --entity E --path file.csv [--mapping F]',
  async run({ flags, positional }) {
    const [{ writeFile }, { exportQuarantine }] = await Promise.all([import('node:fs/promises'), import('../../retry/follow-up.ts')]);
    const runId = runIdArgument(flags, positional);
    const entity = str(flags, 'entity');
    const out = str(flags, 'out');
    const controlSchema = identifierFlag(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(identifierFlag(flags, 'target-schema', DEFAULT_TARGET_SCHEMA), controlSchema);
    try {
      const r = await exportQuarantine(db.pool, controlSchema, runId, entity);
      await writeFile(out, r.csv, { mode: 0o600 });
      if (flags.json) process.stdout.write(JSON.stringify({ runId, entity, records: r.records, file: out }) + '\n');
      else process.stdout.write(`${r.records} quarantined ${entity} record(s) of run ${runId} written to ${out}\nfix them, then: nexus-migrate run --retry-of ${runId} --entity ${entity} --path ${out}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
});
