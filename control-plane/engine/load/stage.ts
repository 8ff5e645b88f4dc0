/** Per-connection temp staging tables shaped like a target table. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';

const created = new WeakMap<pg.PoolClient, Set<string>>();

export function stageName(schema: string, table: string, kind = 'stage'): string {
  return `nm_${kind}_${createHash('sha1').update(`${schema}.${table}`).digest('hex').slice(0, 12)}`;
}

/** Create (once per connection) and empty the staging table for schema.table. */
export async function freshStage(client: pg.PoolClient, schema: string, table: string): Promise<string> {
  const name = stageName(schema, table);
  let set = created.get(client);
  if (!set) created.set(client, (set = new Set()));
  if (!set.has(name)) {
    await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(name)} (LIKE ${qualified(schema, table)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
    set.add(name);
  } else {
    await client.query(`TRUNCATE ${quoteIdent(name)}`);
  }
  return name;
}

/** A session-long set of ids seen by a dry run, per target table. */
export async function seenTable(client: pg.PoolClient, schema: string, table: string): Promise<string> {
  const name = stageName(schema, table, 'seen');
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(name)} (id uuid PRIMARY KEY)`);
  return name;
}
