/**
 * Issue 4 acceptance, end to end through the agent, for every platform × source dialect:
 * sample database → agent process (real SqlSourceConnector, password in the real OS keychain)
 * → WebSocket → control-plane process (gateway, staging, runMigration with the platform's
 * mapping.yaml) → Logic Nexus target schema. Each combination gets its own source, agent and
 * target; one control-plane process serves them all.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control-plane/db/migrate.ts';
import type { EntityCounts } from '../../control-plane/report/types.ts';
import { loadPlatformDescription } from '../../connectors/sql/platform-description.ts';
import { sampleFixture, type SampleFixture } from '../../connectors/sql/sample/fixtures.ts';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { testSecretStore } from '../../test/support/keyring.ts';
import { TEST_MYSQL_URL } from '../../test/support/mariadb.ts';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { TENANT, until } from './testing/harness.ts';
import { forkChild, freePort, killHard, type Child } from './testing/processes.ts';

const PASSWORD = 'Pl4tf0rm-e2e!Keychain-only-6Qv';
const ROWS = 800;
const SEED = 21;
const transportKey = generateTransportKeyPair();

type Platform = 'cargowise' | 'sap-tm' | 'oracle-tm';
type Dialect = 'postgres' | 'mysql';
type Row = Record<string, unknown>;

interface Ctx {
  src: SampleFixture;
  /** Source query; `q` quotes an identifier in the source dialect. */
  s(sql: string): Promise<Row[]>;
  q(ident: string): string;
  /** Target query; `t` is the quoted target schema. */
  tq(sql: string): Promise<Row[]>;
  t: string;
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const pairs = (rows: Row[]): Map<string | null, string | null> => new Map(rows.map((r) => [str(r.k), str(r.v)]));

