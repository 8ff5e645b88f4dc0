/**
 * The local UI's "Export offline bundle" over the real agent core: enrolled through a real
 * gateway (which hands the agent the transport public key), reading a real PostgreSQL table
 * through the agent's default source factory (connectors/sql), imported on the control plane side
 * with control-plane/bundle/importer.ts into a fresh target.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importBundle } from '../../control-plane/bundle/importer.ts';
import { agentLookup } from '../../control-plane/bundle/agents.ts';
import { migrate } from '../../control-plane/db/migrate.ts';
import { qualified } from '../../control-plane/db/sql/ident.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { testSecretStore } from '../../test/support/keyring.ts';
import { startUiServer, type UiServer } from '../ui/ui-server.ts';
import { Agent } from './agent.ts';
import { createOrgTable, ORG_MAPPING_FILE, prepareTarget, startControlPlane, TENANT, type TestControlPlane } from './testing/harness.ts';
import { createAgentApi, UI_CONNECTION } from './ui-bridge.ts';

const ROWS = 750;
const PASSWORD = 'Export-0ffline-bundle-pw!7';
const transportKey = generateTransportKeyPair();

let src: TestSchema;
let tgt: TestSchema;
let ctl: TestSchema;
let cp: TestControlPlane;
let dataDir: string;
let agent: Agent;
let ui: UiServer;

async function api(method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const res = await fetch(new URL(route, ui.url), {
    method,
    headers: { authorization: `Bearer ${ui.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, text };
}

beforeAll(async () => {
  src = await createTestSchema('offexp');
  tgt = await createTestSchema('offexptgt');
  ctl = await createTestSchema('offexpctl');
  await migrate(ctl.pool, 'control', ctl.schema);
  await migrate(src.pool, 'control', src.schema);
  await createOrgTable(src.pool, src.schema, 'org_header', ROWS);
  await prepareTarget(tgt.pool, tgt.schema);
  cp = await startControlPlane({ pool: src.pool, controlSchema: src.schema, transportKey, heartbeatMs: 1000 });
  dataDir = mkdtempSync(path.join(tmpdir(), 'nexus-agent-export-'));
  agent = new Agent({ dataDir, secrets: await testSecretStore(), config: { backoff: { baseMs: 10, maxMs: 100 }, batchSize: 200 } });
  ui = await startUiServer({ agent: createAgentApi(agent), secrets: agent.secrets });
});

afterAll(async () => {
  await ui?.close();
  await agent?.stop();
  await cp?.close();
  await src?.drop();
  await tgt?.drop();
  await ctl?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('offline bundle export from the agent UI', () => {
  it('given an agent that is not enrolled, then export answers 400 saying to enroll first', async () => {
    const res = await api('POST', '/api/export-bundle', {});
    expect(res.status).toBe(400);
    expect(String(res.json.error)).toMatch(/enroll/);
  });

  it('given an enrolled agent and a saved PostgreSQL source, then the exported bundle imports with counts equal to the source rows', async () => {
    const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
    const enrolled = await api('POST', '/api/enroll', { controlPlaneUrl: cp.url, token });
    expect(enrolled.status, enrolled.text).toBe(200);
    expect(agent.state.identity()?.transportPublicKey).toBe(transportKey.publicKey);

    const put = await api('PUT', '/api/source', { type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', password: PASSWORD });
    expect(put.status, put.text).toBe(200);
    // The UI form has no schema field; `agent connection add --schema` stores the same settings.
    agent.state.saveConnection(UI_CONNECTION, { ...agent.state.connection(UI_CONNECTION)!, schema: src.schema, platform: 'none' });

    const res = await api('POST', '/api/export-bundle', {});
    expect(res.status, res.text).toBe(200);
    const file = String(res.json.path);
    expect(file.startsWith(path.join(dataDir, 'bundles') + path.sep)).toBe(true);
    expect(statSync(file).size).toBe(res.json.bytes);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file).includes(PASSWORD)).toBe(false);

    const mappingYaml = (await readFile(ORG_MAPPING_FILE, 'utf8')).replace(/^sourceSystem: .*$/m, 'sourceSystem: sql');
    const { report, bundle } = await importBundle({ file, tenantId: TENANT, key: transportKey, pool: tgt.pool, mappingYaml, targetSchema: tgt.schema, controlSchema: ctl.schema, agents: agentLookup(src.pool, src.schema) });
    expect(bundle.manifest.entities.org_header?.rows).toBe(ROWS);
    // Tables in the bundle that the mapping does not use are counted as not in mapping, never loaded.
    expect(report.totals).toMatchObject({ created: ROWS, quarantined: 0, reconciles: true });
    expect(report.totals.extracted).toBe(ROWS + (report.totals.notInMapping ?? 0));
    const mapped = report.entities.find((e) => e.entity === 'org_header');
    expect(mapped).toMatchObject({ extracted: ROWS, created: ROWS });
    const { rows } = await tgt.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${qualified(tgt.schema, 'accounts')} WHERE tenant_id = $1`, [TENANT]);
    expect(rows[0]!.n).toBe(ROWS);
  });
});
