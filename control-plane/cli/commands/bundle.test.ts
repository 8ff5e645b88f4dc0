import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTransportKeyPair } from '../../../shared/crypto/index.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../../test/support/pg.ts';
import { migrate } from '../../db/migrate.ts';
import { seedDemoTenant } from '../../../resources/demo/seed.ts';
import type { RunReport } from '../../report/types.ts';
import { enrollCliAgent, type CliAgent } from '../../bundle/testing/cli-agent.ts';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../../../bin/nexus-migrate.mjs', import.meta.url));
const TENANT = '7a1c0b4e-1f00-4c5d-9e2a-3b4c5d6e7f80';

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('nexus-migrate bundle export / import (demo dataset)', () => {
  const kp = generateTransportKeyPair();
  const env: Record<string, string> = { NEXUS_TRANSPORT_KEY: JSON.stringify(kp), DATABASE_URL: TEST_DATABASE_URL, NEXUS_LOG_LEVEL: 'warn' };
  let dir: string;
  let target: TestSchema;
  let control: TestSchema;
  let franchise: string;
  let agent: CliAgent;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bundle-cli-'));
    target = await createTestSchema('bcli_t');
    control = await createTestSchema('bcli_c');
    await migrate(control.pool, 'control', control.schema);
    agent = await enrollCliAgent({ work: dir, pool: control.pool, controlSchema: control.schema, transportKey: kp, tenantId: TENANT });
    Object.assign(env, agent.env);
    await migrate(target.pool, 'target', target.schema);
    franchise = (await seedDemoTenant(target.pool, target.schema, TENANT)).franchiseId;
  });
  afterAll(async () => {
    await agent?.stop();
    await target.drop();
    await control.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('given the demo source, then export and import load it with the planted bad records quarantined and counts that reconcile', async () => {
    const file = path.join(dir, 'demo.nxb');
    const exp = await cli(['bundle', 'export', '--source', 'demo', '--out', file], env);
    expect(exp.stderr).toBe('');
    expect(exp.code).toBe(0);
    const exported = JSON.parse(exp.stdout) as { totalRows: number; counts: Record<string, number> };
    expect(exported.counts['Account']).toBe(301);

    const html = path.join(dir, 'report.html');
    const imp = await cli(['bundle', 'import', file, '--tenant', TENANT, '--franchise', franchise, '--target-schema', target.schema, '--control-schema', control.schema, '--report-html', html], env);
    expect(imp.code, imp.stderr).toBe(0);
    const report = JSON.parse(imp.stdout.trim().split('\n').at(-1)!) as RunReport;
    expect(report.status).toBe('completed');
    expect(report.bundle).toMatchObject({ agentId: agent.agentId, agentName: 'site-agent' });
    expect(report.totals.extracted).toBe(exported.totalRows);
    expect(report.entities.every((e) => e.reconciles)).toBe(true);
    const by = Object.fromEntries(report.entities.map((e) => [e.entity, e]));
    expect(by['Account']!.quarantined).toBe(2); // missing name + duplicate id
    expect(by['Opportunity']!.quarantined).toBe(1); // invalid date
    expect(by['Contact']!.quarantined).toBeGreaterThanOrEqual(2); // long email + orphan (+ children of the nameless account)
    expect(report.warnings.unmatchedOwners).toHaveLength(4);
    expect(report.warnings.unmappedPicklistValues.map((p) => p.value)).toEqual(expect.arrayContaining(['Verbal Commit', 'On Hold']));
    const { rows } = await target.pool.query<{ n: string }>('SELECT count(*) AS n FROM shipments WHERE master_shipment_id IS NOT NULL');
    expect(Number(rows[0]!.n)).toBe(120);
    expect(await readFile(html, 'utf8')).toContain('Records per entity');
  });

  it('given a tampered bundle, then import exits non-zero with a rejection and no secret in the output', async () => {
    const file = path.join(dir, 'demo.nxb');
    const bad = path.join(dir, 'bad.nxb');
    const buf = await readFile(file);
    buf[Math.floor(buf.length / 2)]! ^= 0x55;
    await writeFile(bad, buf);
    const imp = await cli(['bundle', 'import', bad, '--tenant', TENANT, '--franchise', franchise, '--target-schema', target.schema, '--control-schema', control.schema], env);
    expect(imp.code).toBe(1);
    expect(imp.stderr).toMatch(/bundle bad\.nxb rejected \(tampered\), nothing was loaded/);
    expect(imp.stderr + imp.stdout).not.toContain(kp.privateKey);
  });
});
