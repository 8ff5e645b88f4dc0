/** Real MariaDB for tests: a fresh database per test file, dropped afterwards. */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const TEST_MYSQL_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

export async function createTestDatabase(prefix = 't'): Promise<{ database: string; url: string; drop(): Promise<void> }> {
  const database = `${prefix}_${randomBytes(5).toString('hex')}`;
  const conn = await mysql.createConnection(TEST_MYSQL_URL);
  try {
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  } finally {
    await conn.end();
  }
  const base = new URL(TEST_MYSQL_URL);
  base.pathname = `/${database}`;
  return {
    database,
    url: base.toString(),
    async drop() {
      const c = await mysql.createConnection(TEST_MYSQL_URL);
      try {
        await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
      } finally {
        await c.end();
      }
    },
  };
}
