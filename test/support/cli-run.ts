/** `nexus-migrate run …` (or `dry-run …`) through the real bin against the test database: exit code, output, and the JSON report it wrote. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import type { RunReport } from '../../control-plane/report/types.ts';
import { TEST_DATABASE_URL } from './pg.ts';

export interface CliRun { code: number | null; out: string; report: RunReport }

export function runMigrateCli(o: { targetSchema: string; controlSchema: string; work: string; command?: 'run' | 'dry-run' }, args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), o.command ?? 'run', '--target-schema', o.targetSchema, '--control-schema', o.controlSchema, '--report-dir', path.join(o.work, 'reports'), ...args], {
      cwd: o.work, env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('close', (code) => {
      const json = /\s(\S+\.json)\n/.exec(out)?.[1];
      resolve({ code, out, report: json ? (JSON.parse(readFileSync(json, 'utf8')) as RunReport) : (null as never) });
    });
  });
}
