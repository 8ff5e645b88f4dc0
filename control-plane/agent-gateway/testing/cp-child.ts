/**
 * Test support: a control-plane process hosting the agent gateway on loopback, driven by its
 * parent over the fork IPC channel. Env: DATABASE_URL, CONTROL_SCHEMA, CP_PORT, TRANSPORT_KEY (JSON), CAPTURE_FRAMES, CP_HEARTBEAT_MS.
 * Captures every frame agents send, so the parent can ask whether a needle ever crossed the wire.
 */
import pg from 'pg';
import { startControlPlane } from '../../../agent/core/testing/harness.ts';
import type { RpcMethod } from '../../../shared/protocol/messages.ts';

const transportKey = JSON.parse(process.env.TRANSPORT_KEY!) as { publicKey: string; privateKey: string };
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const inbound: Buffer[] = [];
let inboundBytes = 0;
let frameCount = 0;
/** CAPTURE_FRAMES=1 keeps every inbound frame in memory (tests); otherwise only counts (bench). */
const capture = process.env.CAPTURE_FRAMES === '1';
const cp = await startControlPlane({
  pool,
  controlSchema: process.env.CONTROL_SCHEMA!,
  transportKey,
  port: Number(process.env.CP_PORT ?? 0),
  credits: 4,
  heartbeatMs: Number(process.env.CP_HEARTBEAT_MS ?? 5000),
  onFrame: (e) => {
    if (e.direction !== 'in') return;
    if (capture) inbound.push(e.data);
    inboundBytes += e.data.length;
    frameCount += 1;
  },
});

type EngineCmd = { id: number; cmd: 'runMigration'; jobId: string; mappingYaml: string; vars?: Record<string, string>; tenantId: string; targetSchema: string; engineControlSchema: string; batchSize?: number };
type Cmd = EngineCmd | { id: number; cmd: 'token'; ttlMs?: number; tenantId: string } | { id: number; cmd: 'call'; agentId: string; method: RpcMethod; params: Record<string, unknown> } | { id: number; cmd: 'framesContain'; needle: string } | { id: number; cmd: 'waitForAgent'; agentId?: string } | { id: number; cmd: 'drop'; agentId: string };

process.on('message', (m: Cmd) => {
  const reply = (ok: boolean, result: unknown): void => void process.send?.({ id: m.id, ok, result });
  const run = async (): Promise<unknown> => {
    switch (m.cmd) {
      case 'token':
        return cp.gateway.issueEnrollmentToken(m.tenantId, { ttlMs: m.ttlMs });
      case 'call':
        return cp.gateway.call(m.agentId, m.method, m.params);
      case 'drop':
        return cp.gateway.disconnectAgent(m.agentId);
      case 'waitForAgent':
        return cp.gateway.waitForAgent(m.agentId, 30_000);
      case 'runMigration': {
        const { runMigration } = await import('../../engine/run.ts');
        const { openStagedSource } = await import('../staged-source.ts');
        const source = await openStagedSource({ pool, controlSchema: process.env.CONTROL_SCHEMA!, jobId: m.jobId, transportKey, pollMs: 100, onStaged: (l) => cp.gateway.onStaged(l) });
        const report = await runMigration({ pool, source, mappingYaml: m.mappingYaml, vars: m.vars, tenantId: m.tenantId, targetSchema: m.targetSchema, controlSchema: m.engineControlSchema, mode: 'run', runKey: m.jobId, batchSize: m.batchSize });
        return { totals: report.totals, status: report.status, entities: report.entities, error: report.error };
      }
      case 'framesContain': {
        const needle = Buffer.from(m.needle);
        return { frames: frameCount, captured: inbound.length, bytes: inboundBytes, hits: inbound.filter((f) => f.includes(needle)).length };
      }
    }
  };
  run().then((r) => reply(true, r), (err: unknown) => reply(false, err instanceof Error ? err.message : String(err)));
});

process.on('disconnect', () => {
  void cp.close().finally(() => pool.end().finally(() => process.exit(0)));
});

process.send?.({ ready: true, port: cp.port, url: cp.url });
