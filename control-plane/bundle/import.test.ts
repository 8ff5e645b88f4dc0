import { mkdtemp, readFile, rm, writeFile, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTransportKeyPair } from '../../shared/crypto/index.ts';
import { uuidv5 } from '../../shared/ids.ts';
import { createTestSchema, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { runMigration } from '../engine/run.ts';
import { writeBundle } from '../../agent/bundle/writer.ts';
import { syntheticSource } from '../bench/synthetic-source.ts';
import { BundleRejectedError, importBundle } from './importer.ts';
import { memoryAgents, testAgent } from './testing/test-agent.ts';

const TENANT = uuidv5('bundle-import-tenant');
const FRANCHISE = uuidv5('bundle-import-franchise');
const MAPPING = new URL('../bench/mapping.yaml', import.meta.url);
const RECORDS = 600;
const signer = testAgent(TENANT);
const agents = memoryAgents(signer);

interface Target { t: TestSchema; c: TestSchema }
async function target(): Promise<Target> {
  const t = await createTestSchema('bi_t');
  const c = await createTestSchema('bi_c');
  await migrate(t.pool, 'target', t.schema);
  await migrate(c.pool, 'control', c.schema);
  await t.pool.query('INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)', [TENANT, 'Bundle', 'bundle']);
  await t.pool.query('INSERT INTO franchises (id, tenant_id, name) VALUES ($1, $2, $3)', [FRANCHISE, TENANT, 'HQ']);
  return { t, c };
}

async function rowCount(db: TestSchema, table: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
  return Number(rows[0]!.n);
}

describe('bundle import through the engine', () => {
  const key = generateTransportKeyPair();
  let dir: string;
  let file: string;
  let mappingYaml: string;
  const dbs: Target[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bundle-import-'));
    file = path.join(dir, 'export.nxb');
    mappingYaml = await readFile(MAPPING, 'utf8');
    await writeBundle({ source: syntheticSource({ records: RECORDS, seed: 11 }), tenantId: TENANT, recipientPublicKey: key.publicKey, out: file, batchSize: 300, signer: signer.signer });
  });
  afterAll(async () => {
    for (const d of dbs) {
      await d.t.drop();
      await d.c.drop();
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('given the same source exported to a bundle, then importing it gives the same counts and rows as a live run, and importing it again is refused as a replay', async () => {
    const live = await target();
    const imported = await target();
    dbs.push(live, imported);
    const vars = { FRANCHISE_ID: FRANCHISE };
    const liveReport = await runMigration({ pool: live.t.pool, source: syntheticSource({ records: RECORDS, seed: 11 }), mappingYaml, vars, tenantId: TENANT, targetSchema: live.t.schema, controlSchema: live.c.schema, mode: 'run' });
    const { report, bundle } = await importBundle({ file, tenantId: TENANT, key, pool: imported.t.pool, mappingYaml, vars, targetSchema: imported.t.schema, controlSchema: imported.c.schema, agents });
    expect(liveReport.status).toBe('completed');
    expect(report.status).toBe('completed');
    expect(bundle.manifest.totalRows).toBe(RECORDS);
    const counts = (r: typeof report): unknown => r.entities.map(({ entity, target, extracted, created, updated, unchanged, deleted, quarantined, skipped }) => ({ entity, target, extracted, created, updated, unchanged, deleted, quarantined, skipped }));
    expect(counts(report)).toEqual(counts(liveReport));
    expect(report.totals.extracted).toBe(RECORDS);
    expect(report.totals.created).toBe(RECORDS);
    // Same deterministic ids and values, row for row.
    const q = 'SELECT id, name, parent_account_id, annual_revenue FROM accounts ORDER BY id';
    expect((await imported.t.pool.query(q)).rows).toEqual((await live.t.pool.query(q)).rows);

    // The same bundle again is a replay (issue 11): refused before the engine runs.
    const again = await importBundle({ file, tenantId: TENANT, key, pool: imported.t.pool, mappingYaml, vars, targetSchema: imported.t.schema, controlSchema: imported.c.schema, runKey: 'second-import', agents }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(BundleRejectedError);
    expect((again as BundleRejectedError).reason).toBe('replay');
  });

  it('given a tampered bundle, then import fails before the engine runs and no row is loaded', async () => {
    const db = await target();
    dbs.push(db);
    const bad = path.join(dir, 'tampered.nxb');
    await writeFile(bad, await readFile(file));
    const fh = await open(bad, 'r+');
    try {
      // Damage bytes near the end: the first frames stay valid, so a non-verifying importer would load them.
      const size = (await fh.stat()).size;
      await fh.write(Buffer.from([0x00, 0x01, 0x02]), 0, 3, size - 400);
    } finally {
      await fh.close();
    }
    let engineCalled = false;
    const err = await importBundle({
      file: bad, tenantId: TENANT, key, pool: db.t.pool, mappingYaml, vars: { FRANCHISE_ID: FRANCHISE }, targetSchema: db.t.schema, controlSchema: db.c.schema, agents,
      runMigration: async (o) => {
        engineCalled = true;
        return runMigration(o);
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BundleRejectedError);
    expect(engineCalled).toBe(false);
    for (const t of ['accounts', 'contacts', 'shipments', 'invoices']) expect(await rowCount(db.t, t)).toBe(0);
  });
});
