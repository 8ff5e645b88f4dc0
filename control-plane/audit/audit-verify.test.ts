/**
 * The hash-chained audit log against a superuser who edits it in SQL: every edit, deletion,
 * reordering, recomputed chain and cut tail is found, at the right entry; an untouched log verifies.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, TEST_DATABASE_URL, type TestSchema } from '../../test/support/pg.ts';
import { migrate } from '../db/migrate.ts';
import { qualified } from '../db/sql/ident.ts';
import { audit } from '../api/audit.ts';
import { anchorFilePath, anchorHeads } from './anchor.ts';
import { verifyAudit } from './verify.ts';

const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
let work: string;
const schemas: TestSchema[] = [];

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'audit-'));
});
afterAll(async () => {
  for (const s of schemas) await s.drop();
  rmSync(work, { recursive: true, force: true });
});

/** A control schema holding 6 entries for tenant A, 2 for B and 1 system entry, and its own anchor files. */
async function seeded(name: string): Promise<{ s: TestSchema; env: NodeJS.ProcessEnv; sql(q: string): Promise<pg.QueryResult> }> {
  const s = await createTestSchema('audit');
  schemas.push(s);
  await migrate(s.pool, 'control', s.schema);
  const env = { ...process.env, NEXUS_AUDIT_ANCHOR_FILE: path.join(work, `${name}.jsonl`), NEXUS_AUDIT_ANCHOR_KEY_FILE: path.join(work, `${name}.pem`) };
  const c = await s.pool.connect();
  try {
    for (let i = 1; i <= 6; i++) await audit(c, { tenantId: A, actor: 'user:a@example.com' }, '10.0.0.1', { action: `migration.step${i}`, target: `m${i}`, details: { n: i, note: 'é ✓ "quoted"' } });
    for (let i = 1; i <= 2; i++) await audit(c, { tenantId: B, actor: 'key:abc' }, null, { action: `agent.revoke`, target: `a${i}` });
    await c.query(`INSERT INTO ${qualified(s.schema, 'audit_log')} (tenant_id, actor, action) VALUES (NULL, 'agent-enroll:x', 'agent.enroll_refused')`);
  } finally {
    c.release();
  }
  const sql = async (q: string) => {
    const su = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await su.connect();
    try {
      await su.query(`SET search_path TO "${s.schema}"`);
      await su.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update');
      const r = await su.query(q);
      await su.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update');
      return r;
    } finally {
      await su.end();
    }
  };
  return { s, env, sql };
}

const idOf = (seq: number) => `(SELECT id FROM audit_log WHERE tenant_id = '${A}' AND seq = ${seq})`;

