/**
 * Issue 11, defect 4 (bundles prove their sender), through the shipped CLI: an agent enrolled with
 * `agent enroll` (real gateway, real keychain) signs with `bundle export`; `bundle import` on the
 * control side verifies against the enrolled public key in the control DB, names the agent in the
 * report and the audit log, and refuses forged, edited, unsigned, unknown-agent and revoked-agent
 * bundles before a row loads. Real PostgreSQL.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeBundle } from '../../agent/bundle/writer.ts';
import { CsvConnector } from '../../connectors/csv/index.ts';
import { seedDemoTenant } from '../../resources/demo/seed.ts';
import { generateIdentityKeyPair, generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import type { RunReport } from '../report/types.ts';
import { enrollCliAgent, runCli, type CliAgent } from './testing/cli-agent.ts';
import { rewriteManifest } from './testing/edit-bundle.ts';
import { testAgent } from './testing/test-agent.ts';

const TENANT = '5b1c0b4e-1f00-4c5d-9e2a-3b4c5d6e7f81';
const DEMO = path.resolve(import.meta.dirname, '../../resources/demo/data');
const kp = generateTransportKeyPair();
let dir: string;
let target: TestSchema;
let control: TestSchema;
let franchise: string;
let agent: CliAgent;
const base = { NEXUS_TRANSPORT_KEY: JSON.stringify(kp), DATABASE_URL: TEST_DATABASE_URL, NEXUS_LOG_LEVEL: 'warn' };

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'bundle-signed-'));
  target = await createTestSchema('bsig_t');
  control = await createTestSchema('bsig_c');
  await migrate(control.pool, 'control', control.schema);
  await migrate(target.pool, 'target', target.schema);
  franchise = (await seedDemoTenant(target.pool, target.schema, TENANT)).franchiseId;
  agent = await enrollCliAgent({ work: dir, pool: control.pool, controlSchema: control.schema, transportKey: kp, tenantId: TENANT, name: 'warehouse-7' });
});
afterAll(async () => {
  await agent?.stop();
  await target?.drop();
  await control?.drop();
  await rm(dir, { recursive: true, force: true });
});

const exportCli = (out: string) => runCli(['bundle', 'export', '--source', 'demo', '--out', out], { ...base, ...agent.env });
const importCli = (file: string, extra: string[] = []) => runCli(
  ['bundle', 'import', file, '--tenant', TENANT, '--franchise', franchise, '--target-schema', target.schema, '--control-schema', control.schema, '--dry-run', ...extra],
  { ...base, HOME: path.join(dir, 'importer-home') },
);
/** A bundle of the demo data signed by `signer` (made with the library, as an attacker's tool would). */
const forge = (out: string, signer: { agentId: string; privateKey: string }) =>
  new CsvConnector({ dir: DEMO }).open().then((source) => writeBundle({ source, tenantId: TENANT, recipientPublicKey: kp.publicKey, out, signer }));

async function accounts(): Promise<number> {
  const { rows } = await target.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${target.schema}".accounts WHERE tenant_id = $1`, [TENANT]);
  return rows[0]!.n;
}

describe('signed offline bundles (bundle export on the agent, bundle import on the control plane)', () => {
  it('given a bundle exported by the enrolled agent, then import verifies it and names the agent in the report and the audit log', async () => {
    const file = path.join(dir, 'good.nxb');
    const exp = await exportCli(file);
    expect(exp.code, exp.stderr).toBe(0);
    expect(JSON.parse(exp.stdout).agentId).toBe(agent.agentId);
    const imp = await importCli(file);
    expect(imp.code, imp.stderr).toBe(0);
    const report = JSON.parse(imp.stdout.trim().split('\n').at(-1)!) as RunReport;
    expect(report.bundle).toMatchObject({ agentId: agent.agentId, agentName: 'warehouse-7' });
    const audit = await control.pool.query(`SELECT details FROM "${control.schema}".audit_log WHERE action = 'bundle.import'`);
    expect(audit.rows.map((r) => r.details.agentId)).toEqual([agent.agentId]);
    expect(audit.rows[0].details.agentName).toBe('warehouse-7');
  });

  it('given bundles that are forged, edited, unsigned or from an unknown agent, then each import is refused with its reason and nothing loads', async () => {
    const good = path.join(dir, 'src.nxb');
    expect((await exportCli(good)).code).toBe(0);
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['forged key claiming the enrolled agent', () => forge(path.join(dir, 'forged.nxb'), { agentId: agent.agentId, privateKey: generateIdentityKeyPair().privateKey }).then((r) => r.file), /rejected \(bad-signature\)/],
      ['totalRows edited', () => rewriteManifest(good, path.join(dir, 'e-total.nxb'), TENANT, kp, (m) => { m.totalRows = (m.totalRows as number) - 1; }), /rejected \(bad-signature\)/],
      ['rows edited', () => rewriteManifest(good, path.join(dir, 'e-rows.nxb'), TENANT, kp, (m) => { Object.values(m.entities as Record<string, { rows: number }>)[0]!.rows += 1; }), /rejected \(bad-signature\)/],
      ['createdAt edited', () => rewriteManifest(good, path.join(dir, 'e-created.nxb'), TENANT, kp, (m) => { m.createdAt = '2099-01-01T00:00:00.000Z'; }), /rejected \(bad-signature\)/],
      ['signature removed', () => rewriteManifest(good, path.join(dir, 'e-nosig.nxb'), TENANT, kp, (_m, f) => { f['signature'] = ''; }), /rejected \(unsigned\)/],
      ['manifest of the old, unsigned format', () => rewriteManifest(good, path.join(dir, 'e-old.nxb'), TENANT, kp, (m) => { delete m.agentId; delete m.prefixSha256; }), /rejected \(unsigned\)/],
      ['an agent that was never enrolled', async () => (await forge(path.join(dir, 'unknown.nxb'), testAgent(TENANT).signer)).file, /rejected \(unknown-agent\)/],
    ];
    for (const [what, make, says] of cases) {
      const imp = await importCli(await make(), ['--force-older']);
      expect(imp.code, what).not.toBe(0);
      expect(imp.stderr, what).toMatch(says);
      expect(imp.stderr + imp.stdout, what).not.toContain(kp.privateKey);
    }
    expect(await accounts()).toBe(0);
  });

  it('given the agent revoked, then a bundle it signed is refused, and its data folder can no longer make one that imports', async () => {
    const file = path.join(dir, 'before-revoke.nxb');
    expect((await exportCli(file)).code).toBe(0);
    expect(await agent.cp.gateway.revokeAgent(agent.agentId, 'test:admin')).toBe(true);
    const imp = await importCli(file, ['--force-older']);
    expect(imp.code).not.toBe(0);
    expect(imp.stderr).toMatch(/rejected \(revoked-agent\).*warehouse-7/);
    expect(await accounts()).toBe(0);
  });

  it('given a data folder with no enrolled agent, then bundle export refuses and says to enroll', async () => {
    const r = await runCli(['bundle', 'export', '--source', 'demo', '--out', path.join(dir, 'x.nxb'), '--data-dir', path.join(dir, 'nobody')], base);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/enrolled agent.*agent enroll/);
  });
});
