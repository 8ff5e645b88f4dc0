/**
 * Test fixture: a platform sample database in a fresh PostgreSQL schema or MariaDB database,
 * with the SqlConnectionConfig that reads it. Used by this folder's tests (both dialects).
 */
import { createTestSchema, TEST_DATABASE_URL } from '../../../test/support/pg.ts';
import { createTestDatabase } from '../../../test/support/mariadb.ts';
import type { SqlConnectionConfig } from '../types.ts';
import { createSampleDatabase, type SampleDbResult } from './load.ts';
import type { SampleDialect } from './ddl.ts';

export interface SampleFixture {
  dialect: SampleDialect;
  connection: SqlConnectionConfig;
  /** Run a statement on the sample database (test setup, assertions). */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  q(ident: string): string;
  result: SampleDbResult;
  drop(): Promise<void>;
}

export async function sampleFixture(dialect: SampleDialect, platform: string, rows: number, seed: number, badData = false): Promise<SampleFixture> {
  if (dialect === 'postgres') {
    const s = await createTestSchema('sqlsrc');
    try {
      const result = await createSampleDatabase({ platform, dialect, url: TEST_DATABASE_URL, rows, seed, badData, schema: s.schema });
      return {
        dialect, result,
        connection: { dialect: 'postgres', url: TEST_DATABASE_URL, schema: s.schema },
        exec: async (sql, params = []) => (await s.pool.query(sql, params)).rows,
        q: (i) => `"${i}"`,
        drop: () => s.drop(),
      };
    } catch (err) {
      await s.drop();
      throw err;
    }
  }
  const db = await createTestDatabase('sqlsrc');
  const mysql = await import('mysql2/promise');
  try {
    const result = await createSampleDatabase({ platform, dialect, url: db.url, rows, seed, badData });
    const conn = await mysql.createConnection({ uri: db.url, dateStrings: true, timezone: 'Z' });
    return {
      dialect, result,
      connection: { dialect: 'mysql', url: db.url },
      exec: async (sql, params = []) => {
        const [r] = await conn.query(sql.replace(/\$\d+/g, '?'), params);
        return Array.isArray(r) ? (r as Record<string, unknown>[]) : [];
      },
      q: (i) => `\`${i}\``,
      drop: async () => {
        await conn.end();
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}
