/** `nexus-migrate agent check-source`: test a customer's source database before a migration (never prints the password). */
import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { checkSource, formatCheckSource } from '../../../connectors/sql/check-source.ts';
import { connectionFromFlags } from '../../../connectors/sql/connection-flags.ts';

export const agentCheckSourceCommand: Command = {
  name: 'agent check-source',
  summary: 'Check a source database: version, read-only intent, isolation, platform, row counts',
  usage:
    'agent check-source (--url URL | --dialect mssql --host H [--port P] --database D --user U [--auth sql|ntlm --domain DOM]) ' +
    '[--password-env VAR] [--schema S] [--trust-server-certificate] [--isolation snapshot|read-committed] [--read-write] ' +
    '[--platform auto|cargowise|sap-tm|oracle-tm] [--exact-counts] [--json]',
  async run(args) {
    const { flags } = parseFlags(args);
    const config = connectionFromFlags(flags);
    const report = await checkSource(config, {
      platform: typeof flags.platform === 'string' ? flags.platform : 'auto',
      exactCounts: flags['exact-counts'] === true,
    });
    process.stdout.write((flags.json === true ? JSON.stringify(report) : formatCheckSource(report)) + '\n');
    return report.ok ? 0 : 1;
  },
};
