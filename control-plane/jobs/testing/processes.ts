/** Real `serve` and `worker` processes for the durable-run tests, on a shared test database. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { until } from '../../../agent/core/testing/harness.ts';
import { REPO_ROOT } from '../../../agent/core/testing/processes.ts';
import { TEST_DATABASE_URL } from '../../../test/support/pg.ts';

export interface Proc {
  proc: ChildProcessWithoutNullStreams;
  ready: Record<string, unknown>;
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export interface ProcEnv { controlSchema: string; targetSchema: string; masterKey: string; dataDir: string; extra?: Record<string, string> }

export async function startCli(args: string[], e: ProcEnv): Promise<Proc> {
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATABASE_URL: TEST_DATABASE_URL, NEXUS_DATA_DIR: e.dataDir,
      NEXUS_CONTROL_SCHEMA: e.controlSchema, NEXUS_TARGET_SCHEMA: e.targetSchema, NEXUS_MASTER_KEY: e.masterKey, NEXUS_LOG_LEVEL: 'info',
      NEXUS_RUN_STALE_S: '10', ...e.extra,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('close', resolve));
  const ready = await Promise.race([
    until(() => out.split('\n').map((l) => (l.startsWith('{"ready"') ? (JSON.parse(l) as Record<string, unknown>) : null)).find(Boolean), `${args[0]} ready line`, 90_000),
    exited.then((code) => Promise.reject(new Error(`${args.join(' ')} exited with ${code}: ${out.slice(-3000)}`))),
  ]);
  return {
    proc, ready, exited, output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
