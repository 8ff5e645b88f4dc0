/**
 * The console wizard's connector list and the CSV source: the registry's `csv` entry is offered,
 * and a migration whose credentials carry `folder` tests, discovers and previews that folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, seedTarget, seedTenant, startApi, type ApiFixture, type TestTenant } from '../test-support.ts';

let f: ApiFixture;
let t: TestTenant;
let dir: string;
let csvRoot: string;
let outside: string;
let target: Awaited<ReturnType<typeof seedTarget>>;

beforeAll(async () => {
  f = await startApi();
  t = await seedTenant(f, 'csvco');
  target = await seedTarget(f, t.id);
  csvRoot = mkdtempSync(path.join(tmpdir(), 'nexus-csv-root-'));
  process.env.NEXUS_CSV_ROOT = csvRoot;
  dir = mkdtempSync(path.join(csvRoot, 'drop-'));
  outside = mkdtempSync(path.join(tmpdir(), 'nexus-csv-outside-'));
  writeFileSync(path.join(outside, 'Secret.csv'), 'Id,Name\n1,not yours\n');
  writeFileSync(path.join(dir, 'Customer.csv'), 'Id,Name,City\n1,Acme Freight,Rotterdam\n2,Blue Line,Hamburg\n3,Cargo Co,Antwerp\n');
});

afterAll(async () => {
  await target?.drop();
  await f?.close();
  for (const d of [csvRoot, outside]) if (d) rmSync(d, { recursive: true, force: true });
  delete process.env.NEXUS_CSV_ROOT;
});

const call = async (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

describe('connectors API', () => {
  it('given the registry, then the connector list offers every registry entry including csv', async () => {
    const res = await call('GET', '/connectors', t.keys.viewer);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { name: string; mappingTemplate: string | null }[];
    expect(items.map((i) => i.name)).toEqual(expect.arrayContaining(['csv', 'salesforce', 'hubspot', 'dynamics', 'cargowise']));
    expect(items.find((i) => i.name === 'csv')).toMatchObject({ mappingTemplate: null });
  });

  it('given a source that names its credential fields (Zoho), then the list offers them for the console form; others get a free-form list', async () => {
    const items = (await call('GET', '/connectors', t.keys.viewer)).json().items as { name: string; label: string; credentialFields: string[] }[];
    expect(items.find((i) => i.name === 'zoho')).toMatchObject({ label: expect.stringContaining('Zoho CRM'), credentialFields: ['clientId', 'clientSecret', 'refreshToken', 'dataCentre'] });
    expect(items.find((i) => i.name === 'csv')!.credentialFields).toEqual([]);
  });

  it('given a csv migration with a folder credential, then connection test, discovery and source records come from that folder', async () => {
    const mappingYaml = [
      'version: 1', 'sourceSystem: csv', 'defaults:', '  tenant_id: ${TENANT_ID}', 'entities:', '  Customer:', '    target: accounts',
      '    fields:', '      name: { from: Name, required: true }',
    ].join('\n');
    const created = await call('POST', '/migrations', t.keys.engineer, { name: 'CSV drop', sourceSystem: 'csv', credentials: { folder: dir }, mappingYaml });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect(created.body).not.toContain(dir);
    const check = await call('POST', `/migrations/${id}/connection-test`, t.keys.engineer);
    expect(check.json(), check.body).toMatchObject({ ok: true });
    const discovered = await call('GET', `/migrations/${id}/discover`, t.keys.engineer);
    expect(discovered.statusCode, discovered.body).toBe(200);
    expect((discovered.json().streams as { entity: string }[]).map((s) => s.entity)).toEqual(['Customer']);
    const preview = await call('POST', `/migrations/${id}/preview`, t.keys.engineer, { entity: 'Customer', limit: 5 });
    expect(preview.statusCode, preview.body).toBe(200);
    const names = readFileSync(path.join(dir, 'Customer.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[1]);
    const items = preview.json().items as { source: Record<string, unknown>; target: Record<string, unknown> | null }[];
    expect(items.map((i) => i.source.Name)).toEqual(names);
    expect(items.map((i) => i.target?.name)).toEqual(names);
  });

  it('given a csv folder outside the import root, then the connection test refuses it and reads nothing', async () => {
    const mappingYaml = ['version: 1', 'sourceSystem: csv', 'entities:', '  Secret:', '    target: accounts', '    fields: { name: Name }'].join('\n');
    for (const folder of [outside, `${dir}/../../${path.basename(outside)}`]) {
      const created = await call('POST', '/migrations', t.keys.engineer, { name: 'CSV escape', sourceSystem: 'csv', credentials: { folder }, mappingYaml });
      expect(created.statusCode, created.body).toBe(201);
      const check = await call('POST', `/migrations/${created.json().id}/connection-test`, t.keys.engineer);
      expect(check.statusCode === 200 ? check.json().ok : false, check.body).toBe(false);
      expect(check.body).toMatch(/is not an import folder/);
      expect(check.body).not.toContain('not yours');
      expect(check.body).not.toContain(csvRoot);
    }
  });

  it('given a missing folder and a folder outside the root, then both errors read the same and name no server path (no oracle)', async () => {
    const bodies: string[] = [];
    for (const folder of [outside, 'no-such-folder']) {
      const created = await call('POST', '/migrations', t.keys.engineer, { name: 'CSV oracle', sourceSystem: 'csv', credentials: { folder } });
      expect(created.statusCode, created.body).toBe(201);
      const check = await call('POST', `/migrations/${created.json().id}/connection-test`, t.keys.engineer);
      bodies.push(check.body.replace(JSON.stringify(JSON.stringify(folder)).slice(1, -1), '<folder>'));
      expect(check.body).not.toContain(csvRoot);
    }
    expect(bodies[0]).toBe(bodies[1]);
  });
});
