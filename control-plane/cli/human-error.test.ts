/**
 * Wrong inputs get messages that name the problem and the value, with no raw driver text: real
 * errors (a missing file, a closed port, a bad UUID sent to PostgreSQL, a missing database) through
 * humanError, and wrong flags, ids and sources through the CLI's parser.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { parseCommandArgs } from './command.ts';
import { readInputFile } from './engine-options.ts';
import { commands } from './commands/index.ts';
import { findCommand } from './main.ts';
import { humanError } from './human-error.ts';

const RAW = /ENOENT|EACCES|ECONNREFUSED|ENOTFOUND|invalid input syntax|ERR_PARSE_ARGS|\bat .*\.(ts|js):\d+|undefined|\[object Object\]/;

async function caught(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function pgError(sql: string, url = TEST_DATABASE_URL): Promise<unknown> {
  const c = new pg.Client({ connectionString: url });
  return caught(async () => {
    try {
      await c.connect();
      await c.query(sql);
    } finally {
      await c.end().catch(() => undefined);
    }
  });
}

const realErrors: { input: string; error: () => Promise<unknown>; says: RegExp }[] = [
  { input: 'a missing mapping file', error: () => caught(() => readFile('/nonexistent/mapping.yaml')), says: /no such file or folder: \/nonexistent\/mapping\.yaml \(check the path/ },
  { input: 'a folder given as --mapping', error: () => caught(() => readInputFile('--mapping', '/tmp')), says: /\/tmp is a folder; a file was expected/ },
  { input: 'a missing --credentials-file', error: () => caught(() => readInputFile('--credentials-file', 'nope/creds.json')), says: /no such file or folder: nope\/creds\.json/ },
  { input: 'a database port nobody listens on', error: async () => pgError('SELECT 1', `postgres://postgres@127.0.0.1:${await closedPort()}/test`), says: /nothing is listening at 127\.0\.0\.1:\d+: is the database or server running/ },
  { input: 'a tenant id that is not a UUID, sent to PostgreSQL', error: () => pgError("SELECT 'acme'::uuid"), says: /"acme" is not a valid id: ids are UUIDs like/ },
  { input: 'a number that is not one', error: () => pgError("SELECT 'ten'::integer"), says: /"ten" is not a valid integer value/ },
  { input: 'a database that does not exist', error: () => pgError('SELECT 1', TEST_DATABASE_URL.replace(/\/[^/]*$/, '/no_such_db_cli')), says: /the database "no_such_db_cli" does not exist: create it, or fix the database name in DATABASE_URL/ },
  { input: 'a credentials file that is not JSON', error: () => caught(async () => JSON.parse('{clientId: x}')), says: /not valid JSON/ },
];

describe('human errors', () => {
  it.each(realErrors)('given $input, then the message names it without raw driver text', async ({ error, says }) => {
    const msg = humanError(await error());
    expect(msg).toMatch(says);
    expect(msg).not.toMatch(RAW);
  });

  const wrongArgs: { argv: string[]; says: RegExp }[] = [
    { argv: ['run', '--source', 'csv', '--tenant', 'acme'], says: /--tenant must be an id \(a UUID like .*\), got "acme"; tenant ids are the id column/ },
    { argv: ['run', '--source', 'csv', '--franchise', '12'], says: /--franchise must be an id .* got "12"; franchise ids are the id column of the target schema's franchises table/ },
    { argv: ['dry-run', '--source', 'sfdc'], says: /unknown source 'sfdc'; did you mean 'salesforce'\?/ },
    { argv: ['run', '--source', 'Hubspot'], says: /unknown source 'Hubspot'; did you mean 'hubspot'\?/ },
    { argv: ['run', '--source', 'excel'], says: /unknown source 'excel'\. Known sources: csv, .*\bcargowise\b/ },
    { argv: ['run', '--source', 'csv', '--batchsize', '5'], says: /unknown option --batchsize for "run"; did you mean --batch-size\?/ },
    { argv: ['run', '--source', 'csv', '--incremental=yes'], says: /--incremental is a switch and takes no value/ },
    { argv: ['run', '--source', 'csv', '--mapping'], says: /--mapping needs a value: --mapping F/ },
    { argv: ['run', '--source', 'csv', '--path', '--json'], says: /--path needs a value, but the next argument is the option --json/ },
    { argv: ['run', 'extra'], says: /"run" takes no arguments, got "extra"/ },
    { argv: ['preview', '--source', 'csv', '--entity'], says: /--entity needs a value/ },
    { argv: ['report', 'r1', 'r2'], says: /unexpected argument "r2"; "report" takes <runId>/ },
    { argv: ['bundle', 'import'], says: /missing <file> \(the bundle file\)/ },
    { argv: ['bundle', 'export', '--source', 'demo'], says: /--out is required: the bundle file to write/ },
    { argv: ['agent', 'connection', 'add', '--name', 'n', '--type', 'oracle', '--host', 'h', '--port', '1', '--database', 'd', '--user', 'u'], says: /--type must be one of postgres, mysql, sqlserver, got "oracle"/ },
    { argv: ['agent', 'connection', 'add', '--name', 'n'], says: /--type is required/ },
    { argv: ['agent', 'check-source', '--dialect', 'postgresql'], says: /--dialect must be one of mssql, postgres, mysql, got "postgresql"; did you mean postgres\?/ },
    { argv: ['agent', 'check-source', '--isolation', 'serializable'], says: /--isolation must be one of snapshot, read-committed, got "serializable"/ },
    { argv: ['agent', 'check-source', '--pasword', 'x'], says: /unknown option --pasword .*; did you mean --password\?/ },
    { argv: ['sample-db', '--platform', 'sap', '--dialect', 'postgres', '--url', 'u'], says: /--platform must be one of cargowise, sap-tm, oracle-tm, got "sap"/ },
    { argv: ['sample-db', '--platform', 'sap-tm', '--dialect', 'mssql', '--url', 'u'], says: /--dialect must be one of postgres, mysql, got "mssql"/ },
    { argv: ['serve', '--prot', '80'], says: /unknown option --prot for "serve"; did you mean --port\?/ },
    { argv: ['bench', '--via', 'agnet'], says: /--via must be one of agent, got "agnet"; did you mean agent\?/ },
    { argv: ['bench', '--source', 'salesforc'], says: /unknown source 'salesforc'; did you mean 'salesforce'\?/ },
    { argv: ['audit', 'verify', '--tennant', 'system'], says: /unknown option --tennant for "audit verify"; did you mean --tenant\?/ },
    { argv: ['emulate', 'hubspot', 'extra'], says: /unexpected argument "extra"; "emulate" takes <vendor>/ },
    { argv: ['demo', '--target-schema'], says: /--target-schema needs a value/ },
  ];
  it.each(wrongArgs)('given `$argv`, then the usage error names the flag and the value', ({ argv, says }) => {
    const cmd = findCommand(argv)!;
    expect(commands).toContain(cmd);
    let msg = '';
    try {
      parseCommandArgs(cmd, argv.slice(cmd.name.split(' ').length));
    } catch (err) {
      expect((err as Error).name).toBe('UsageError');
      msg = humanError(err);
    }
    expect(msg).toMatch(says);
    expect(msg).not.toMatch(RAW);
  });
});
