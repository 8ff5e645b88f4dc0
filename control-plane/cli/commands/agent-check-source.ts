/** `nexus-migrate agent check-source`: test a customer's source database before a migration (never prints the password). */
import { defineCommand, JSON_OPTION } from '../command.ts';
import { CONNECTION_OPTIONS } from '../../../connectors/sql/connection-options.ts';

export const agentCheckSourceCommand = defineCommand({
  name: 'agent check-source',
  summary: 'Check a source database: version, read-only intent, isolation, platform, row counts',
  options: {
    ...CONNECTION_OPTIONS,
    platform: { type: 'string', choices: ['auto', 'cargowise', 'sap-tm', 'oracle-tm'], default: 'auto', description: 'which platform to describe' },
    'exact-counts': { type: 'boolean', description: 'COUNT(*) every table instead of the statistics estimate' },
    ...JSON_OPTION,
  },
  notes: 'Connect with --url URL, or --dialect mssql --host H [--port P] --database D --user U [--auth sql|ntlm --domain DOM]. The password comes from the variable --password-env names, never from a flag.',
  async run({ flags }) {
    const [{ checkSource, formatCheckSource }, { connectionFromFlags }] = await Promise.all([import('../../../connectors/sql/check-source.ts'), import('../../../connectors/sql/connection-flags.ts')]);
    const config = connectionFromFlags(flags);
    const report = await checkSource(config, {
      platform: typeof flags.platform === 'string' ? flags.platform : 'auto',
      exactCounts: flags['exact-counts'] === true,
    });
    process.stdout.write((flags.json === true ? JSON.stringify(report) : formatCheckSource(report)) + '\n');
    return report.ok ? 0 : 1;
  },
});
