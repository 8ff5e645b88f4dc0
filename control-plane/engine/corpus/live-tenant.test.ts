/**
 * Live tenants (issue 10, point 7): a target that already holds accounts and contacts nexus-migrate did
 * not create, loaded with `match:` rules, on real PostgreSQL from a CSV folder and a PostgreSQL source.
 * No duplicates (SQL), matched rows hold the declared values, ambiguous matches are quarantined naming
 * record and field, the dry run's counts are the run's, the report reconciles, the re-run changes
 * nothing, and rollback restores the target's checksums, the rows the match updated included.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollbackRun } from '../rollback.ts';
import { runMigration } from '../run.ts';
import type { EngineEnv } from '../../../test/support/engine.ts';
import type { RunReport } from '../../report/types.ts';
import { checksum, runCase, withCase, type Shared } from './harness.ts';
import { caseMapping } from './mapping.ts';
import { countsOf, sameCounts } from './checks.ts';
import { acct, person } from './cases-csv.ts';
import type { CorpusCase } from './types.ts';
import { liveRows, seedLiveTenant } from './live-seed.ts';
import { runMigrateCli } from '../../../test/support/cli-run.ts';

const shared: Shared = { work: '', asciiUrl: '' };
beforeAll(() => {
  shared.work = mkdtempSync(path.join(tmpdir(), 'trust-live-'));
});
afterAll(() => rmSync(shared.work, { recursive: true, force: true }));

/** Accounts by website domain, else name and billing country; contacts by email. */
const MATCH = {
  acct: {
    fields: { billing_address: { address: { country: 'country' } }, parent_account_id: { from: 'parent', ref: { entity: 'acct' } } },
    match: { by: [{ column: 'website', normalize: 'domain' }, ['name', 'billing_address.country']], update: ['code', 'annual_revenue', 'employee_count'] },
  },
  person: { match: { by: [{ column: 'email', normalize: 'email' }] } },
};

const liveCase = (via: 'csv' | 'pg', mapping: CorpusCase['mapping'] = { entities: MATCH }): CorpusCase => ({
  name: `live tenant (${via})`, via, mapping,
  rows: {
    acct: [
      acct('a1', { name: 'ACME freight', web: 'acme.example', country: 'DE' }), // L1 by domain
      acct('a2', { name: ' beta   gmbh', web: null, country: 'de' }), // L2 and L3: ambiguous
      acct('a3', { name: 'Gamma', web: null, country: 'DE', parent: 'a1' }), // L4 is in FR: new, under the matched L1
      acct('a4', { name: 'New Co', web: 'https://new.example', country: 'US', parent: 'a3' }),
      acct('a5', { name: 'gamma', web: null, country: 'fr' }), // L4 by name and country
    ],
    person: [
      person('p1', 'a1', { email: ' JANE@example.com' }), // C1, now under the matched account L1
      person('p2', null, { email: 'dup@example.com' }), // C2 and C3: ambiguous
      person('p3', 'a4', { email: 'new@example.com' }),
      person('p4', null, { email: 'Solo@Example.com' }), // C4
      person('p5', null, { email: 'jane@example.com' }), // C1 again: another record already matched it
      person('p6', null, { email: 'solo@example.com ' }), // C4 again, in the same batch as p4
    ],
  },
});

async function sql<T = Record<string, unknown>>(env: EngineEnv, text: string, params: unknown[] = []): Promise<T[]> {
  return (await env.pool.query(text.replaceAll('$T', `"${env.targetSchema}"`).replaceAll('$C', `"${env.controlSchema}"`), params)).rows as T[];
}

const entityOf = (r: RunReport, e: string) => r.entities.find((x) => x.entity === e)!;

