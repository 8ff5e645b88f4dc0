/**
 * `nexus-migrate serve` as shipped, started twice on the same data folder: the transport key is
 * created once (0600 file) and reused, so an agent enrolled with the first start gets the same key
 * from the second; the schemas follow NEXUS_CONTROL_SCHEMA / NEXUS_TARGET_SCHEMA like `run` does;
 * the private key shows in no output and no API response.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../../agent/core/agent.ts';
import { until } from '../../../agent/core/testing/harness.ts';
import { REPO_ROOT } from '../../../agent/core/testing/processes.ts';
import { createLogger, type LogEntry } from '../../../shared/log/logger.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../../test/support/pg.ts';
import { testSecretStore } from '../../../test/support/keyring.ts';
import { qualified } from '../../db/sql/ident.ts';
import { serveTransportKey } from '../../agent-gateway/serve-transport-key.ts';

interface Served { proc: ChildProcessWithoutNullStreams; ready: Record<string, unknown>; output(): string; stop(): Promise<void> }

let work: string;
let ctl: TestSchema;
let tgt: TestSchema;
const masterKey = randomBytes(32).toString('base64');

async function serve(port: number, extra: string[] = []): Promise<Served> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), 'serve', '--port', String(port), ...extra], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', DATABASE_URL: TEST_DATABASE_URL, NEXUS_DATA_DIR: path.join(work, 'cp-data'),
      NEXUS_CONTROL_SCHEMA: ctl.schema, NEXUS_TARGET_SCHEMA: tgt.schema, NEXUS_MASTER_KEY: masterKey, NEXUS_LOG_LEVEL: 'debug',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const closed = new Promise<number | null>((resolve) => proc.once('close', resolve));
  const ready = await Promise.race([
    until(() => out.split('\n').map((l) => (l.startsWith('{"ready"') ? (JSON.parse(l) as Record<string, unknown>) : null)).find(Boolean), 'serve ready line', 60_000),
    closed.then((code) => Promise.reject(new Error(`serve exited with ${code}: ${out.slice(-2000)}`))),
  ]);
  return {
    proc, ready, output: () => out,
    async stop() {
      proc.kill('SIGTERM');
      await closed;
    },
  };
}

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'nexus-serve-'));
  ctl = await createTestSchema('servectl');
  tgt = await createTestSchema('servetgt');
});

afterAll(async () => {
  await ctl?.drop();
  await tgt?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('nexus-migrate serve', () => {
  it('given no NEXUS_TRANSPORT_KEY, then two starts on one data folder use the same key file and an enrolled agent gets the same key back', async () => {
    const seen: string[] = [];
    const secrets = await testSecretStore();
    const agentDir = path.join(work, 'agent');
    let agent: Agent | null = null;
    let first: Served | null = await serve(0, ['--bootstrap-admin', 'admin@example.test']);
    // The agent reconnects to the URL it enrolled with: the second start takes the same port.
    const port = Number(new URL(String(first.ready.url)).port);
    let second: Served | null = null;
    try {
      const boot = first.ready.bootstrap as { apiKey: string };
      const auth = { authorization: `Bearer ${boot.apiKey}`, 'content-type': 'application/json' };
      const tokenRes = await fetch(`${String(first.ready.url)}/api/v1/agents/enrollment-tokens`, { method: 'POST', headers: auth, body: '{}' });
      const tokenText = await tokenRes.text();
      seen.push(tokenText);
      expect(tokenRes.status, tokenText).toBe(201);
      agent = new Agent({ dataDir: agentDir, secrets, config: { backoff: { baseMs: 20, maxMs: 200 } } });
      const { agentId } = await agent.enroll(String(first.ready.agentGateway), (JSON.parse(tokenText) as { token: string }).token);
      const keyFile = path.join(work, 'cp-data', 'transport-key.json');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      const key = JSON.parse(readFileSync(keyFile, 'utf8')) as { publicKey: string; privateKey: string };
      expect(agent.state.identity()?.transportPublicKey).toBe(key.publicKey);
      // The agent registry lives in NEXUS_CONTROL_SCHEMA, not a serve-only default.
      const { rows } = await ctl.pool.query<{ id: string }>(`SELECT id FROM ${qualified(ctl.schema, 'agents')}`);
      expect(rows.map((r) => r.id)).toEqual([agentId]);
      await agent.stop();
      agent = null;
      seen.push(first.output());
      await first.stop();
      first = null;

      second = await serve(port);
      agent = new Agent({ dataDir: agentDir, secrets, config: { backoff: { baseMs: 20, maxMs: 200 } } });
      agent.state.setTransportKey('stale-until-the-control-plane-says-otherwise');
      await agent.start();
      const a = agent;
      await until(() => a.state.identity()?.transportPublicKey === key.publicKey, 'the restarted control plane sends its transport key', 30_000);
      expect(readFileSync(keyFile, 'utf8')).toBe(JSON.stringify(key));
      const list = await fetch(`${String(second.ready.url)}/api/v1/agents`, { headers: auth });
      const listText = await list.text();
      expect(list.status, listText).toBe(200);
      seen.push(listText, JSON.stringify(second.ready), second.output());
      expect(seen.filter((text) => text.includes(key.privateKey))).toEqual([]);
    } finally {
      await agent?.stop();
      await first?.stop();
      await second?.stop();
    }
  });

  it.each([
    ['NEXUS_TRANSPORT_KEY_FILE', (dir: string) => ({ NEXUS_TRANSPORT_KEY_FILE: path.join(dir, 'keys', 'tk.json') }), 'keys/tk.json'],
    ['NEXUS_DATA_DIR', (dir: string) => ({ NEXUS_DATA_DIR: path.join(dir, 'data') }), 'data/transport-key.json'],
  ])('given %s, then two bootstraps return the same key and log only the file path', (_n, envOf, rel) => {
    const dir = mkdtempSync(path.join(work, 'tk-'));
    const records: LogEntry[] = [];
    const log = createLogger({ sinks: [(r) => records.push(r)], level: 'debug' });
    const env = envOf(dir);
    const a = serveTransportKey(log, env);
    const b = serveTransportKey(log, env);
    expect(b).toEqual(a);
    expect(statSync(path.join(dir, rel)).mode & 0o777).toBe(0o600);
    expect(records.length).toBeGreaterThan(0);
    expect(JSON.stringify(records)).not.toContain(a.privateKey);
  });
});
