/** Spawn the real `bin/nexus-migrate.mjs` with an exact environment; its exit code and output. A command still running after `timeoutMs` is killed and reported. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function spawnCli(args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs?: number; execArgv?: string[] }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...(o.execArgv ?? []), path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`"nexus-migrate ${args.join(' ')}" was still running after ${(o.timeoutMs ?? 30_000) / 1000} s\n${stdout}${stderr}`));
    }, o.timeoutMs ?? 30_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