describe('audit verify', () => {
  it('given an untouched log, then every chain verifies, before and after anchoring', async () => {
    const { s, env } = await seeded('clean');
    expect((await verifyAudit(s.pool, s.schema, { env })).ok).toBe(true);
    expect((await anchorHeads(s.pool, s.schema, env)).map((a) => [a.tenant, a.seq]).sort()).toEqual([['', 1], [A, 6], [B, 2]]);
    const v = await verifyAudit(s.pool, s.schema, { env });
    expect(v).toMatchObject({ ok: true, breaks: [], anchorProblems: [] });
    expect(v.chains.find((c) => c.tenant === A)).toEqual({ tenant: A, length: 6, anchoredUpTo: 6 });
  });

  const tampering: { name: string; sql: string; position: number; reason: RegExp }[] = [
    { name: 'an edited detail', sql: `UPDATE audit_log SET details = '{"n": 99}' WHERE id = ${idOf(3)}`, position: 3, reason: /changed after it was written/ },
    { name: 'an edited actor', sql: `UPDATE audit_log SET actor = 'user:mallory@example.com' WHERE id = ${idOf(5)}`, position: 5, reason: /changed after it was written/ },
    { name: 'a moved timestamp', sql: `UPDATE audit_log SET ts = ts - interval '1 day' WHERE id = ${idOf(2)}`, position: 2, reason: /changed after it was written/ },
    { name: 'a deleted entry', sql: `DELETE FROM audit_log WHERE id = ${idOf(2)}`, position: 2, reason: /deleted or the order changed/ },
    { name: 'two entries swapped by seq', sql: `DROP INDEX audit_log_chain_seq; UPDATE audit_log SET seq = CASE seq WHEN 3 THEN 4 ELSE 3 END WHERE tenant_id = '${A}' AND seq IN (3, 4)`, position: 3, reason: /order changed|does not link/ },
    { name: 'two entries swapped whole (all but id)', sql: `DROP INDEX audit_log_chain_seq; WITH x AS (SELECT id, seq FROM audit_log WHERE tenant_id = '${A}' AND seq IN (4, 5)) UPDATE audit_log a SET seq = 9 - a.seq FROM x WHERE a.id = x.id`, position: 4, reason: /order changed|does not link/ },
    { name: 'an entry written with the chain trigger off', sql: `ALTER TABLE audit_log DISABLE TRIGGER audit_log_chain; INSERT INTO audit_log (tenant_id, actor, action) VALUES ('${A}', 'x', 'forged'); ALTER TABLE audit_log ENABLE TRIGGER audit_log_chain`, position: 1, reason: /no chain fields/ },
  ];
  it.each(tampering)('given $name in tenant A, then verify fails at entry $position and tenant B still verifies', async ({ name, sql: q, position, reason }) => {
    const { s, env, sql } = await seeded(name.replace(/\W+/g, '-'));
    await sql(q);
    const v = await verifyAudit(s.pool, s.schema, { env });
    expect(v.ok).toBe(false);
    expect(v.breaks).toHaveLength(1);
    expect(v.breaks[0]).toMatchObject({ tenant: A, position });
    expect(v.breaks[0]!.reason).toMatch(reason);
    expect((await verifyAudit(s.pool, s.schema, { tenant: B, env })).ok).toBe(true);
  });

  it('given the whole chain recomputed after an edit, then the links hold but the signed anchor catches it', async () => {
    const { s, env, sql } = await seeded('recomputed');
    await anchorHeads(s.pool, s.schema, env);
    await sql(`UPDATE audit_log SET details = '{"n": 42}' WHERE id = ${idOf(2)}`);
    // What an attacker with superuser rights does next: recompute every hash from entry 2 on.
    await sql(`DO $$ DECLARE r audit_log; prev text; BEGIN
      SELECT hash INTO prev FROM audit_log WHERE tenant_id = '${A}' AND seq = 1;
      FOR r IN SELECT * FROM audit_log WHERE tenant_id = '${A}' AND seq >= 2 ORDER BY seq LOOP
        r.prev_hash := prev;
        r.hash := encode(sha256(convert_to(prev || E'\\x1e' || audit_entry_text(r), 'UTF8')), 'hex');
        UPDATE audit_log SET prev_hash = r.prev_hash, hash = r.hash WHERE id = r.id; prev := r.hash;
      END LOOP; END $$`);
    const noAnchors = await verifyAudit(s.pool, s.schema, { env: { ...env, NEXUS_AUDIT_ANCHOR_FILE: path.join(work, 'none.jsonl') } });
    expect(noAnchors.breaks).toEqual([]);
    const v = await verifyAudit(s.pool, s.schema, { env });
    expect(v.ok).toBe(false);
    expect(v.breaks).toEqual([expect.objectContaining({ tenant: A, position: 6, reason: expect.stringMatching(/rewritten/) })]);
  });

  it('given the tail cut after anchoring, then verify says where the chain ends and what was anchored', async () => {
    const { s, env, sql } = await seeded('cut');
    await anchorHeads(s.pool, s.schema, env);
    await sql(`DELETE FROM audit_log WHERE tenant_id = '${A}' AND seq >= 5`);
    const v = await verifyAudit(s.pool, s.schema, { env });
    expect(v.ok).toBe(false);
    expect(v.breaks[0]).toMatchObject({ tenant: A, position: 5 });
    expect(v.breaks[0]!.reason).toMatch(/ends at entry 4, but entry 6 was anchored/);
  });

  it('given an edited anchor file, then verify fails and names the line', async () => {
    const { s, env } = await seeded('anchor-edit');
    await anchorHeads(s.pool, s.schema, env);
    const file = anchorFilePath(env);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"seq":6/, '"seq":5'));
    const v = await verifyAudit(s.pool, s.schema, { env });
    expect(v.ok).toBe(false);
    expect(v.anchorProblems.join('\n')).toMatch(/line \d+: signature does not verify/);
  });

  it('given the CLI, then `audit verify` exits 0 on a clean log and 1 naming the entry on an edited one', async () => {
    const { s, env, sql } = await seeded('cli');
    const tgt = await createTestSchema('audit_tgt');
    schemas.push(tgt);
    const cli = (args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'bin/nexus-migrate.mjs'), ...args], {
      cwd: REPO, encoding: 'utf8', timeout: 60_000,
      env: { ...env, DATABASE_URL: TEST_DATABASE_URL, NEXUS_CONTROL_SCHEMA: s.schema, NEXUS_TARGET_SCHEMA: tgt.schema },
    });
    expect(cli(['audit', 'anchor']).stdout).toMatch(/3 chain head\(s\) anchored/);
    const ok = cli(['audit', 'verify']);
    expect(ok.stdout).toMatch(new RegExp(`✓ tenant ${A}: 6 entries, anchored up to entry 6`));
    expect(ok.status).toBe(0);
    await sql(`UPDATE audit_log SET target = 'other' WHERE id = ${idOf(4)}`);
    const bad = cli(['audit', 'verify', '--tenant', A]);
    expect(bad.stdout).toMatch(/breaks at entry 4: audit row \d+ \(migration.step4\) was changed/);
    expect(bad.status).toBe(1);
    expect(cli(['audit', 'verify', '--tenant', 'nope']).status).toBe(2);
  });
});
