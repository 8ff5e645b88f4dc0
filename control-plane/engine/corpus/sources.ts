/** Build a case's source: a CSV folder, a PostgreSQL schema (or the SQL_ASCII database) or a MariaDB database; count its records. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { stringify } from 'yaml';
import type { SourceConnector } from '../../../shared/connector.ts';
import { CsvConnector } from '../../../connectors/csv/index.ts';
import { SqlSourceConnector } from '../../../connectors/sql/sql-source-connector.ts';
import { TEST_MYSQL_URL } from '../../../test/support/mariadb.ts';
import type { CorpusCase, Row } from './types.ts';

const PG_COLUMNS: Record<string, Record<string, string>> = {
  acct: { id: 'varchar(64) PRIMARY KEY', name: 'text', code: 'varchar(64)', revenue: 'numeric(18,2)', employees: 'integer', web: 'text', created: 'timestamptz' },
  person: { id: 'varchar(64) PRIMARY KEY', last: 'text', email: 'text', acct_id: 'varchar(64)' },
};
const MARIADB_COLUMNS: Record<string, Record<string, string>> = {
  acct: { id: 'VARCHAR(64) PRIMARY KEY', name: 'TEXT', code: 'VARCHAR(64)', revenue: 'DECIMAL(18,2)', employees: 'INT', web: 'TEXT', created: 'DATETIME(6)' },
  person: { id: 'VARCHAR(64) PRIMARY KEY', last: 'TEXT', email: 'TEXT', acct_id: 'VARCHAR(64)' },
};

export interface BuiltSource {
  open(): Promise<SourceConnector>;
  /** Records per entity, counted in the source itself (file records, SQL count(*)). */
  counts(): Promise<Record<string, number>>;
  /** CSV: the folder (the CLI reads it). */
  dir?: string;
  drop(): Promise<void>;
}

function csvCell(v: string | null | Buffer): string {
  if (v === null) return '';
  return `"${String(v).replace(/"/g, '""')}"`;
}

export async function buildCsv(c: CorpusCase, dir: string): Promise<BuiltSource> {
  await mkdir(dir, { recursive: true });
  const entities: Record<string, unknown> = {};
  const records: Record<string, number> = {};
  for (const [entity, rows] of Object.entries(c.rows)) {
    if (c.csvText?.[entity]) continue;
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    await writeFile(path.join(dir, `${entity}.csv`), [cols.join(','), ...rows.map((r) => cols.map((k) => csvCell(r[k] ?? null)).join(','))].join('\n') + '\n');
    records[entity] = rows.length;
  }
  for (const [entity, f] of Object.entries(c.csvText ?? {})) {
    await writeFile(path.join(dir, `${entity}.csv`), f.text);
    records[entity] = f.records;
  }
  for (const entity of Object.keys(records)) entities[entity] = { file: `${entity}.csv`, idColumn: 'id', ...c.manifest?.[entity] };
  await writeFile(path.join(dir, 'manifest.yaml'), stringify({ entities }));
  return { dir, open: () => new CsvConnector({ dir }).open(), counts: async () => records, drop: async () => undefined };
}

const pgLiteral = (b: Buffer): string => `E'${[...b].map((x) => `\\x${x.toString(16).padStart(2, '0')}`).join('')}'`;

export async function buildPg(c: CorpusCase, url: string, schema: string): Promise<BuiltSource> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
    for (const [entity, rows] of Object.entries(c.rows)) {
      const defs = { ...(PG_COLUMNS[entity] ?? { id: 'varchar(64) PRIMARY KEY' }), ...c.columns?.[entity] };
      const cols = [...new Set(['id', ...rows.flatMap((r) => Object.keys(r))])];
      await client.query(`CREATE TABLE "${schema}"."${entity}" (${cols.map((k) => `"${k}" ${defs[k] ?? 'text'}`).join(', ')})`);
      for (const r of rows) {
        const params: unknown[] = [];
        const values = cols.map((k) => {
          const v = r[k] ?? null;
          // Bytes into a text column: a literal, so invalid UTF-8 reaches a SQL_ASCII database as it is.
          if (Buffer.isBuffer(v) && !/bytea/i.test(defs[k] ?? '')) return pgLiteral(v);
          params.push(v);
          return `$${params.length}`;
        });
        await client.query(`INSERT INTO "${schema}"."${entity}" (${cols.map((k) => `"${k}"`).join(', ')}) VALUES (${values.join(', ')})`, params);
      }
    }
  } finally {
    await client.end();
  }
  return {
    open: async () => new SqlSourceConnector({ connection: { dialect: 'postgres', url, schema }, platform: 'none' }),
    counts: async () => {
      const cl = new pg.Client({ connectionString: url });
      await cl.connect();
      try {
        const out: Record<string, number> = {};
        for (const entity of Object.keys(c.rows)) out[entity] = Number((await cl.query(`SELECT count(*) AS n FROM "${schema}"."${entity}"`)).rows[0].n);
        return out;
      } finally {
        await cl.end();
      }
    },
    drop: async () => {
      const cl = new pg.Client({ connectionString: url });
      await cl.connect();
      await cl.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => cl.end());
    },
  };
}

export async function buildMariaDb(c: CorpusCase, database: string): Promise<BuiltSource> {
  const conn = await mysql.createConnection({ uri: TEST_MYSQL_URL, charset: 'utf8mb4' });
  try {
    await conn.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    // Zero dates and other values strict mode would refuse: sources hold them.
    await conn.query(`SET SESSION sql_mode = ''`);
    for (const [entity, rows] of Object.entries(c.rows)) {
      const defs = { ...(MARIADB_COLUMNS[entity] ?? { id: 'VARCHAR(64) PRIMARY KEY' }), ...c.columns?.[entity] };
      const cols = [...new Set(['id', ...rows.flatMap((r) => Object.keys(r))])];
      await conn.query(`CREATE TABLE \`${database}\`.\`${entity}\` (${cols.map((k) => `\`${k}\` ${defs[k] ?? 'TEXT'}`).join(', ')})`);
      for (const r of rows as Row[]) {
        await conn.query(`INSERT INTO \`${database}\`.\`${entity}\` (${cols.map((k) => `\`${k}\``).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((k) => r[k] ?? null));
      }
    }
  } finally {
    await conn.end();
  }
  const base = new URL(TEST_MYSQL_URL);
  base.pathname = `/${database}`;
  return {
    open: async () => new SqlSourceConnector({ connection: { dialect: 'mysql', url: base.toString() }, platform: 'none' }),
    counts: async () => {
      const cl = await mysql.createConnection(TEST_MYSQL_URL);
      try {
        const out: Record<string, number> = {};
        for (const entity of Object.keys(c.rows)) out[entity] = Number(((await cl.query(`SELECT count(*) AS n FROM \`${database}\`.\`${entity}\``))[0] as { n: number }[])[0]!.n);
        return out;
      } finally {
        await cl.end();
      }
    },
    drop: async () => {
      const cl = await mysql.createConnection(TEST_MYSQL_URL);
      await cl.query(`DROP DATABASE IF EXISTS \`${database}\``).finally(() => cl.end());
    },
  };
}
