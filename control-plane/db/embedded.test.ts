import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { openDatabase } from './embedded.ts';

const dataDir = path.join(os.tmpdir(), `nexus-embedded-test-${randomBytes(4).toString('hex')}`, 'pg');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('openDatabase (embedded PostgreSQL)', () => {
  afterAll(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('given an empty data folder, then it initialises, serves queries, and keeps data across a stop and restart', async () => {
    const first = await openDatabase({ dataDir });
    try {
      expect(first.embedded).toBe(true);
      expect(existsSync(path.join(first.dataDir!, 'PG_VERSION'))).toBe(true);
      await first.pool.query('CREATE TABLE kept (v text)');
      await first.pool.query('INSERT INTO kept VALUES ($1)', ['survives restart']);
    } finally {
      await first.close();
    }
    await expect(first.pool.query('SELECT 1')).rejects.toThrow();

    // Second start reuses the initialised folder (initialise() would fail on it) and a new port.
    const second = await openDatabase({ dataDir });
    try {
      expect(second.dataDir).toBe(first.dataDir);
      const { rows } = await second.pool.query<{ v: string }>('SELECT v FROM kept');
      expect(rows).toEqual([{ v: 'survives restart' }]);
      const { rows: ver } = await second.pool.query<{ server_version: string }>('SHOW server_version');
      expect(ver[0]!.server_version).toMatch(/^17\./);
    } finally {
      await second.close();
    }
  });

  it('given DATABASE_URL, then it connects there and starts no embedded server', async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = TEST_DATABASE_URL;
    try {
      const db = await openDatabase();
      try {
        expect(db.embedded).toBe(false);
        expect(db.url).toBe(TEST_DATABASE_URL);
        const { rows } = await db.pool.query<{ one: number }>('SELECT 1 AS one');
        expect(rows[0]!.one).toBe(1);
      } finally {
        await db.close();
      }
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('given a process holding the embedded server, when it receives SIGTERM, then the server stops with it', async () => {
    const script = fileURLToPath(new URL('./embedded.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '' },
    });
    const postmasterPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /^ready (\d+)$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`fixture exited early with ${code}`)));
    });
    expect(alive(postmasterPid)).toBe(true);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
    // The postmaster is gone, so its pid file is removed.
    await expect.poll(() => alive(postmasterPid), { timeout: 20_000 }).toBe(false);
    expect(existsSync(path.join(dataDir, 'postmaster.pid'))).toBe(false);
  });

  it('given a CLI that sets a non-zero exit code after closing the embedded server, then the process keeps that code', async () => {
    const script = fileURLToPath(new URL('./embedded.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, 'exit-code'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(3);
  });

  it('given a data folder inside a private (0700) folder, then as root it moves under the temp dir and says so, otherwise it is used as is', async () => {
    const privateDir = path.join(path.dirname(dataDir), 'private');
    await mkdir(privateDir, { recursive: true, mode: 0o700 });
    await chmod(privateDir, 0o700);
    const requested = path.join(privateDir, 'pg');
    const warnings: string[] = [];
    const log = createLogger({ sinks: [(e) => e.level === 'warn' && warnings.push(e.msg)] });
    const db = await openDatabase({ dataDir: requested, log });
    try {
      expect((await db.pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
      if (process.getuid?.() === 0) {
        expect(db.dataDir).not.toBe(requested);
        expect(db.dataDir!.startsWith(path.join(os.tmpdir(), 'nexus-migrate-0-'))).toBe(true);
        expect(warnings.join('\n')).toMatch(/not reachable by the postgres OS user/);
      } else {
        expect(db.dataDir).toBe(requested);
      }
    } finally {
      await db.close();
      if (db.dataDir !== requested) await rm(path.dirname(db.dataDir!), { recursive: true, force: true });
    }
  });
});
