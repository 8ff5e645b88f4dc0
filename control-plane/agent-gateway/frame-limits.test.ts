/** Pre-authentication frame cap, against a real gateway on PostgreSQL. */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../db/migrate.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { startControlPlane, type TestControlPlane } from '../../agent/core/testing/harness.ts';

let db: TestSchema;
let cp: TestControlPlane;

beforeAll(async () => {
  db = await createTestSchema('framecap');
  await migrate(db.pool, 'control', db.schema);
  cp = await startControlPlane({ pool: db.pool, controlSchema: db.schema, transportKey: generateTransportKeyPair(), credits: 4, heartbeatMs: 1000 });
});

afterAll(async () => {
  await cp?.close();
  await db?.drop();
});

describe('agent gateway frame cap before authentication', () => {
  it('given an unauthenticated peer sending a 1 MiB frame, then the gateway closes with 1009 (message too big)', async () => {
    const ws = new WebSocket(cp.url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(1024 * 1024, 0x61));
    expect(await closed).toBe(1009);
  });
});
