/** The audit chain's SQL: one read per function, schema-qualified, parameterized. */
import type pg from 'pg';
import { quoteIdent } from '../db/sql/ident.ts';

/** One audit row as the verifier hashes it: the stored fields rendered as text by PostgreSQL's built-ins. */
export interface ChainRow {
  id: string;
  tenant: string;
  seq: string | null;
  ts: string;
  actor: string;
  action: string;
  target: string;
  sourceIp: string;
  details: string;
  prevHash: string | null;
  hash: string | null;
}

/** Every tenant that has a chain ('' is the system chain, tenant_id NULL). */
export async function listChains(db: pg.Pool | pg.PoolClient, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ tenant: string }>(
    `SELECT DISTINCT coalesce(tenant_id::text, '') AS tenant FROM ${quoteIdent(schema)}.audit_log ORDER BY 1`,
  );
  return rows.map((r) => r.tenant);
}

/** A chain's rows in seq order (ties and NULL seqs by id), streamed by the caller in pages of `limit`. */
export async function readChainPage(db: pg.Pool | pg.PoolClient, schema: string, tenant: string, afterSeq: number, limit: number): Promise<ChainRow[]> {
  const { rows } = await db.query<ChainRow>(
    `SELECT id::text AS id, coalesce(tenant_id::text, '') AS tenant, seq::text AS seq,
            to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts,
            actor, action, coalesce(target, '') AS target, coalesce(source_ip, '') AS "sourceIp",
            details::text AS details, prev_hash AS "prevHash", hash
       FROM ${quoteIdent(schema)}.audit_log
      WHERE coalesce(tenant_id::text, '') = $1 AND (seq IS NULL OR seq > $2)
      ORDER BY seq NULLS FIRST, id
      LIMIT $3`,
    [tenant, afterSeq, limit],
  );
  return rows;
}

/** The newest row of each chain: what an anchor records. */
export async function readChainHeads(db: pg.Pool | pg.PoolClient, schema: string): Promise<{ tenant: string; seq: number; hash: string }[]> {
  const { rows } = await db.query<{ tenant: string; seq: string; hash: string }>(
    `SELECT DISTINCT ON (tenant_id) coalesce(tenant_id::text, '') AS tenant, seq::text AS seq, hash
       FROM ${quoteIdent(schema)}.audit_log WHERE seq IS NOT NULL
      ORDER BY tenant_id, seq DESC`,
  );
  return rows.map((r) => ({ tenant: r.tenant, seq: Number(r.seq), hash: r.hash }));
}
