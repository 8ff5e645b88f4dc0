/**
 * Agent-sourced migrations through the API, with no agent socket in this process: the agent's
 * connections and a migration's agent side answer from the control DB and say clearly when the
 * agent is offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { generateTransportKeyPair } from '../../../shared/crypto/index.ts';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from '../test-support.ts';

let f: ApiFixture;
let a: TestTenant;
let b: TestTenant;
let agentId: string;

beforeAll(async () => {
  f = await startApi({ agentTransportKey: generateTransportKeyPair() });
  a = await seedTenant(f, 'agentsrc-a');
  b = await seedTenant(f, 'agentsrc-b');
  agentId = randomUUID();
  await f.schema.pool.query(`INSERT INTO "${f.schema.schema}".agents (id, tenant_id, name, public_key, last_seen_at) VALUES ($1, $2, 'dock-agent', 'pk', now() - interval '5 minutes')`, [agentId, a.id]);
});
afterAll(async () => f?.close());

const call = (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

describe('agent-sourced migrations through the API', () => {
  it('given an agent last seen five minutes ago, then listing its connections answers 409 naming it and when it was last seen, and another tenant gets 404', async () => {
    const r = await call('GET', `/agents/${agentId}/connections`, a.keys.engineer);
    expect(r.statusCode, r.body).toBe(409);
    expect(r.json().message).toMatch(/^agent dock-agent is offline \(last seen \d{4}-\d\d-\d\dT[\d:.]+Z\)/);
    expect((await call('GET', `/agents/${agentId}/connections`, b.keys.engineer)).statusCode).toBe(404);
  });

  it('given a migration sourced from that agent, then discovery fails with the offline agent named, and its agent progress says so', async () => {
    const created = await call('POST', '/migrations', a.keys.engineer, { name: 'CW via agent', sourceSystem: 'cargowise', config: { agentId, agentConnection: 'cw' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const d = await call('GET', `/migrations/${id}/discover`, a.keys.engineer);
    expect(d.statusCode).toBe(422);
    expect(d.json().message).toMatch(/^agent dock-agent is offline \(last seen /);
    const p = await call('GET', `/migrations/${id}/agent-progress`, a.keys.viewer);
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json()).toMatchObject({ agent: { id: agentId, name: 'dock-agent', online: false }, connection: 'cw', waiting: null, entities: [] });
    const bad = await call('POST', '/migrations', a.keys.engineer, { name: 'bad', sourceSystem: 'cargowise', config: { agentConnection: 'x'.repeat(201) } });
    expect(bad.statusCode).toBe(400);
    const half = await call('POST', '/migrations', a.keys.engineer, { name: 'half', sourceSystem: 'cargowise', config: { agentId } });
    expect(half.statusCode).toBe(400);
    expect(JSON.stringify(half.json())).toContain('agentId and agentConnection go together');
  });
});
