/**
 * Wrong inputs through the real CLI (`bin/nexus-migrate.mjs`, spawned): flags, paths, ids,
 * credentials (the local PostgreSQL and MariaDB, closed ports on 127.0.0.x, unknown hosts) and
 * mappings. Each message names what is wrong (the flag, path, id, user or field) and carries no raw
 * driver text: no stack trace, no bare ECONNREFUSED/ENOENT, no unexplained SQLSTATE, no TypeError.
 * (Unsafe identifiers and bad batch sizes are in control-plane/engine/corpus.)
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { spawnCli } from '../../test/support/cli-spawn.ts';
import { migrate } from '../db/migrate.ts';
import { DEMO_DIR, DEMO_MAPPING, seedDemoTenant } from '../../resources/demo/seed.ts';
import { bearer, seedTenant, startApi, type ApiFixture } from '../api/test-support.ts';

const RAW = /\bat .*:\d+:\d+|\bE(CONNREFUSED|NOENT|ACCES|ISDIR|NOTDIR|NOTFOUND)\b|getaddrinfo|TypeError|ReferenceError|SyntaxError|\b(22P02|28P01|28000|3D000|42P01|42703)\b|ER_[A-Z_]+|Access denied for user|copyData|ZodError|undefined|\[object Object\]/;
const MARIADB = process.env.TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
const pgUrl = new URL(TEST_DATABASE_URL);
const WRONG_PASSWORD = 'not-the-right-pass-7Q';

let tgt: TestSchema;
let ctl: TestSchema;
let work: string;
let tenant: string;
let franchise: string;

beforeAll(async () => {
  tgt = await createTestSchema('wrong_tgt');
  ctl = await createTestSchema('wrong_ctl');
  await migrate(tgt.pool, 'target', tgt.schema);
  await migrate(ctl.pool, 'control', ctl.schema);
  tenant = randomUUID();
  franchise = (await seedDemoTenant(tgt.pool, tgt.schema, tenant)).franchiseId;
  work = mkdtempSync(path.join(tmpdir(), 'wrong-input-'));
  mkdirSync(path.join(work, 'a-folder'));
  const demo = readFileSync(DEMO_MAPPING, 'utf8');
  const variant = (name: string, from: string | RegExp, to: string): void => {
    const text = demo.replace(from, to);
    expect(text, name).not.toBe(demo);
    writeFileSync(path.join(work, name), text);
  };
  writeFileSync(path.join(work, 'bad.yaml'), 'version: 1\nentities:\n  Account: [target: accounts\n  Contact: x\n');
  writeFileSync(path.join(work, 'bad.json'), '{"version": 1,, "entities": {}}\n');
  writeFileSync(path.join(work, 'no-token.json'), '{"clientId": "abc"}\n');
  variant('unknown-entity.yaml', /^ {2}Account:$/m, '  Acount:');
  variant('unknown-target-field.yaml', /^ {6}industry: Industry$/m, '      industy: Industry');
  variant('missing-from.yaml', /^ {6}industry: Industry$/m, '      industry: Industri');
  variant('unknown-table.yaml', /^ {4}target: accounts$/m, '    target: acounts');
}, 120_000);

afterAll(async () => {
  await tgt?.drop();
  await ctl?.drop();
  rmSync(work, { recursive: true, force: true });
});

interface Case { input: string; args: string[]; says: RegExp; code: number; env?: Record<string, string> }

const S = (): string[] => ['--target-schema', tgt.schema, '--control-schema', ctl.schema];
const csvRun = (...more: string[]): string[] => ['dry-run', '--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, ...S(), '--tenant', tenant, '--franchise', franchise, ...more];
const withMapping = (file: string): string[] => ['dry-run', '--source', 'csv', '--path', DEMO_DIR, '--mapping', file, ...S(), '--tenant', tenant, '--franchise', franchise];
const unknownRun = '0b6a3f3e-5a8e-4a61-9d1e-3c0ffee00001';
const closedPg = (host: string): string => `postgres://postgres@${host}:1/test`;
const mariaWith = (user: string, password: string | null): string => { const u = new URL(MARIADB); u.username = user; u.password = password ?? ''; return u.href; };

// Functions of the fixtures made in beforeAll; resolved when each case runs.
const cases: (() => Case)[] = [
  // ---- flags
  () => ({ input: 'a misspelt switch', args: csvRun('--incremantal'), says: /unknown option --incremantal for "dry-run"; did you mean --incremental\?/, code: 2 }),
  () => ({ input: 'a misspelt option of preview', args: ['preview', '--source', 'csv', '--entity', 'Account', '--limt', '3'], says: /unknown option --limt for "preview"; did you mean --limit\?/, code: 2 }),
  () => ({ input: '--mapping without its value', args: ['run', '--source', 'csv', '--mapping'], says: /--mapping needs a value: --mapping F/, code: 2 }),
  () => ({ input: '--run without its value', args: ['report', '--run'], says: /--run needs a value/, code: 2 }),
  () => ({ input: 'a value given to a switch', args: csvRun('--json=1'), says: /--json is a switch and takes no value/, code: 2 }),
  () => ({ input: 'a --limit that is no number', args: ['preview', '--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, '--entity', 'Account', '--limit', 'many', ...S(), '--tenant', tenant, '--franchise', franchise], says: /--limit must be a whole number, got "many"/, code: 2 }),
  () => ({ input: 'a --concurrency that is no number', args: ['worker', '--concurrency', 'lots'], says: /--concurrency needs a whole number from 1 to 64, got lots/, code: 2 }),
  () => ({ input: 'a --tenant that is no UUID', args: ['dry-run', '--source', 'csv', '--tenant', 'acme-corp'], says: /--tenant must be an id \(a UUID like .*\), got "acme-corp"/, code: 2 }),
  () => ({ input: 'an unknown source', args: ['dry-run', '--source', 'salesfroce'], says: /unknown source 'salesfroce'; did you mean 'salesforce'\?/, code: 2 }),
  // ---- paths
  () => ({ input: 'a --path folder that does not exist', args: ['dry-run', '--source', 'csv', '--path', path.join(work, 'no-such-folder'), '--mapping', DEMO_MAPPING, ...S(), '--tenant', tenant, '--franchise', franchise], says: new RegExp(`no such file or folder: ${path.join(work, 'no-such-folder')}`), code: 1 }),
  () => ({ input: 'a file given as the --path folder', args: ['dry-run', '--source', 'csv', '--path', path.join(DEMO_DIR, 'Account.csv'), '--mapping', DEMO_MAPPING, ...S(), '--tenant', tenant, '--franchise', franchise], says: /Account\.csv is not a folder; a folder was expected/, code: 1 }),
  () => ({ input: 'a --mapping file that does not exist', args: withMapping('nope/mapping.yaml'), says: /no such file or folder: nope\/mapping\.yaml \(check the path; a relative path starts from /, code: 1 }),
  () => ({ input: 'a folder given as --mapping', args: withMapping('a-folder'), says: /a-folder is a folder; a file was expected/, code: 1 }),
  () => ({ input: 'an unreadable --mapping', args: withMapping('/proc/1/mem'), says: /permission denied: \/proc\/1\/mem \(check the file's owner and mode/, code: 1 }),
  () => ({ input: 'a --credentials-file that does not exist', args: ['dry-run', '--source', 'hubspot', '--credentials-file', 'creds/hubspot.json', ...S(), '--tenant', tenant, '--franchise', franchise], says: /no such file or folder: creds\/hubspot\.json/, code: 1 }),
  () => ({ input: 'a folder given as --credentials-file', args: ['dry-run', '--source', 'hubspot', '--credentials-file', 'a-folder', ...S(), '--tenant', tenant, '--franchise', franchise], says: /a-folder is a folder; a file was expected/, code: 1 }),
  () => ({ input: 'a --credentials-file that is not JSON', args: ['dry-run', '--source', 'hubspot', '--credentials-file', 'bad.yaml', ...S(), '--tenant', tenant, '--franchise', franchise], says: /--credentials-file bad\.yaml is not valid JSON; it holds the vendor's credential fields/, code: 2 }),
  () => ({ input: 'credentials without the field the vendor needs', args: ['dry-run', '--source', 'hubspot', '--credentials-file', 'no-token.json', ...S(), '--tenant', tenant, '--franchise', franchise], says: /the credentials lack the field "accessToken": add it .*--credentials-file/, code: 1 }),
  // ---- ids
  () => ({ input: 'a run id that is no UUID (report)', args: ['report', 'last-night', ...S()], says: /<runId> must be a UUID .* got "last-night"; run ids are printed by `nexus-migrate run`/, code: 2 }),
  () => ({ input: 'a run id that is no UUID (rollback --run)', args: ['rollback', '--run', '42', ...S()], says: /--run must be a UUID .* got "42"/, code: 2 }),
  () => ({ input: 'a run id that is no UUID (quarantine export)', args: ['quarantine', 'export', 'run-1', '--entity', 'Account', '--out', 'q.csv', ...S()], says: /<runId> must be a UUID .* got "run-1"/, code: 2 }),
  () => ({ input: 'a --retry-of that is no UUID', args: ['run', '--retry-of', 'yesterday', '--entity', 'Account', '--path', 'fixed.csv', ...S()], says: /--retry-of must be an id .* got "yesterday"; run ids are printed by `nexus-migrate run`/, code: 2 }),
  () => ({ input: 'an unknown run id (report)', args: ['report', unknownRun, ...S()], says: new RegExp(`run ${unknownRun} does not exist`), code: 1 }),
  () => ({ input: 'an unknown run id (rollback)', args: ['rollback', unknownRun, ...S()], says: new RegExp(`run ${unknownRun} does not exist`), code: 1 }),
  () => ({ input: 'an unknown run id (quarantine export)', args: ['quarantine', 'export', unknownRun, '--entity', 'Account', '--out', 'q.csv', ...S()], says: new RegExp(`run ${unknownRun} does not exist`), code: 1 }),
  () => ({ input: 'a tenant that does not exist', args: ['dry-run', '--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, ...S(), '--tenant', unknownRun, '--franchise', franchise], says: new RegExp(`tenant ${unknownRun} does not exist in ${'\\S+'}\\.tenants.*Create the tenant in Logic Nexus first`), code: 4 }),
  // ---- credentials and hosts (DATABASE_URL, agent check-source)
  () => ({ input: 'a DATABASE_URL user PostgreSQL does not know', args: ['report', unknownRun, ...S()], env: { DATABASE_URL: Object.assign(new URL(pgUrl.href), { username: 'no_such_user_x', password: WRONG_PASSWORD }).href }, says: /the database has no user no_such_user_x: check the user name, or create the user, in DATABASE_URL/, code: 1 }),
  () => ({ input: 'a DATABASE_URL port nobody listens on (127.0.0.9)', args: ['report', unknownRun, ...S()], env: { DATABASE_URL: closedPg('127.0.0.9') }, says: /nothing is listening at 127\.0\.0\.9:1: is the database or server running/, code: 1 }),
  () => ({ input: 'a DATABASE_URL host that does not resolve', args: ['report', unknownRun, ...S()], env: { DATABASE_URL: 'postgres://postgres@no-such-host.invalid:5432/test' }, says: /the host name no-such-host\.invalid cannot be resolved/, code: 1 }),
  () => ({ input: 'a DATABASE_URL that is not PostgreSQL', args: ['report', unknownRun, ...S()], env: { DATABASE_URL: MARIADB }, says: /DATABASE_URL must be a PostgreSQL URL like postgres:\/\/user@host:5432\/database/, code: 1 }),
  () => ({ input: 'a DATABASE_URL that is no URL', args: ['report', unknownRun, ...S()], env: { DATABASE_URL: 'localhost' }, says: /DATABASE_URL must be a PostgreSQL URL .*got one starting "localhost"/, code: 1 }),
  () => ({ input: 'a wrong MariaDB password', args: ['agent', 'check-source', '--url', mariaWith('root', WRONG_PASSWORD)], says: /cannot connect to mysql source: the database refused user root with this password \(wrong password, or the user may not connect from this machine\)/, code: 1 }),
  () => ({ input: 'an unknown MariaDB user', args: ['agent', 'check-source', '--url', mariaWith('nobody_here', WRONG_PASSWORD)], says: /the database refused user nobody_here with this password/, code: 1 }),
  () => ({ input: 'an unknown PostgreSQL source user', args: ['agent', 'check-source', '--url', Object.assign(new URL(pgUrl.href), { username: 'no_such_user_y', password: WRONG_PASSWORD }).href], says: /cannot connect to postgres source: the database has no user no_such_user_y/, code: 1 }),
  () => ({ input: 'a PostgreSQL source port nobody listens on (127.0.0.7)', args: ['agent', 'check-source', '--url', closedPg('127.0.0.7')], says: /cannot connect to postgres source: nothing is listening at 127\.0\.0\.7:1/, code: 1 }),
  () => ({ input: 'a MariaDB source port nobody listens on (127.0.0.8)', args: ['agent', 'check-source', '--url', 'mysql://root@127.0.0.8:1/test'], says: /cannot connect to mysql source: nothing is listening at 127\.0\.0\.8:1/, code: 1 }),
  () => ({ input: 'a MariaDB source host that does not resolve', args: ['agent', 'check-source', '--url', 'mysql://root@no-such-host.invalid:3306/test'], says: /the host name no-such-host\.invalid cannot be resolved/, code: 1 }),
  // ---- mappings
  () => ({ input: 'a mapping that is not valid YAML', args: withMapping('bad.yaml'), says: /mapping is not valid YAML: .* at line \d+, column \d+/, code: 1 }),
  () => ({ input: 'a JSON mapping with a syntax error', args: withMapping('bad.json'), says: /mapping is not valid YAML: Unexpected , in flow map at line 1, column 15/, code: 1 }),
  () => ({ input: 'a mapping naming an entity the source lacks', args: withMapping('unknown-entity.yaml'), says: /mapping does not fit the target database:\n  entity Acount: /, code: 1 }),
  () => ({ input: 'a mapping naming a target field the table lacks', args: withMapping('unknown-target-field.yaml'), says: /entity Account: column "industy" does not exist in accounts/, code: 1 }),
  () => ({ input: 'a mapping reading a column the source lacks', args: withMapping('missing-from.yaml'), says: /mapping Account\.industry: from "Industri" is not a field of the source's Account \(it has .*Industry/, code: 4 }),
  () => ({ input: 'a mapping naming a target table that does not exist', args: withMapping('unknown-table.yaml'), says: /entity Account: target table "acounts" does not exist in the target database/, code: 1 }),
  () => ({ input: 'a mapping variable nobody set (FRANCHISE_ID)', args: ['dry-run', '--source', 'csv', '--path', DEMO_DIR, '--mapping', DEMO_MAPPING, ...S(), '--tenant', tenant], says: /mapping variable\(s\) not set: FRANCHISE_ID \(the franchise the records belong to: pass --franchise <uuid> or set FRANCHISE_ID; franchise ids are the id column/, code: 1 }),
];

describe('wrong inputs through the real CLI', () => {
  it('given the table, then it holds 30+ cases', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases.map((c, i) => ({ i, c })))('given case $i, then the message names the problem without raw driver text', async ({ c }) => {
    const k = c();
    const r = await spawnCli(k.args, {
      cwd: work,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, NEXUS_DATA_DIR: path.join(work, 'data'), DATABASE_URL: TEST_DATABASE_URL, NEXUS_SOURCE_PASSWORD: '', ...k.env },
      timeoutMs: 60_000,
    });
    const said = r.stderr + r.stdout;
    expect(said, k.input).toMatch(k.says);
    expect(said, k.input).not.toMatch(RAW);
    expect(said, k.input).not.toContain(WRONG_PASSWORD);
    expect(r.code, `${k.input}: ${said}`).toBe(k.code);
  }, 70_000);
});

describe('wrong inputs through the real API', () => {
  let f: ApiFixture;
  let key: string;
  beforeAll(async () => {
    f = await startApi();
    key = (await seedTenant(f, 'wrong-input')).keys.admin;
  }, 60_000);
  afterAll(async () => f?.close());

  const unknownMigration = '0b6a3f3e-5a8e-4a61-9d1e-3c0ffee00002';
  const api: { input: string; method: 'GET' | 'POST'; url: string; payload?: unknown; raw?: string; status: number; says: RegExp }[] = [
    { input: 'a migration id that is no UUID', method: 'GET', url: '/api/v1/migrations/last-night', status: 400, says: /params\.id/ },
    { input: 'an unknown migration id', method: 'GET', url: `/api/v1/migrations/${unknownMigration}`, status: 404, says: /not found|does not exist/i },
    { input: 'an unknown source system', method: 'POST', url: '/api/v1/migrations', payload: { name: 'x', sourceSystem: 'sfdc', mappingTemplateId: 'builtin:salesforce', credentials: {}, config: {} }, status: 400, says: /sfdc|sourceSystem/ },
    { input: 'a migration without a name', method: 'POST', url: '/api/v1/migrations', payload: { sourceSystem: 'hubspot', mappingTemplateId: 'builtin:hubspot', credentials: {}, config: {} }, status: 400, says: /"body\.name":"required \(expected string\)"/ },
    { input: 'a body that is not JSON', method: 'POST', url: '/api/v1/migrations', raw: '{"name": "x",,}', status: 400, says: /JSON/ },
  ];
  it.each(api)('given $input, then $status names the problem without raw driver text', async ({ method, url, payload, raw, status, says }) => {
    const res = await f.server.app.inject({ method, url, headers: { ...bearer(key), ...(raw ? { 'content-type': 'application/json' } : {}) }, ...(raw ? { payload: raw } : payload ? { payload: payload as object } : {}) });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.body).toMatch(says);
    expect(res.body).not.toMatch(RAW);
  });
});
