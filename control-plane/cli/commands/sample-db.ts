/** `nexus-migrate sample-db`: create a platform-shaped sample database with generated, referentially consistent data. */
import { defineCommand } from '../command.ts';
import { PLATFORMS } from '../../../connectors/sql/platforms.ts';
import { redactText } from '../../../shared/log/redact.ts';

const USAGE = 'usage: nexus-migrate sample-db --platform cargowise|sap-tm|oracle-tm --dialect postgres|mysql --url <url> --rows <n> --seed <s> [--bad-data] [--schema S] [--replace]';

export const sampleDbCommand = defineCommand({
  name: 'sample-db',
  summary: 'Create a CargoWise / SAP TM / OTM shaped sample database (PostgreSQL or MySQL/MariaDB)',
  options: {
    platform: { type: 'string', required: true, choices: PLATFORMS, description: 'which platform the database looks like' },
    dialect: { type: 'string', required: true, choices: ['postgres', 'mysql'], description: 'PostgreSQL or MySQL/MariaDB' },
    url: { type: 'string', value: '<url>', required: true, description: 'the database to fill' },
    rows: { type: 'string', value: '<n>', default: '10000', description: 'rows in the largest table' },
    seed: { type: 'string', value: '<s>', default: '1', description: 'random seed (same seed, same data)' },
    'bad-data': { type: 'boolean', description: 'include the known bad records' },
    schema: { type: 'string', value: 'S', description: 'schema (PostgreSQL)' },
    replace: { type: 'boolean', description: 'drop and recreate the tables' },
  },
  async run({ flags }) {
    const { createSampleDatabase } = await import('../../../connectors/sql/sample/load.ts');
    const platform = flags.platform;
    const dialect = flags.dialect;
    const url = flags.url;
    if (typeof platform !== 'string' || !(PLATFORMS as readonly string[]).includes(platform)) {
      process.stderr.write(`sample-db: --platform must be one of ${PLATFORMS.join(', ')}\n${USAGE}\n`);
      return 2;
    }
    if (dialect !== 'postgres' && dialect !== 'mysql') {
      process.stderr.write(`sample-db: --dialect must be postgres or mysql\n${USAGE}\n`);
      return 2;
    }
    if (typeof url !== 'string') {
      process.stderr.write(`sample-db: --url is required\n${USAGE}\n`);
      return 2;
    }
    const rows = Number(flags.rows ?? 10000);
    const seed = Number(flags.seed ?? 1);
    if (!Number.isInteger(rows) || !Number.isInteger(seed)) {
      process.stderr.write('sample-db: --rows and --seed must be integers\n');
      return 2;
    }
    let lastTable = '';
    const result = await createSampleDatabase({
      platform, dialect, url, rows, seed,
      badData: flags['bad-data'] === true,
      schema: typeof flags.schema === 'string' ? flags.schema : undefined,
      replace: flags.replace === true,
      onProgress: (table, inserted, total) => {
        if (table !== lastTable || inserted === total || inserted % 100_000 < 2000) {
          lastTable = table;
          process.stderr.write(`${table}: ${inserted}/${total}\n`);
        }
      },
    });
    process.stdout.write(redactText(JSON.stringify({ ok: true, url, ...result })) + '\n');
    return 0;
  },
});
