/** quarantine export: one entity's quarantined source records of a run, as a CSV to correct and re-import (`run --retry-of`). */
import { writeFile } from 'node:fs/promises';
import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { exportQuarantine } from '../../retry/follow-up.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, openMigrated, str, UsageError } from '../engine-options.ts';

export const quarantineExportCommand: Command = {
  name: 'quarantine',
  summary: "export a run's quarantined records of one entity as CSV (source id, reason, field, the record's fields)",
  usage: 'nexus-migrate quarantine export <runId> --entity E --out file.csv [--control-schema S]\n  then fix the rows and: nexus-migrate run --retry-of <runId> --entity E --path file.csv [--mapping F]',
  async run(args) {
    const { flags, positional } = parseFlags(args);
    if (positional[0] !== 'export') throw new UsageError('usage: nexus-migrate quarantine export <runId> --entity E --out file.csv');
    const runId = positional[1] ?? str(flags, 'run');
    const entity = str(flags, 'entity');
    const out = str(flags, 'out');
    const controlSchema = str(flags, 'control-schema', DEFAULT_CONTROL_SCHEMA);
    const db = await openMigrated(str(flags, 'target-schema', DEFAULT_TARGET_SCHEMA), controlSchema);
    try {
      const r = await exportQuarantine(db.pool, controlSchema, runId, entity);
      await writeFile(out, r.csv, { mode: 0o600 });
      process.stdout.write(`${r.records} quarantined ${entity} record(s) of run ${runId} written to ${out}\nfix them, then: nexus-migrate run --retry-of ${runId} --entity ${entity} --path ${out}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
