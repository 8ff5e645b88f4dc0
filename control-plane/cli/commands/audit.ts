/**
 * `nexus-migrate audit verify [--tenant T]` and `audit anchor`: the tamper-evident audit trail.
 * verify exits 0 when every chain holds, 1 with the first break of each chain otherwise.
 */
import { defineCommand, JSON_OPTION, type Command, type Flags } from '../command.ts';
import { DEFAULT_CONTROL_SCHEMA, DEFAULT_TARGET_SCHEMA, SCHEMA_OPTIONS, openMigrated } from '../engine-options.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function schemas(flags: Flags): { control: string; target: string } {
  return {
    control: typeof flags['control-schema'] === 'string' ? flags['control-schema'] : DEFAULT_CONTROL_SCHEMA,
    target: typeof flags['target-schema'] === 'string' ? flags['target-schema'] : DEFAULT_TARGET_SCHEMA,
  };
}

export const auditVerifyCommand = defineCommand({
  name: 'audit verify',
  summary: 'Check the hash-chained audit log, and its signed anchors, for edits, deletions, reordering and a cut tail',
  options: {
    tenant: { type: 'string', value: '<uuid>|system', description: "one tenant's chain (a tenant id), or the system chain" },
    ...SCHEMA_OPTIONS, ...JSON_OPTION,
  },
  notes: 'Exit 0 when every chain holds, 1 with the first break of each chain otherwise.',
  async run({ flags }) {
    const { verifyAudit } = await import('../../audit/verify.ts');
    let tenant: string | undefined;
    if (typeof flags.tenant === 'string') {
      if (flags.tenant !== 'system' && !UUID.test(flags.tenant)) {
        process.stderr.write(`audit verify: --tenant must be a tenant id (a UUID) or "system", got "${flags.tenant}"\n`);
        return 2;
      }
      tenant = flags.tenant === 'system' ? '' : flags.tenant.toLowerCase();
    }
    const s = schemas(flags);
    const db = await openMigrated(s.target, s.control);
    try {
      const v = await verifyAudit(db.pool, s.control, { tenant });
      if (flags.json === true) process.stdout.write(JSON.stringify(v) + '\n');
      else {
        for (const c of v.chains) {
          const name = c.tenant === '' ? 'system' : `tenant ${c.tenant}`;
          const br = v.breaks.find((b) => b.tenant === c.tenant);
          const anchored = c.anchoredUpTo === null ? 'not anchored yet' : `anchored up to entry ${c.anchoredUpTo}`;
          process.stdout.write(`${br ? '✗' : '✓'} ${name}: ${c.length} entries, ${anchored}\n`);
          for (const b of v.breaks.filter((x) => x.tenant === c.tenant)) process.stdout.write(`    breaks at entry ${b.position}: ${b.reason}\n`);
        }
        for (const p of v.anchorProblems) process.stdout.write(`! ${p}\n`);
        process.stdout.write(v.ok ? 'audit log verified\n' : 'audit log verification FAILED\n');
      }
      return v.ok ? 0 : 1;
    } finally {
      await db.close();
    }
  },
});

export const auditAnchorCommand = defineCommand({
  name: 'audit anchor',
  summary: 'Sign the audit chains\' current heads and append them to the anchor file (serve does this every 5 minutes)',
  options: { ...SCHEMA_OPTIONS, ...JSON_OPTION },
  async run({ flags }) {
    const { anchorFilePath, anchorHeads } = await import('../../audit/anchor.ts');
    const s = schemas(flags);
    const db = await openMigrated(s.target, s.control);
    try {
      const written = await anchorHeads(db.pool, s.control);
      process.stdout.write(flags.json ? JSON.stringify({ anchored: written.length, file: anchorFilePath() }) + '\n' : `${written.length} chain head(s) anchored in ${anchorFilePath()}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
});

export const auditCommands: Command[] = [auditVerifyCommand, auditAnchorCommand];