describe.concurrent('live tenant: match rules', () => {
  it.each(['csv', 'pg'] as const)('given a %s source and a tenant already holding matching accounts and contacts, then no duplicates, declared updates, ambiguous matches quarantined, dry run = run, clean re-run and rollback', async (via) => {
    const c = liveCase(via);
    await withCase(c, shared, async (env, src) => {
      const live = await seedLiveTenant(env);
      const { yaml } = caseMapping(c);
      const before = await checksum(env);
      const dry = await runCase(env, src, yaml, 'dry-run');
      expect(await checksum(env), 'the dry run writes nothing to the target').toEqual(before);
      const real = await runCase(env, src, yaml, 'run');
      expect(real.status).toBe('completed');
      sameCounts(dry, real);
      expect(countsOf(real)).toEqual({
        acct: { extracted: 5, created: 2, updated: 2, unchanged: 0, deleted: 0, quarantined: 1, skipped: 0, notInMapping: 0, matched: 2 },
        person: { extracted: 6, created: 1, updated: 2, unchanged: 0, deleted: 0, quarantined: 3, skipped: 0, notInMapping: 0, matched: 2 },
      });
      for (const e of real.entities) expect(e.reconciles, e.entity).toBe(true);
      expect(real.totals.matched).toBe(4);

      // No duplicates: every source record is one row, and the rows the tenant had are still theirs.
      const [{ a, p }] = await sql<{ a: number; p: number }>(env, `SELECT (SELECT count(*)::int FROM $T.accounts WHERE tenant_id = $1) AS a, (SELECT count(*)::int FROM $T.contacts WHERE tenant_id = $1) AS p`, [env.tenantId]);
      expect({ a, p }).toEqual({ a: live.accounts + 2, p: live.contacts + 1 });
      const dupes = await sql(env, `SELECT lower(btrim(email)) AS e FROM $T.contacts WHERE tenant_id = $1 GROUP BY 1 HAVING count(*) > 1`, [env.tenantId]);
      expect(dupes, 'only the pair the tenant already had').toEqual([{ e: 'dup@example.com' }]);

      // Matched rows: the declared columns updated, everything else (id, name, source columns) theirs.
      const l1 = (await sql(env, `SELECT name, code, annual_revenue::text AS rev, employee_count, website, billing_address, source_system, source_id FROM $T.accounts WHERE id = $1`, [liveRows.L1]))[0];
      expect(l1).toEqual({ name: 'Acme Freight', code: 'C-a1', rev: '1000.50', employee_count: 12, website: 'https://www.acme.example/about', billing_address: { country: 'DE' }, source_system: null, source_id: null });
      const l4 = (await sql(env, `SELECT name, code FROM $T.accounts WHERE id = $1`, [liveRows.L4]))[0];
      expect(l4).toEqual({ name: 'Gamma', code: 'C-a5' });
      const c1 = (await sql(env, `SELECT last_name, email, account_id, source_id FROM $T.contacts WHERE id = $1`, [liveRows.C1]))[0];
      expect(c1, 'contact updated, linked to the account its source account matched').toEqual({ last_name: 'Last p1', email: ' JANE@example.com', account_id: liveRows.L1, source_id: null });
      const c4 = (await sql(env, `SELECT last_name, email FROM $T.contacts WHERE id = $1`, [liveRows.C4]))[0];
      expect(c4).toEqual({ last_name: 'Last p4', email: 'Solo@Example.com' });
      const parents = await sql(env, `SELECT x.source_id, x.parent_account_id = $2 AS under_l1, p.source_id AS parent FROM $T.accounts x LEFT JOIN $T.accounts p ON p.id = x.parent_account_id WHERE x.tenant_id = $1 AND x.source_id IN ('a3', 'a4') ORDER BY 1`, [env.tenantId, liveRows.L1]);
      expect(parents, 'self-references (linked after the load) to a matched account point at it').toEqual([{ source_id: 'a3', under_l1: true, parent: null }, { source_id: 'a4', under_l1: false, parent: 'a3' }]);
      const [p3] = await sql<{ account: string }>(env, `SELECT a.source_id AS account FROM $T.contacts x JOIN $T.accounts a ON a.id = x.account_id WHERE x.tenant_id = $1 AND x.source_id = 'p3'`, [env.tenantId]);
      expect(p3?.account).toBe('a4');

      // Ambiguous matches: quarantined with the record and the key's field.
      const q = await sql<{ entity: string; source_id: string; field: string; reason: string }>(env, `SELECT entity, source_id, field, reason FROM $C.quarantine WHERE run_id = $1 ORDER BY entity, source_id`, [real.runId]);
      expect(q.map((r) => [r.entity, r.source_id, r.field])).toEqual([['acct', 'a2', 'name, country'], ['person', 'p2', 'email'], ['person', 'p5', 'email'], ['person', 'p6', 'email']]);
      expect(q[0]!.reason).toMatch(/^ambiguous match: name " beta {3}gmbh" and billing_address\.country "de" matches 2 existing accounts rows \(.*\); a person must decide/);
      expect(q[0]!.reason).toContain(liveRows.L2);
      expect(q[1]!.reason).toMatch(/^ambiguous match: email "dup@example.com" matches 2 existing contacts rows/);
      expect(q[2]!.reason).toMatch(new RegExp(`matches existing contacts row ${liveRows.C1}, which person "p1" already matched;`));
      expect(q[3]!.reason).toMatch(new RegExp(`matches existing contacts row ${liveRows.C4}, which person "p4" already matched earlier in this run;`));

      const loaded = await checksum(env);
      const again = await runCase(env, src, yaml, 'run');
      for (const e of again.entities) {
        const first = entityOf(real, e.entity);
        expect({ created: e.created, updated: e.updated, unchanged: e.unchanged, quarantined: e.quarantined, matched: e.matched }, `${e.entity}: re-run changes nothing`)
          .toEqual({ created: 0, updated: 0, unchanged: first.created + first.updated, quarantined: first.quarantined, matched: first.matched });
      }
      expect(await checksum(env), 're-run leaves the target as it was').toEqual(loaded);
      await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: again.runId });
      await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: real.runId });
      expect(await checksum(env), 'rollback restores the target, the matched rows included').toEqual(before);
      expect(await sql(env, `SELECT * FROM $C.match_links`), 'rollback removes the links').toEqual([]);
    });
  });

  const policies: { name: string; onMatch: 'link' | 'skip'; acct: Record<string, number>; a1Row: 'L1' | null }[] = [
    { name: 'link', onMatch: 'link', acct: { created: 2, updated: 0, unchanged: 2, skipped: 0 }, a1Row: 'L1' },
    { name: 'skip', onMatch: 'skip', acct: { created: 2, updated: 0, unchanged: 0, skipped: 2 }, a1Row: null },
  ];
  it.each(policies)('given onMatch $name, then matched rows are left as they are and children follow the policy', async ({ onMatch, acct: counts, a1Row }) => {
    const c = liveCase('csv', { entities: { acct: { ...MATCH.acct, match: { by: MATCH.acct.match.by, onMatch } } }, top: { orphans: 'null' } });
    await withCase(c, shared, async (env, src) => {
      await seedLiveTenant(env);
      const { yaml } = caseMapping(c);
      const before = await checksum(env);
      const accountsBefore = await sql(env, `SELECT * FROM $T.accounts ORDER BY id`);
      const dry = await runCase(env, src, yaml, 'dry-run');
      const real = await runCase(env, src, yaml, 'run');
      sameCounts(dry, real);
      const a = entityOf(real, 'acct');
      expect({ created: a.created, updated: a.updated, unchanged: a.unchanged, skipped: a.skipped, matched: a.matched }).toEqual({ ...counts, matched: 2 });
      expect(a.reconciles).toBe(true);
      const kept = (await sql(env, `SELECT * FROM $T.accounts ORDER BY id`)).filter((r) => accountsBefore.some((b) => b.id === r.id));
      expect(kept, 'the rows the tenant had are untouched').toEqual(accountsBefore);
      const [p1] = await sql<{ account_id: string | null }>(env, `SELECT account_id FROM $T.contacts WHERE tenant_id = $1 AND source_id = 'p1'`, [env.tenantId]);
      expect(p1?.account_id ?? null, 'p1 points at the matched account (link) or is an orphan (skip)').toBe(a1Row ? liveRows[a1Row] : null);
      await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: real.runId });
      expect(await checksum(env)).toEqual(before);
    });
  });

  const badRules: { name: string; match: unknown; error: RegExp; top?: Record<string, unknown> }[] = [
    { name: 'a key column the table lacks', match: { by: ['e_mail'] }, error: /entity person: match\.by\[0\]: key "e_mail": column e_mail does not exist in contacts/ },
    { name: 'a key column the entity does not map', match: { by: ['phone'] }, error: /entity person: match\.by\[0\]: key "phone": column phone is not mapped by the entity/ },
    { name: 'a jsonb key of a text column', match: { by: ['email.domain'] }, error: /key "email\.domain": email is character varying, not jsonb/ },
    { name: 'an update column the entity does not map', match: { by: ['email'], update: ['title'] }, error: /entity person: match\.update: column "title" is not a column the entity maps/ },
    { name: 'update columns with onMatch link', match: { by: ['email'], onMatch: 'link', update: ['email'] }, error: /entities\.person\.match\.update: match\.update lists columns to write, which only onMatch: update does/ },
    { name: 'an unknown onMatch', match: { by: ['email'], onMatch: 'merge' }, error: /entities\.person\.match\.onMatch: Invalid enum value.*'update' \| 'link' \| 'skip'/ },
    { name: 'no rule', match: { by: [] }, error: /entities\.person\.match\.by: match\.by needs at least one rule/ },
    { name: 'match rules on the owners entity', match: { by: ['email'] }, top: { owners: { entity: 'person', emailField: 'email' } }, error: /entity person: match rules do not apply to the owners entity/ },
    { name: 'an unknown normalizer', match: { by: [{ column: 'email', normalize: 'soundex' }] }, error: /entities\.person\.match\.by\.0/ },
  ];
  it.each(badRules)('given a match rule with $name, then the run is refused with a clear error before anything loads', async ({ match, error, top }) => {
    const c: CorpusCase = { name: 'bad match rule', via: 'csv', rows: { acct: [acct('a1')], person: [person('p1', null)] }, mapping: { entities: { person: { match } }, top } };
    await withCase(c, shared, async (env, src) => {
      const before = await checksum(env);
      const { yaml } = caseMapping(c);
      for (const mode of ['dry-run', 'run'] as const) {
        const source = await src.open();
        await expect(runMigration({ pool: env.pool, source, mappingYaml: yaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId, targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode }))
          .rejects.toThrow(error);
        await source.close();
      }
      expect(await checksum(env)).toEqual(before);
    });
  });

  it('given the real CLI (dry-run, then run) with a mapping file holding match rules, then the dry run shows the matches the run makes, exit 0, and no duplicates', async () => {
    const c: CorpusCase = {
      name: 'live tenant (CLI)', via: 'cli', mapping: { entities: MATCH },
      rows: {
        acct: [acct('a1', { name: 'ACME freight', web: 'acme.example', country: 'DE' }), acct('a4', { name: 'New Co', web: 'https://new.example', country: 'US', parent: null })],
        person: [person('p1', 'a1', { email: 'jane@EXAMPLE.com' }), person('p3', 'a4', { email: 'new@example.com' }), person('p4', null, { email: 'solo@example.com' })],
      },
    };
    await withCase(c, shared, async (env, src) => {
      const live = await seedLiveTenant(env);
      const mappingFile = path.join(src.dir!, 'mapping.yaml');
      writeFileSync(mappingFile, caseMapping(c).yaml);
      const args = ['--source', 'csv', '--path', src.dir!, '--mapping', mappingFile, '--tenant', env.tenantId, '--franchise', env.franchiseId];
      const cli = (command: 'run' | 'dry-run') => runMigrateCli({ targetSchema: env.targetSchema, controlSchema: env.controlSchema, work: src.dir!, command }, args);
      const before = await checksum(env);
      const dry = await cli('dry-run');
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toMatch(/matched to existing rows \(included above\): acct 1, person 2/);
      expect(await checksum(env)).toEqual(before);
      const real = await cli('run');
      expect(real.code, real.out).toBe(0);
      expect(real.out).toMatch(/matched to existing rows \(included above\): acct 1, person 2/);
      sameCounts(dry.report, real.report);
      const html = readFileSync(path.join(src.dir!, 'reports', `run-${real.report.runId}.html`), 'utf8');
      expect(html).toContain('Matched to rows the tenant already had (match rules; included in updated, unchanged and skipped): acct 1, person 2');
      expect(countsOf(real.report).person).toMatchObject({ created: 1, updated: 2, matched: 2, quarantined: 0 });
      const [{ a, p }] = await sql<{ a: number; p: number }>(env, `SELECT (SELECT count(*)::int FROM $T.accounts WHERE tenant_id = $1) AS a, (SELECT count(*)::int FROM $T.contacts WHERE tenant_id = $1) AS p`, [env.tenantId]);
      expect({ a, p }).toEqual({ a: live.accounts + 1, p: live.contacts + 1 });
      const [c1] = await sql(env, `SELECT email, account_id FROM $T.contacts WHERE id = $1`, [liveRows.C1]);
      expect(c1).toEqual({ email: 'jane@EXAMPLE.com', account_id: liveRows.L1 });
      await rollbackRun(env.pool, { controlSchema: env.controlSchema, targetSchema: env.targetSchema, runId: real.report.runId });
      expect(await checksum(env)).toEqual(before);
    });
  });
});
