import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
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
});
