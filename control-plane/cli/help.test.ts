/**
 * `--help` and `-h` on every command print that command's usage and do nothing else: DATABASE_URL
 * points at a listener that records every connection, and none arrives; no file is written to the
 * data folder; nothing keeps running. Unknown commands say what is unknown, with a "did you mean".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';

interface Ran { code: number | null; stdout: string; stderr: string }

let listener: net.Server;
let port = 0;
let connections = 0;
let home: string;

beforeAll(async () => {
  listener = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
  home = mkdtempSync(path.join(tmpdir(), 'cli-help-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

function cli(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), ...args], {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NEXUS_DATA_DIR: path.join(home, 'data'), NEXUS_AGENT_DATA_DIR: path.join(home, 'agent'),
        DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`, TEST_DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // A command that went on to do its work (serve, agent start, demo) would still be running.
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`"${args.join(' ')}" was still running after 30 s: it did more than print help\n${stdout}${stderr}`));
    }, 30_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const cases = commands.flatMap((c) => [
  { name: c.name, flag: '--help', args: [...c.name.split(' '), '--help'] },
  { name: c.name, flag: '-h', args: [...c.name.split(' '), '--source', 'csv', '-h'] },
]);

describe('nexus-migrate --help', () => {
  it.concurrent.each(cases)('given `$name $flag`, then it prints that usage, connects nowhere, writes nothing and exits 0', async ({ name, args }) => {
    const before = connections;
    const r = await cli(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: nexus-migrate ${name.replace(/ /g, ' ')}`));
    expect(r.stdout).toContain(commands.find((c) => c.name === name)!.summary);
    expect(r.code).toBe(0);
    expect(connections).toBe(before);
    expect(readdirSync(home).filter((f) => f !== '.cache' && f !== '.npm')).toEqual([]);
  });

  const wrong: { args: string[]; message: RegExp }[] = [
    { args: ['serv'], message: /unknown command "serv"; did you mean "serve"\?/ },
    { args: ['dryrun'], message: /unknown command "dryrun"; did you mean "dry-run"\?/ },
    { args: ['agent', 'strat'], message: /unknown command "agent strat"; did you mean "agent start"\?/ },
    { args: ['agent'], message: /"agent" needs a subcommand: start, enroll, connection add, status, check-source/ },
    { args: ['frobnicate'], message: /unknown command "frobnicate"\. Run `nexus-migrate --help`/ },
  ];
  it.concurrent.each(wrong)('given `$args`, then it names what is unknown and exits 2', async ({ args, message }) => {
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });
});
