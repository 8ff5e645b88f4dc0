/**
 * The acceptance corpus (issue 10): every case is dry-run, run, re-run and rolled back on real PostgreSQL
 * (sources: CSV folders, PostgreSQL schemas, a SQL_ASCII database, MariaDB databases, the real CLI).
 * For each: the dry run's counts are the run's; the counts reconcile with the source and the target;
 * every loaded value is its source's; the re-run changes nothing; rollback restores the checksums.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, uniqueName } from '../../../test/support/pg.ts';
import { buildSource, engineCase, type Shared } from './harness.ts';
import { csvCases } from './cases-csv.ts';
import { sqlCases } from './cases-sql.ts';
import { cliCases } from './cases-cli.ts';
import { cliCase } from './cli-harness.ts';

const shared: Shared = { work: '', asciiUrl: '' };
let asciiDb = '';

async function admin<T>(f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  shared.work = mkdtempSync(path.join(tmpdir(), 'trust-corpus-'));
  asciiDb = uniqueName('trust_ascii');
  await admin((c) => c.query(`CREATE DATABASE ${asciiDb} WITH ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`));
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${asciiDb}`;
  shared.asciiUrl = u.toString();
});
afterAll(async () => {
  rmSync(shared.work, { recursive: true, force: true });
  await admin((c) => c.query(`DROP DATABASE IF EXISTS ${asciiDb} WITH (FORCE)`));
});

const label: Record<string, string> = { csv: 'CSV', pg: 'PostgreSQL', mariadb: 'MariaDB', cli: 'real CLI' };
const table = [...csvCases, ...sqlCases, ...cliCases].filter((c) => !process.env.CORPUS_ONLY || c.via === process.env.CORPUS_ONLY).map((c) => [c.name, label[c.via], c] as const);

describe.concurrent('acceptance corpus', () => {
  it.each(table)('given %s (%s), then dry run = run, counts reconcile, values are the source\'s, re-run and rollback are clean', async (_n, _via, c) => {
    await (c.via === 'cli' ? cliCase(c, shared) : engineCase(c, shared));
  });
});

describe('SQL_ASCII primary keys', () => {
  it('given a SQL_ASCII key that is not valid UTF-8, then the read stops loudly naming table and column (keyset paging cannot page past it)', async () => {
    const c = { name: 'bad key', via: 'pg', sqlAscii: true, rows: { acct: [{ id: 'a1' }, { id: Buffer.from([0x62, 0xe9]) }] } } as const;
    const src = await buildSource({ ...c, rows: { acct: [...c.rows.acct] } }, shared);
    const conn = await src.open();
    try {
      const read = async () => { for await (const b of conn.read('acct', { batchSize: 10 })) void b; };
      await expect(read()).rejects.toThrow(/^acct: a primary key value in column id is not valid UTF-8 text/);
    } finally {
      await conn.close();
      await src.drop();
    }
  });
});
