/**
 * Pipedrive end to end through the real CLI: `nexus-migrate run --source pipedrive` against the
 * emulator into Postgres reconciles; then `--incremental` picks up exactly the edited (including
 * ties at the high-water update_time) and deleted records.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { TEST_DATABASE_URL } from '../../test/support/pg.ts';
import type { RunReport } from '../../control-plane/report/types.ts';
import { startEmulator, type PipedriveEmulatorHandle } from './emulator/index.ts';

const BIN = new URL('../../bin/nexus-migrate.mjs', import.meta.url).pathname;
let env: EngineEnv | undefined;
let em: PipedriveEmulatorHandle | undefined;
let work: string | undefined;
afterEach(async () => {
  await env?.drop();
  await em?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  env = em = work = undefined;
});

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (out += c.toString()));
    p.on('exit', (code) => resolve({ code, out }));
  });
}

const reportOf = (out: string): RunReport => JSON.parse(readFileSync(/(\S+\.json)\s*$/m.exec(out)![1]!, 'utf8')) as RunReport;

describe('Pipedrive emulator → nexus-migrate run → Logic Nexus', () => {
  it('given a full run then edits, ties and deletes, then the full run reconciles and the incremental run applies exactly those changes', async () => {
    em = await startEmulator({ records: 12, seed: 5 });
    const ds = em.dataset;
    // Every Pipedrive user but the last exists in Logic Nexus, so one owner goes unmatched.
    env = await createEngineEnv(ds.users.slice(0, -1).map((u) => ({ email: String(u['email']).toUpperCase(), name: String(u['name']) })));
    work = mkdtempSync(path.join(tmpdir(), 'pd-e2e-'));
    const creds = path.join(work, 'creds.json');
    writeFileSync(creds, JSON.stringify(em.credentials));
    const e = env;
    const args = ['run', '--source', 'pipedrive', '--credentials-file', creds, '--base-url', em.url, '--tenant', e.tenantId, '--franchise', e.franchiseId,
      '--target-schema', e.targetSchema, '--control-schema', e.controlSchema, '--report-dir', path.join(work, 'reports'), '--batch-size', '7'];

    const full = await cli(args);
    expect(full.out).not.toContain(em.credentials['apiToken']!);
    expect(full.code, full.out).toBe(0);
    const r1 = reportOf(full.out);
    expect(r1.status).toBe('completed');
    expect(r1.totals.reconciles).toBe(true);
    const created = Object.fromEntries(r1.entities.map((x) => [x.entity, x.created]));
    expect(created).toMatchObject({ organizations: 12, persons: 24, deals: 12, activities: 12, notes: 12 });
    const unmatched = JSON.stringify(r1.warnings.unmatchedOwners);
    expect(unmatched).toContain(String(ds.users[ds.users.length - 1]!['id']));

    const t = e.targetSchema;
    const q = async (sql: string, p: unknown[] = []) => (await e.pool.query(sql, p)).rows;
    const acc = await q(`SELECT a.source_id, a.metadata, u.email FROM "${t}".accounts a LEFT JOIN "${t}".users u ON u.id = a.owner_id ORDER BY a.source_id::int`);
    expect(acc).toHaveLength(12);
    for (const a of acc) {
      const src = ds.records.organizations.get(Number(a.source_id))!;
      const owner = ds.users.find((u) => u['id'] === src['owner_id'])!;
      const seeded = owner !== ds.users[ds.users.length - 1];
      expect(a.email?.toLowerCase() ?? null).toBe(seeded ? String(owner['email']) : null);
    }
    // Custom fields by hash key land in metadata with their source values.
    const tierKey = Object.keys(ds.records.organizations.get(1)!['custom_fields'] as object)[0]!;
    expect(acc[0].metadata.source[tierKey]).toBe((ds.records.organizations.get(1)!['custom_fields'] as Record<string, unknown>)[tierKey]);
    const contacts = await q(`SELECT c.source_id, a.source_id AS org FROM "${t}".contacts c JOIN "${t}".accounts a ON a.id = c.account_id`);
    expect(contacts).toHaveLength(24);
    for (const c of contacts) expect(Number(c.org)).toBe(ds.records.persons.get(Number(c.source_id))!['org_id']);
    const stages = new Map((await q(`SELECT source_id, stage FROM "${t}".opportunities`)).map((r) => [Number(r.source_id), r.stage]));
    for (const [id, d] of ds.records.deals) if (d['status'] === 'won') expect(stages.get(id)).toBe('closed_won');
    const kinds = await q(`SELECT count(*)::int AS n FROM "${t}".activities WHERE activity_type = 'note'`);
    expect(kinds[0].n).toBe(12);

    // Changes: ties at the high-water update_time (a record never at the boundary and the boundary record), a later edit, deletes.
    const hw = Math.max(...ds.list('organizations').map((o) => ds.msOf('organizations', o)));
    ds.edit('organizations', 4, { name: 'Tie Other Freight' }, hw);
    ds.edit('organizations', 12, { name: 'Tie Boundary Freight' }, hw);
    ds.edit('organizations', 6, { name: 'Later Edit Freight' }, hw + 5000);
    const personHw = Math.max(...ds.list('persons').map((p) => ds.msOf('persons', p)));
    ds.edit('persons', 100_003, { last_name: 'Tiedperson' }, personHw);
    ds.remove('activities', 700_002, Date.now());
    ds.remove('notes', 800_004, Date.now());

    const inc = await cli([...args, '--incremental']);
    expect(inc.code, inc.out).toBe(0);
    const r2 = reportOf(inc.out);
    expect(r2.totals.reconciles).toBe(true);
    const of = (entity: string) => r2.entities.find((x) => x.entity === entity)!;
    expect([of('organizations').updated, of('persons').updated, of('activities').deleted, of('notes').deleted]).toEqual([3, 1, 1, 1]);
    expect([r2.totals.created, r2.totals.updated, r2.totals.deleted, r2.totals.quarantined]).toEqual([0, 4, 2, 0]);
    expect(r2.entities.filter((x) => x.target !== 'users').reduce((n, x) => n + x.extracted, 0)).toBeLessThan(20);

    const names = new Map((await q(`SELECT source_id, name FROM "${t}".accounts`)).map((r) => [r.source_id, r.name]));
    expect([names.get('4'), names.get('12'), names.get('6')]).toEqual(['Tie Other Freight', 'Tie Boundary Freight', 'Later Edit Freight']);
    expect((await q(`SELECT last_name FROM "${t}".contacts WHERE source_id = '100003'`))[0].last_name).toBe('Tiedperson');
    expect(await q(`SELECT source_id FROM "${t}".activities WHERE source_id IN ('700002', '800004')`)).toEqual([]);
  }, 120_000);
});
