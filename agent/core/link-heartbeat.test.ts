/** Dead-peer detection: a control plane that stops answering (a frozen TCP path) is dropped by the agent's heartbeat, which then reconnects. */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { Agent } from './agent.ts';
import { startControlPlane, TENANT, until, type TestControlPlane } from './testing/harness.ts';
import { testSecretStore } from '../../test/support/keyring.ts';

let db: TestSchema;
let cp: TestControlPlane;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'nexus-hb-'));
  db = await createTestSchema('agenthb');
  await migrate(db.pool, 'control', db.schema);
  // The gateway's own heartbeat is slow here, so only the agent can be the one that notices.
  cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey: generateTransportKeyPair(), heartbeatMs: 60_000 });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
  rmSync(work, { recursive: true, force: true });
});

describe('heartbeat', () => {
  it('given the path to the control plane goes silent, then the agent drops the dead connection and reconnects', async () => {
    interface Conn { client: net.Socket; up: net.Socket; frozen: boolean; closedBy: 'agent' | 'cp' | null }
    const conns: Conn[] = [];
    const relay = net.createServer((client) => {
      const up = net.connect(cp.port, '127.0.0.1');
      const c: Conn = { client, up, frozen: false, closedBy: null };
      conns.push(c);
      client.on('data', (d) => void (c.frozen || up.write(d)));
      up.on('data', (d) => void (c.frozen || client.write(d)));
      client.on('close', () => {
        c.closedBy ??= 'agent';
        up.destroy();
      });
      up.on('close', () => {
        c.closedBy ??= 'cp';
        client.destroy();
      });
      client.on('error', () => undefined);
      up.on('error', () => undefined);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const url = `ws://127.0.0.1:${(relay.address() as net.AddressInfo).port}/agent/ws`;
    const agent = new Agent({ dataDir: mkdtempSync(path.join(work, 'a-')), secrets: await testSecretStore(), config: { heartbeatMs: 150, backoff: { baseMs: 10, maxMs: 50 } } });
    try {
      const { token } = await cp.gateway.issueEnrollmentToken(TENANT);
      await agent.enroll(url, token);
      expect(conns).toHaveLength(1);
      conns[0]!.frozen = true;
      await until(() => conns[0]!.closedBy !== null, 'dead connection dropped', 5000, 10);
      expect(conns[0]!.closedBy).toBe('agent');
      await until(() => conns.length >= 2 && agent.connected, 'agent reconnected', 5000, 10);
    } finally {
      await agent.stop();
      for (const c of conns) c.client.destroy();
      await new Promise<void>((r) => relay.close(() => r()));
    }
  });
});
