/**
 * `npm run bench -- --cli-start`: how long `nexus-migrate` takes to start, as a user starts it
 * (a fresh node process running bin/nexus-migrate.mjs): the median of 5 starts of `--help` and of
 * `run --help`, in milliseconds. The target is 500 ms (issue 15).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/nexus-migrate.mjs', import.meta.url));
const STARTS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function timeStarts(args: string[], n = STARTS): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`nexus-migrate ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
    out.push(ms);
  }
  return out;
}

export async function benchCliStart(opts: { json: boolean }): Promise<number> {
  const cases = [['--help'], ['run', '--help']];
  const results = cases.map((args) => ({ command: `nexus-migrate ${args.join(' ')}`, medianMs: Math.round(median(timeStarts(args))) }));
  const worst = Math.max(...results.map((r) => r.medianMs));
  if (opts.json) process.stdout.write(JSON.stringify({ starts: STARTS, results, medianMs: worst, targetMs: 500 }) + '\n');
  else {
    for (const r of results) process.stdout.write(`${r.command}: median of ${STARTS} starts ${r.medianMs} ms\n`);
    process.stdout.write(`RESULT cli_start_ms=${worst} target_ms=500\n`);
  }
  return 0;
}
