import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../../control-plane/cli/command.ts';
import { main } from '../../control-plane/cli/main.ts';
import { agentCheckSourceCommand } from '../../control-plane/cli/commands/agent-check-source.ts';
import { sampleDbCommand } from '../../control-plane/cli/commands/sample-db.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { checkSource } from './check-source.ts';
import { connectionFromFlags } from './connection-flags.ts';
import { sampleFixture, type SampleFixture } from './sample/fixtures.ts';

const SECRET = 'Pr0d-Passw0rd!xyz';

async function captureStdout(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await fn();
    return { code, out };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe.each(['postgres', 'mysql'] as const)('checkSource on %s', (dialect) => {
  let fx: SampleFixture;
  beforeAll(async () => {
    fx = await sampleFixture(dialect, 'sap-tm', 600, 8);
  });
  afterAll(async () => {
    await fx?.drop();
  });

  it('given a SAP TM sample, then it reports the server, a read-only session, the platform and exact row counts', async () => {
    const r = await checkSource(fx.connection, { exactCounts: true });
    expect(r.ok).toBe(true);
    expect(r.server?.readOnly).toBe(true);
    expect(r.server?.version).toMatch(dialect === 'postgres' ? /PostgreSQL/ : /MariaDB|\d+\.\d+/);
    expect(r.server?.isolation).toMatch(/repeatable|REPEATABLE/i);
    expect(r.platform).toMatchObject({ name: 'sap-tm', confidence: 1 });
    const fo = r.entities.find((e) => e.entity === 'FreightOrder')!;
    const [{ n }] = (await fx.exec(`SELECT COUNT(*) AS n FROM ${fx.q('SCMTMS_D_TORROT')}`)) as [{ n: unknown }];
    expect(fo).toMatchObject({ table: 'SCMTMS_D_TORROT', rows: Number(n), rowsAre: 'exact' });
  });
});

describe('checkSource secrets', () => {
  it('given a password in the URL of a server that rejects it, then neither the report nor the error contains it', async () => {
    const r = await checkSource({ dialect: 'mysql', url: `mysql://root:${encodeURIComponent(SECRET)}@127.0.0.1:3306/test` });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/cannot connect to mysql source/);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('given a password on the command line, then the CLI refuses it and says to use an environment variable', () => {
    expect(() => connectionFromFlags({ url: 'postgres://u@h/db', password: SECRET })).toThrow(/--password-env/);
  });

  it('given --password-env and SQL Server flags, then the config carries NTLM, trust and read-only intent', () => {
    const c = connectionFromFlags({ dialect: 'mssql', host: 'cw01', user: 'svc', auth: 'ntlm', domain: 'CORP', 'trust-server-certificate': true, 'password-env': 'CW_PW' }, { CW_PW: SECRET });
    expect(c).toMatchObject({ dialect: 'mssql', host: 'cw01', auth: 'ntlm', domain: 'CORP', trustServerCertificate: true, readOnlyIntent: true, password: SECRET });
  });
});

describe('CLI: sample-db then agent check-source', () => {
  let s: TestSchema;
  beforeAll(async () => {
    s = await createTestSchema('cli');
  });
  afterAll(async () => {
    await s?.drop();
  });

  it('given sample-db for OTM into a schema, then agent check-source recognises it and prints no password', async () => {
    const url = TEST_DATABASE_URL.replace('postgres://postgres@', `postgres://postgres:${encodeURIComponent(SECRET)}@`);
    const made = await captureStdout(() => runCommand(sampleDbCommand, ['--platform', 'oracle-tm', '--dialect', 'postgres', '--url', url, '--rows', '400', '--seed', '4', '--schema', s.schema]));
    expect(made.code).toBe(0);
    expect(JSON.parse(made.out)).toMatchObject({ ok: true, platform: 'oracle-tm' });
    expect(made.out).not.toContain(SECRET);
    const checked = await captureStdout(() => runCommand(agentCheckSourceCommand, ['--url', url, '--schema', s.schema, '--json']));
    expect(checked.code).toBe(0);
    const report = JSON.parse(checked.out);
    expect(report.platform).toMatchObject({ name: 'oracle-tm', version: 'OTM 6.4+ (freight invoices present)' });
    expect(report.entities.map((e: { entity: string }) => e.entity)).toContain('OrderRelease');
    expect(checked.out).not.toContain(SECRET);
    const human = await captureStdout(() => runCommand(agentCheckSourceCommand, ['--url', url, '--schema', s.schema]));
    expect(human.out).toMatch(/platform: oracle-tm/);
    expect(human.out).toMatch(/read-only session: yes/);
    expect(human.out).not.toContain(SECRET);
  });

  it('given an unknown platform, then sample-db exits 2 with usage', async () => {
    const r = await captureStdout(() => main(['sample-db', '--platform', 'magaya', '--dialect', 'postgres', '--url', TEST_DATABASE_URL]));
    expect(r.code).toBe(2);
  });
});
