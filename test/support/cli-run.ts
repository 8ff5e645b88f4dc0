/** `nexus-migrate run …` (or `dry-run …`) through the real bin against the test database: exit code, output, and the JSON report it wrote. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import type { RunReport } from '../../control-plane/report/types.ts';
import { TEST_DATABASE_URL } from './pg.ts';

export interface CliRun { code: number | null; out: string; report: RunReport }
export interface CliTarget {
  targetSchema: string; controlSchema: string; work: string;
  /** Default run; run and dry-run write their reports under work/reports. */
  command?: 'run' | 'dry-run' | 'rollback';
  /** Environment over the test's own (undefined removes a variable). */
  env?: Record<string, string | undefined>;
}
export interface SpawnedCli { proc: ChildProcess; output(): string; exited: Promise<number | null> }

/** Start the command and return at once (to watch it, or kill it mid-run). */
export function spawnMigrateCli(o: CliTarget, args: string[]): SpawnedCli {
  const command = o.command ?? 'run';
  const reports = command === 'rollback' ? [] : ['--report-dir', path.join(o.work, 'reports')];
  const env: Record<string, string | undefined> = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, ...o.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  const proc = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), command, '--target-schema', o.targetSchema, '--control-schema', o.controlSchema, ...reports, ...args], {
    cwd: o.work, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

export async function runMigrateCli(o: CliTarget, args: string[]): Promise<CliRun> {
  const p = spawnMigrateCli(o, args);
  const code = await p.exited;
  const out = p.output();
  const json = /\s(\S+\.json)\n/.exec(out)?.[1];
  return { code, out, report: json ? (JSON.parse(readFileSync(json, 'utf8')) as RunReport) : (null as never) };
}
