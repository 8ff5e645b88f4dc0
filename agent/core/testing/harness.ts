/**
 * Test support shared by the in-process and the multi-process agent tests: a control plane on
 * loopback (bare http.Server + gateway), a CargoWise-shaped source table, and checksums.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { attachAgentGateway, type AgentGateway, type AgentGatewayDeps } from '../../../control-plane/agent-gateway/gateway.ts';
import { openStagedSource } from '../../../control-plane/agent-gateway/staged-source.ts';
import { qualified } from '../../../control-plane/db/sql/ident.ts';
import type { EncodedKeyPair } from '../../../shared/crypto/index.ts';
import type { FieldValue } from '../../../shared/record-batch.ts';

export const TENANT = '11111111-2222-4333-8444-555555555555';

export interface TestControlPlane {
  url: string;
  port: number;
  gateway: AgentGateway;
  close(): Promise<void>;
}

export async function startControlPlane(deps: Omit<AgentGatewayDeps, 'path'> & { port?: number; tls?: { key: string; cert: string } }): Promise<TestControlPlane> {
  const notFound = (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.statusCode = 404;
    res.end();
  };
  const server: http.Server = deps.tls ? https.createServer({ key: deps.tls.key, cert: deps.tls.cert }, notFound) : http.createServer(notFound);
  const gateway = attachAgentGateway(server, { ...deps, path: '/agent/ws' });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${deps.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/agent/ws`,
    port,
    gateway,
    async close() {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A CargoWise OrgHeader-shaped table of `n` rows with deterministic content. */
export async function createOrgTable(pool: pg.Pool, schema: string, table: string, n: number): Promise<void> {
  const t = qualified(schema, table);
  await pool.query(`CREATE TABLE ${t} (id integer PRIMARY KEY, "OH_Code" text NOT NULL, "OH_FullName" text, "OH_IsActive" boolean, "OH_SystemCreateTimeUtc" timestamp, "OH_CreditLimit" numeric(12,2))`);
  await pool.query(
    `INSERT INTO ${t} SELECT g, 'ORG' || lpad(g::text, 7, '0'), 'Org ' || md5(g::text), g % 7 <> 0, timestamp '2020-01-01' + g * interval '1 minute', (g % 1000) * 12.5
     FROM generate_series(1, $1::int) g`,
    [n],
  );
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** md5 over the canonical JSON of every row, ordered by id. */
export async function sourceChecksum(pool: pg.Pool, schema: string, table: string): Promise<{ rows: number; md5: string }> {
  const { rows } = await pool.query<{ row: Record<string, FieldValue> }>(`SELECT row_to_json(t)::jsonb AS row FROM ${qualified(schema, table)} t ORDER BY id`);
  const h = createHash('md5');
  for (const r of rows) h.update(canonical(r.row) + '\n');
  return { rows: rows.length, md5: h.digest('hex') };
}

/** Read a job's staged batches for one entity through the staged source; checksum + duplicate count. */
export async function stagedChecksum(pool: pg.Pool, controlSchema: string, transportKey: EncodedKeyPair, jobId: string, entity: string): Promise<{ rows: number; distinct: number; md5: string }> {
  const source = await openStagedSource({ pool, controlSchema, jobId, transportKey, pollMs: 50 });
  const all: { id: number; fields: unknown }[] = [];
  const ids = new Set<string>();
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(new Error('staged read timed out')), 60_000);
  try {
    for await (const b of source.read(entity, { batchSize: 1000, signal: ac.signal })) {
      for (const r of b.records) {
        ids.add(r.sourceId);
        all.push({ id: Number(r.sourceId), fields: r.fields });
      }
    }
  } finally {
    clearTimeout(timer);
    await source.close();
  }
  all.sort((a, b) => a.id - b.id);
  const h = createHash('md5');
  for (const r of all) h.update(canonical(r.fields) + '\n');
  return { rows: all.length, distinct: ids.size, md5: h.digest('hex') };
}

/** Poll until `fn` returns a truthy value. */
export async function until<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const ORG_MAPPING_FILE = new URL('./org-mapping.yaml', import.meta.url);

/** A fresh Logic Nexus target schema with the test tenant. */
export async function prepareTarget(pool: pg.Pool, schema: string): Promise<void> {
  const { migrate } = await import('../../../control-plane/db/migrate.ts');
  await migrate(pool, 'target', schema);
  await pool.query(`INSERT INTO ${qualified(schema, 'tenants')} (id, name, slug) VALUES ($1, 'Agent test', 'agent-test')`, [TENANT]);
}

/** md5 of the loaded accounts, ordered by id (updated_at excluded: it is the load time). */
export async function accountsChecksum(pool: pg.Pool, schema: string): Promise<{ rows: number; md5: string }> {
  const { rows } = await pool.query<{ rows: number; md5: string }>(
    `SELECT count(*)::int AS rows, md5(coalesce(string_agg(concat_ws('|', id, tenant_id, name, code, annual_revenue, created_at, source_system, source_entity, source_id), E'\\n' ORDER BY id), '')) AS md5
     FROM ${qualified(schema, 'accounts')}`,
  );
  return rows[0]!;
}
