import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachAgentGateway, type AgentGateway } from '../../agent-gateway/gateway.ts';
import { generateIdentityKeyPair, generateTransportKeyPair } from '../../../shared/crypto/index.ts';
import { agentGatewayPort } from '../agent-adapter.ts';
import { bearer, seedTenant, startApi, type ApiFixture, type TestTenant } from '../test-support.ts';

let f: ApiFixture;
let a: TestTenant;
let b: TestTenant;
let gw: AgentGateway | undefined;

beforeAll(async () => {
  f = await startApi((s) => ({
    attachAgents: (server) => {
      gw = attachAgentGateway(server, { pool: s.pool, controlSchema: s.schema, transportKey: generateTransportKeyPair() });
      return agentGatewayPort(gw, s.pool, s.schema, 100);
    },
  }));
  a = await seedTenant(f, 'agents-a');
  b = await seedTenant(f, 'agents-b');
});
afterAll(async () => f?.close());

const call = (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
  f.server.app.inject({ method, url: `/api/v1${url}`, headers: bearer(key), payload });

describe('agents through the agent gateway', () => {
  it('given an enrollment token from the API, then the enrolled agent is listed offline, commands to it answer 409, and revoking it is audited', async () => {
    expect((await call('POST', '/agents/enrollment-tokens', a.keys.viewer, {})).statusCode).toBe(403);
    const tok = await call('POST', '/agents/enrollment-tokens', a.keys.engineer, { name: 'warehouse', ttlMinutes: 5 });
    expect(tok.statusCode, tok.body).toBe(201);
    const { token } = tok.json() as { token: string };
    const enrolled = await gw!.store.enroll(token, 'warehouse-01', generateIdentityKeyPair().publicKey, '10.0.0.5', '1.2.3');
    if (!('agent' in enrolled)) throw new Error(`enrollment refused: ${enrolled.refused}`);
    const agentId = enrolled.agent.id;

    const list = (await call('GET', '/agents', a.keys.viewer)).json().items;
    expect(list).toEqual([expect.objectContaining({ id: agentId, name: 'warehouse-01', online: false, version: '1.2.3', revoked: false })]);
    expect((await call('GET', '/agents', b.keys.admin)).json().items).toEqual([]);

    const offline = await call('POST', `/agents/${agentId}/commands`, a.keys.engineer, { type: 'status' });
    expect(offline.statusCode).toBe(409);
    expect((await call('POST', `/agents/${agentId}/commands`, a.keys.engineer, { type: 'rm -rf' })).statusCode).toBe(400);
    expect((await call('POST', `/agents/${agentId}/commands`, b.keys.engineer, { type: 'status' })).statusCode).toBe(404);
    expect((await call('POST', `/agents/${agentId}/revoke`, b.keys.admin)).statusCode).toBe(404);

    expect((await call('POST', `/agents/${agentId}/revoke`, a.keys.engineer)).json()).toEqual({ revoked: true });
    expect((await call('GET', '/agents', a.keys.viewer)).json().items[0].revoked).toBe(true);
    const audit = await f.schema.pool.query('SELECT action FROM audit_log WHERE tenant_id = $1 AND target = $2', [a.id, agentId]);
    expect(audit.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['agent.revoke', 'agent.command']));
  });

  it('given no gateway attached, then the agent routes answer 503', async () => {
    const g = await startApi();
    try {
      const t = await seedTenant(g, 'no-gw');
      const res = await g.server.app.inject({ method: 'GET', url: '/api/v1/agents', headers: bearer(t.keys.viewer) });
      expect(res.statusCode).toBe(503);
    } finally {
      await g.close();
    }
  });
});
