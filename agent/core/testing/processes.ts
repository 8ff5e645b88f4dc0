/** Test support: forked tsx children with a request/response IPC helper, and socket inspection via /proc. */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export interface Child {
  proc: ChildProcess;
  ready: Promise<Record<string, unknown>>;
  request(msg: Record<string, unknown>): Promise<unknown>;
  exited: Promise<number | null>;
  stderr(): string;
}

export function forkChild(script: string, env: Record<string, string>): Child {
  const proc = fork(path.join(REPO_ROOT, script), [], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    // The session bus carries the OS keychain (Secret Service) the agent keeps its secrets in.
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin', NEXUS_LOG_LEVEL: 'warn',
      ...(process.env.DBUS_SESSION_BUS_ADDRESS ? { DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20_000)));
  proc.stdout?.resume();
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.on('message', (m: Record<string, unknown>) => {
      if (m.ready) resolve(m);
      const p = typeof m.id === 'number' ? pending.get(m.id) : undefined;
      if (p) {
        pending.delete(m.id as number);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(String(m.result)));
      }
    });
    proc.once('exit', (code) => reject(new Error(`${script} exited (${code}) before ready: ${err.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    ready,
    exited,
    stderr: () => err,
    request(msg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        proc.send({ ...msg, id });
      });
    },
  };
}

export async function killHard(c: Child): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  c.proc.kill('SIGKILL');
  await c.exited;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface SocketEntry {
  proto: 'tcp' | 'tcp6';
  local: string;
  state: 'LISTEN' | 'ESTABLISHED' | string;
  loopback: boolean;
}

/** TCP sockets owned by `pid` (matched by inode through /proc/<pid>/fd). */
export function processSockets(pid: number): SocketEntry[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // fd closed while listing
    }
  }
  const out: SocketEntry[] = [];
  for (const proto of ['tcp', 'tcp6'] as const) {
    const lines = readFileSync(`/proc/${pid}/net/${proto}`, 'utf8').trim().split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9]!)) continue;
      const [addr] = f[1]!.split(':');
      // /proc prints addresses as little-endian hex words: 127.x.x.x ends in 7F; ::1 and ::ffff:127.x are below.
      const loopback =
        proto === 'tcp' ? addr!.endsWith('7F') : addr === '00000000000000000000000001000000' || (addr!.startsWith('0000000000000000FFFF0000') && addr!.endsWith('7F'));
      out.push({ proto, local: f[1]!, state: f[3] === '0A' ? 'LISTEN' : f[3] === '01' ? 'ESTABLISHED' : f[3]!, loopback });
    }
  }
  return out;
}