/** Each platform's structural checks (the ones the in-process platform tests make). */
const PLATFORM_CHECKS: Record<Platform, { name: string; check(c: Ctx): Promise<void> }[]> = {
  cargowise: [
    {
      name: 'shipment→account, container→shipment and invoice→shipment references point at the rows the source named',
      async check({ s, q, tq, t }) {
        const ship = await tq(`SELECT s.source_id AS k, a.source_id AS v FROM ${t}.shipments s LEFT JOIN ${t}.accounts a ON a.id = s.account_id WHERE s.source_entity = 'Shipment'`);
        const srcShip = pairs(await s(`SELECT ${q('JS_PK')} AS k, ${q('JS_OH_Client')} AS v FROM ${q('JobShipment')}`));
        expect(ship.length).toBe(srcShip.size);
        expect(ship.filter((r) => str(r.v) !== null).length).toBeGreaterThan(0);
        for (const r of ship) expect([r.k, str(r.v)]).toEqual([r.k, srcShip.get(str(r.k))]);

        const cont = await tq(`SELECT c.source_id AS k, s.source_id AS v FROM ${t}.shipment_containers c JOIN ${t}.shipments s ON s.id = c.shipment_id`);
        const srcCont = pairs(await s(`SELECT ${q('JC_PK')} AS k, ${q('JC_JS')} AS v FROM ${q('JobContainer')}`));
        expect(cont.length).toBe(srcCont.size);
        for (const r of cont) expect([r.k, r.v]).toEqual([r.k, srcCont.get(str(r.k))]);

        const inv = await tq(`SELECT i.source_id AS k, s.source_id AS v FROM ${t}.invoices i JOIN ${t}.shipments s ON s.id = i.shipment_id`);
        const srcInv = pairs(await s(`SELECT h.${q('AH_PK')} AS k, j.${q('JH_ParentID')} AS v FROM ${q('AccTransactionHeader')} h JOIN ${q('JobHeader')} j ON j.${q('JH_PK')} = h.${q('AH_JH')}`));
        expect(inv.length).toBe(srcInv.size);
        for (const r of inv) expect([r.k, r.v]).toEqual([r.k, srcInv.get(str(r.k))]);
      },
    },
    {
      name: 'multi-leg routing comes out as ordered legs 1..n per shipment',
      async check({ s, q, tq, t }) {
        const legs = await tq(`SELECT s.source_id, array_agg(l.leg_sequence ORDER BY l.leg_sequence) AS seq FROM ${t}.quote_legs l JOIN ${t}.shipments s ON s.id = l.shipment_id GROUP BY s.source_id`);
        expect(legs.length).toBe(Number((await s(`SELECT COUNT(DISTINCT ${q('JW_ParentGUID')}) AS n FROM ${q('JobRouting')}`))[0]!.n));
        expect(legs.length).toBeGreaterThan(0);
        for (const l of legs) expect(l.seq).toEqual([1, 2]);
      },
    },
    {
      name: 'consols come out as masters whose house shipments point at them',
      async check({ s, q, tq, t }) {
        const masters = await tq(`SELECT m.source_id, m.is_master, count(c.id) AS children FROM ${t}.shipments m LEFT JOIN ${t}.shipments c ON c.master_shipment_id = m.id WHERE m.source_entity = 'Consol' GROUP BY m.source_id, m.is_master`);
        const links = new Map((await s(`SELECT ${q('JN_JK')} AS k, COUNT(*) AS n FROM ${q('JobConShipLink')} GROUP BY ${q('JN_JK')}`)).map((r) => [str(r.k), Number(r.n)]));
        expect(masters.length).toBe(Number((await s(`SELECT COUNT(*) AS n FROM ${q('JobConsol')}`))[0]!.n));
        for (const m of masters) expect([m.source_id, m.is_master, Number(m.children)]).toEqual([m.source_id, true, links.get(str(m.source_id)) ?? 0]);
        expect([...links.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      },
    },
  ],
  'sap-tm': [
    {
      name: 'freight orders come out as masters with freight units, stages as ordered legs, and every charge element under an invoice of a shipment',
      async check({ s, q, tq, t }) {
        const [m] = await tq(`SELECT count(*) FILTER (WHERE is_master) AS masters, count(*) FILTER (WHERE shipment_type = 'FU' AND NOT is_master) AS units FROM ${t}.shipments`);
        expect(Number(m!.masters)).toBeGreaterThan(0);
        expect(Number(m!.units)).toBeGreaterThan(0);
        const legs = await tq(`SELECT array_agg(leg_sequence ORDER BY leg_sequence) AS s FROM ${t}.quote_legs GROUP BY shipment_id`);
        expect(legs.length).toBeGreaterThan(0);
        for (const l of legs) expect(l.s).toEqual([1, 2]);
        const [c] = await tq(`SELECT count(*) AS n FROM ${t}.invoice_charges ch JOIN ${t}.invoices i ON i.id = ch.invoice_id JOIN ${t}.shipments s ON s.id = i.shipment_id`);
        expect(Number(c!.n)).toBe(Number((await s(`SELECT COUNT(*) AS n FROM ${q('SCMTMS_D_TCHRGE')}`))[0]!.n));
      },
    },
  ],
  'oracle-tm': [
    {
      name: 'order releases point at their master shipment and stops come out as ordered legs',
      async check({ s, q, tq, t }) {
        const rel = await tq(`SELECT r.source_id AS k, m.source_id AS v FROM ${t}.shipments r JOIN ${t}.shipments m ON m.id = r.master_shipment_id WHERE r.source_entity = 'OrderRelease'`);
        const links = pairs(await s(`SELECT ${q('ORDER_RELEASE_GID')} AS k, ${q('SHIPMENT_GID')} AS v FROM ${q('ORDER_MOVEMENT')}`));
        expect(rel.length).toBe(links.size);
        expect(rel.length).toBeGreaterThan(0);
        for (const r of rel) expect([r.k, r.v]).toEqual([r.k, links.get(str(r.k))]);
        const legs = await tq(`SELECT array_agg(leg_sequence ORDER BY leg_sequence) AS s FROM ${t}.quote_legs GROUP BY shipment_id`);
        expect(legs.length).toBeGreaterThan(0);
        for (const l of legs) expect(l.s).toEqual([1, 2, 3]);
      },
    },
  ],
};

const COMBOS: [Platform, Dialect][] = (['cargowise', 'sap-tm', 'oracle-tm'] as const).flatMap((p) => (['postgres', 'mysql'] as const).map((d): [Platform, Dialect] => [p, d]));

let gw: TestSchema;
let cp: Child;
let port: number;
let work: string;
let secrets: Awaited<ReturnType<typeof testSecretStore>>;

beforeAll(async () => {
  gw = await createTestSchema('platgw');
  await migrate(gw.pool, 'control', gw.schema);
  work = mkdtempSync(path.join(tmpdir(), 'nexus-platforms-e2e-'));
  // The local UI's job: the source password goes into the real OS keychain, outside the data dir.
  secrets = await testSecretStore();
  await secrets.set('connection:src', PASSWORD);
  port = await freePort();
  cp = forkChild('control-plane/agent-gateway/testing/cp-child.ts', {
    DATABASE_URL: TEST_DATABASE_URL, CONTROL_SCHEMA: gw.schema, CP_PORT: String(port), TRANSPORT_KEY: JSON.stringify(transportKey), CP_HEARTBEAT_MS: '1000',
  });
  await cp.ready;
}, 30_000);

afterAll(async () => {
  if (cp) await killHard(cp);
  await secrets?.delete('connection:src');
  await gw?.drop();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A MariaDB login that can only read the sample database, with the keychain password. */
async function mariadbReader(database: string): Promise<{ user: string; drop(): Promise<void> }> {
  const user = `e2e_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection(TEST_MYSQL_URL);
  try {
    await admin.query(`CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [user, PASSWORD]);
    await admin.query(`GRANT SELECT ON \`${database}\`.* TO ?@'127.0.0.1'`, [user]);
  } finally {
    await admin.end();
  }
  return {
    user,
    async drop() {
      const c = await mysql.createConnection(TEST_MYSQL_URL);
      try {
        await c.query(`DROP USER IF EXISTS ?@'127.0.0.1'`, [user]);
      } finally {
        await c.end();
      }
    },
  };
}

describe.each(COMBOS)('given a %s sample database in %s read by the agent process', (platform, dialect) => {
  let src: SampleFixture;
  let env: EngineEnv;
  let agent: Child | undefined;
  let reader: { user: string; drop(): Promise<void> } | undefined;
  let result: { status: string; error?: string; totals: EntityCounts; entities: EntityCounts[] };
  let ctx: Ctx;
  const mappingYaml = readFileSync(new URL(`../../connectors/${platform}/mapping.yaml`, import.meta.url), 'utf8');

  beforeAll(async () => {
    src = await sampleFixture(dialect, platform, ROWS, SEED);
    env = await createEngineEnv([], TENANT);
    let connection: Record<string, unknown>;
    if (dialect === 'postgres') {
      connection = { type: 'postgres', host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres', schema: src.connection.schema };
    } else {
      const u = new URL(src.connection.url!);
      reader = await mariadbReader(u.pathname.slice(1));
      connection = { type: 'mysql', host: u.hostname, port: Number(u.port || 3306), database: u.pathname.slice(1), user: reader.user };
    }
    const { token } = (await cp.request({ cmd: 'token', tenantId: TENANT })) as { token: string };
    agent = forkChild('agent/core/testing/agent-child.ts', {
      AGENT_DATA_DIR: path.join(work, `${platform}-${dialect}`), KEYCHAIN_SERVICE: secrets.service, SOURCE_FACTORY: 'sql',
      CONNECTION: JSON.stringify({ ...connection, platform, passwordAccount: 'connection:src' }),
      AGENT_CONFIG: JSON.stringify({ backoff: { baseMs: 50, maxMs: 400 }, heartbeatMs: 500, batchSize: 200 }),
      ENROLL_URL: `ws://127.0.0.1:${port}/agent/ws`, ENROLL_TOKEN: token,
    });
    try {
      const agentId = (await agent.ready).agentId as string;
      await cp.request({ cmd: 'waitForAgent', agentId });
      const { jobId } = (await cp.request({ cmd: 'call', agentId, method: 'start_job', params: { connection: 'src' } })) as { jobId: string };
      result = (await cp.request({
        cmd: 'runMigration', jobId, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: TENANT,
        targetSchema: env.targetSchema, engineControlSchema: env.controlSchema, batchSize: 200,
      })) as typeof result;
      await until(async () => (await gw.pool.query(`SELECT state FROM "${gw.schema}".agent_jobs WHERE id = $1`, [jobId])).rows[0]?.state === 'completed', 'agent job completed', 30_000, 100);
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- agent stderr ---\n${agent.stderr().slice(-1500)}\n--- cp stderr ---\n${cp.stderr().slice(-1500)}`;
      throw err;
    } finally {
      await killHard(agent);
    }
    ctx = {
      src, s: (sql) => src.exec(sql), q: (i) => src.q(i),
      tq: async (sql) => (await env.pool.query(sql)).rows as Row[], t: `"${env.targetSchema}"`,
    };
  }, 60_000);

  afterAll(async () => {
    if (agent) await killHard(agent);
    await env?.drop();
    await src?.drop();
    await reader?.drop();
  });

  it('then the run completes, every entity reconciles, and each entity extracted exactly its source table rows', async () => {
    expect([result.status, result.error]).toEqual(['completed', undefined]);
    expect(result.totals.reconciles).toBe(true);
    expect(result.totals.quarantined).toBe(0);
    const tables = new Map(loadPlatformDescription(platform).entities.filter((e) => !e.internal).map((e) => [e.entity, e.table]));
    expect(result.entities.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const e of result.entities) {
      const { entity, extracted, created, updated, unchanged, deleted, quarantined, skipped } = e;
      const notInMapping = e.notInMapping ?? 0;
      expect([entity, extracted]).toEqual([entity, created + updated + unchanged + deleted + quarantined + skipped + notInMapping]);
      expect(e.reconciles).toBe(true);
      const table = tables.get(entity);
      expect(table, `entity ${entity} is one of the platform's`).toBeDefined();
      const [{ n }] = (await src.exec(`SELECT COUNT(*) AS n FROM ${src.q(table!)}`)) as [{ n: unknown }];
      expect([entity, extracted]).toEqual([entity, Number(n)]);
      // Tables the mapping does not use are read and counted (not in mapping), never loaded.
      if (notInMapping === 0) seen.add(entity);
      else expect([entity, created + updated + unchanged]).toEqual([entity, 0]);
    }
    // Every entity the platform's mapping names was read by the agent and loaded.
    expect([...seen].sort()).toEqual(Object.keys((parseYaml(mappingYaml) as { entities: Record<string, unknown> }).entities).sort());
  });

  it.each(PLATFORM_CHECKS[platform].map((c) => [c.name, c] as const))('then %s', async (_name, c) => {
    await c.check(ctx);
  });
});
