/** Per-connection temp staging tables shaped like a target table. */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { qualified, quoteIdent } from '../../db/sql/ident.ts';

const created = new WeakMap<pg.PoolClient, Set<string>>();

export function stageName(schema: string, table: string, kind = 'stage'): string {
  return `nm_${kind}_${createHash('sha1').update(`${schema}.${table}`).digest('hex').slice(0, 12)}`;
}

/**
 * Create the session's staging tables for schema.table. Call it OUTSIDE a transaction: a temp table
 * created inside a savepoint that rolls back would vanish while we still believe it exists.
 */
export async function prepareStages(client: pg.PoolClient, schema: string, table: string): Promise<void> {
  let set = created.get(client);
  if (!set) created.set(client, (set = new Set()));
  const stage = stageName(schema, table);
  if (set.has(stage)) return;
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(stage)} (LIKE ${qualified(schema, table)} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${quoteIdent(stageName(schema, table, 'seen'))} (id uuid PRIMARY KEY)`);
  set.add(stage);
}

function assertPrepared(client: pg.PoolClient, name: string): void {
  if (!created.get(client)?.has(name)) throw new Error(`staging table ${name} was not prepared on this connection`);
}

/** Empty the staging table for schema.table (prepared earlier on this connection). */
export async function freshStage(client: pg.PoolClient, schema: string, table: string): Promise<string> {
  const name = stageName(schema, table);
  assertPrepared(client, name);
  await client.query(`TRUNCATE ${quoteIdent(name)}`);
  return name;
}

/** The session-long set of ids a dry run has seen, per target table (prepared with the stage). */
export async function seenTable(client: pg.PoolClient, schema: string, table: string): Promise<string> {
  assertPrepared(client, stageName(schema, table));
  return stageName(schema, table, 'seen');
}
