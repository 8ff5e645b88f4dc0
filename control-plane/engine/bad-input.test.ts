import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigration } from './run.ts';
import { MemorySource } from '../../test/support/memory-source.ts';
import { createEngineEnv, type EngineEnv } from '../../test/support/engine.ts';
import { crmData, testUsers, accId } from './testdata/crm-data.ts';
import type { RunReport } from '../report/types.ts';
import { rejectRecord } from '../../shared/record-batch.ts';

const mappingYaml = readFileSync(new URL('./testdata/crm-mapping.yaml', import.meta.url), 'utf8');
const okAccount = { Name: 'Good', Type: 'Customer', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' };
const okOpp = { Name: 'Deal', AccountId: accId(0), StageName: 'Prospecting', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' };
const okContact = { LastName: 'Smith', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' };

type Case = [name: string, entity: 'Account' | 'Contact' | 'Opportunity' | 'Task', sourceId: string, fields: Record<string, unknown>, reason: RegExp];
const long = (n: number) => 'x'.repeat(n);
const cases: Case[] = [
  ['missing required name', 'Account', 'bad-01', { ...okAccount, Name: null }, /required Name is missing/],
  ['empty required name', 'Account', 'bad-02', { ...okAccount, Name: '' }, /required Name is missing/],
  ['NUL byte in text', 'Account', 'bad-03', { ...okAccount, Name: 'a\u0000b' }, /NUL byte/],
  ['lone surrogate (invalid UTF-8 upstream)', 'Account', 'bad-04', { ...okAccount, Name: 'a\ud800b' }, /invalid Unicode/],
  ['replacement characters from a bad decode', 'Account', 'bad-05', { ...okAccount, Name: 'Caf\ufffd' }, /not valid UTF-8/],
  ['name over the check constraint', 'Account', 'bad-06', { ...okAccount, Name: long(300) }, /rejected by the target database.*accounts_name_check/],
  ['non-numeric revenue', 'Account', 'bad-07', { ...okAccount, AnnualRevenue: 'abc' }, /AnnualRevenue "abc" is not a number/],
  ['revenue in exponent overflow', 'Account', 'bad-08', { ...okAccount, AnnualRevenue: '1e30' }, /overflows numeric\(18,2\)/],
  ['revenue with too many digits', 'Account', 'bad-09', { ...okAccount, AnnualRevenue: '12345678901234567' }, /overflows numeric\(18,2\)/],
  ['fractional employee count', 'Account', 'bad-10', { ...okAccount, NumberOfEmployees: '3.5' }, /not an integer/],
  ['integer overflow', 'Account', 'bad-11', { ...okAccount, NumberOfEmployees: '99999999999' }, /overflows integer/],
  ['negative employees (check constraint)', 'Account', 'bad-12', { ...okAccount, NumberOfEmployees: -5 }, /rejected by the target database.*employee_count/],
  ['website over varchar length', 'Account', 'bad-13', { ...okAccount, Website: long(2000) }, /longer than the column's limit of 1024/],
  ['month 13', 'Account', 'bad-14', { ...okAccount, CreatedDate: '2024-13-01T00:00:00Z' }, /impossible timestamp/],
  ['February 30th', 'Account', 'bad-15', { ...okAccount, CreatedDate: '2023-02-30T00:00:00Z' }, /impossible timestamp/],
  ['timestamp without a zone', 'Account', 'bad-16', { ...okAccount, CreatedDate: '2024-01-01T10:00:00' }, /has no time zone/],
  ['words for a timestamp', 'Account', 'bad-17', { ...okAccount, CreatedDate: 'yesterday' }, /not a timestamp/],
  ['boolean for a timestamp', 'Account', 'bad-18', { ...okAccount, CreatedDate: true }, /expected a timestamp string/],
  ['object for text', 'Account', 'bad-19', { ...okAccount, Name: { first: 'a' } }, /expected text, got object/],
  ['empty source id', 'Account', '', { ...okAccount }, /source id is empty/],
  ['NUL in source id', 'Account', 'bad\u000021', { ...okAccount }, /source id contains a NUL byte/],
  ['blank (spaces only) source id', 'Account', '   ', { ...okAccount }, /missing key: the source id is empty/],
  ['impossible time on a date column (25:00)', 'Opportunity', 'bado-10', { ...okOpp, CloseDate: '2024-06-01T25:00:00Z' }, /"2024-06-01T25:00:00Z" is an impossible timestamp/],
  ['impossible time on a timestamp column (25:00)', 'Account', 'bad-30', { ...okAccount, CreatedDate: '2024-06-01T25:00:00Z' }, /impossible timestamp/],
  ['US-grouped number without a locale', 'Account', 'bad-31', { ...okAccount, AnnualRevenue: '1,234.56' }, /"1,234.56" is not a number \(plain digits with a "\." decimal expected; declare locale/],
  ['grouped integer without a locale', 'Account', 'bad-32', { ...okAccount, NumberOfEmployees: '1,200' }, /"1,200" is not an integer \(plain digits expected; declare locale/],
  ['missing contact last name', 'Contact', 'badc-01', { ...okContact, LastName: null }, /required LastName is missing/],
  ['contact email too long', 'Contact', 'badc-02', { ...okContact, Email: `${long(400)}@x.com` }, /limit of 320/],
  ['orphan under quarantine policy', 'Opportunity', 'bado-01', { ...okOpp, AccountId: accId(9999) }, /references Account "001000000009999", which was not loaded \(orphan\)/],
  ['unmapped picklist value', 'Opportunity', 'bado-02', { ...okOpp, StageName: 'Weird' }, /value "Weird" of StageName has no mapping for stage/],
  ['probability over 100 (check constraint)', 'Opportunity', 'bado-03', { ...okOpp, Probability: 150 }, /rejected by the target database.*probability/],
  ['impossible close date', 'Opportunity', 'bado-04', { ...okOpp, CloseDate: '2024-02-30' }, /impossible date/],
  ['day-first date', 'Opportunity', 'bado-05', { ...okOpp, CloseDate: '30/06/2024' }, /not a date/],
  ['NaN amount', 'Opportunity', 'bado-06', { ...okOpp, Amount: 'NaN' }, /not a number/],
  ['name over varchar(255)', 'Opportunity', 'bado-07', { ...okOpp, Name: long(300) }, /longer than the column's limit of 255/],
  ['SQL Server "no date" sentinel 1753-01-01', 'Opportunity', 'bado-08', { ...okOpp, CloseDate: '1753-01-01' }, /"1753-01-01" is before 1900-01-01, the earliest plausible date \(1753-01-01 is SQL Server datetime's minimum, a common "no date" value\)/],
  ['"no end date" sentinel 9999-12-31', 'Opportunity', 'bado-09', { ...okOpp, CloseDate: '9999-12-31' }, /after 2199-12-31, the latest plausible date \(9999-12-31 is the maximum date/],
  ['SQL Server zero datetime 1900-01-01', 'Account', 'bad-23', { ...okAccount, CreatedDate: '1900-01-01T00:00:00Z' }, /CreatedDate "1900-01-01T00:00:00Z" is not a plausible date \(1900-01-01 is SQL Server's zero datetime/],
  ['year 0001 timestamp', 'Account', 'bad-24', { ...okAccount, CreatedDate: '0001-01-01T00:00:00Z' }, /before 1900-01-01.*set minDate in the mapping/],
  ['far-future timestamp', 'Account', 'bad-25', { ...okAccount, LastModifiedDate: '2250-06-01T00:00:00Z' }, /LastModifiedDate "2250-06-01T00:00:00Z" is after 2199-12-31/],
  ['UTF-8 read as Latin-1 (mojibake)', 'Account', 'bad-26', { ...okAccount, Name: 'SociÃ©tÃ© GÃ©nÃ©rale' }, /Name looks double-encoded \(mojibake\): "Ã©" is the UTF-8 encoding of "é"/],
  ['UTF-8 quote read as Windows-1252', 'Contact', 'badc-03', { ...okContact, LastName: 'Oâ€™Brien' }, /LastName looks double-encoded \(mojibake\): "â€™" is the UTF-8 encoding of "’"/],
  ['mojibake pound sign', 'Account', 'bad-27', { ...okAccount, Website: 'https://example.com/Â£' }, /double-encoded.*"£"/],
  ['mojibake inside a composed address', 'Account', 'bad-29', { ...okAccount, BillingCity: 'ZÃ¼rich' }, /BillingCity looks double-encoded \(mojibake\): "Ã¼" is the UTF-8 encoding of "ü" read as Windows-1252\/Latin-1 \(the source mixes encodings\) \(column billing_address.city\)/],
  ['a 1 MB memo in an unmapped field', 'Account', 'bad-28', { ...okAccount, Notes: `${long(1024 * 1024 - 12)} end of memo` }, /metadata 1\.0 MB, over the 256 KB limit; Notes alone is 1\.0 MB/],
  ['impossible task date with an assumed zone', 'Task', 'badt-01', { Subject: 's', ActivityDate: '2024-02-30', OwnerId: 'U1', CreatedDate: '2024-01-01T00:00:00Z', LastModifiedDate: '2024-01-01T00:00:00Z' }, /impossible timestamp/],
];

/** Legitimate non-ASCII text that the mojibake heuristic must leave alone. */
const legit: [name: string, sourceId: string][] = [
  ['São Paulo Freight', 'ok-01'], ['Müller Logistik', 'ok-02'], ['Ångström Shipping', 'ok-03'], ['Straße İstanbul', 'ok-04'],
  ['Cafe\u0301 Import', 'ok-05'], ['JOÃO CARGA', 'ok-06'], ['CAFÉ… Trading', 'ok-07'], ['Zoë’s “Best” Ωmega — 東京', 'ok-08'],
];

/** Records the source itself rejected (the contract's per-record reject): quarantined with its reason and field. */
const rejected: [name: string, sourceId: string, reason: string, field: string | null][] = [
  ['a row the CSV parser could not read', 'rej-01', 'T.csv line 7, column 2 (Name): unterminated quoted field', 'Name'],
  ['a value the driver could not decode', 'rej-02', 'accounts rej-02: column Name is not valid UTF-8 text', 'Name'],
  ['a record rejected as a whole', 'rej-03', 'missing key: accounts row has no id', null],
];

let env: EngineEnv;
let report: RunReport;
const reasons = new Map<string, string[]>();
const injection = "Robert'); DROP TABLE accounts; --";

beforeAll(async () => {
  env = await createEngineEnv(testUsers);
  const data = crmData(20);
  for (const [, entity, sourceId, fields] of cases) data[entity]!.push({ sourceId, fields: fields as never });
  for (const [Name, sourceId] of legit) data.Account!.push({ sourceId, fields: { ...okAccount, Name, BillingCity: Name } });
  for (const [, sourceId, reason, field] of rejected) data.Account!.push(rejectRecord(sourceId, reason, field, { ...okAccount }) as never);
  // Padded ids are trimmed (idWhitespace: trim, the default): ' pad-01 ' is the record pad-01.
  data.Account!.push({ sourceId: ' pad-01 ', fields: { ...okAccount, Name: 'Padded' } });
  data.Account!.push({ sourceId: 'pad-01', fields: { ...okAccount, Name: 'Padded again' } });
  data.Account!.push({ sourceId: 'inject-01', fields: { ...okAccount, Name: injection, ['"; DROP TABLE contacts; --']: 'x' } });
  data.Account!.push({ sourceId: accId(3), fields: { ...okAccount, Name: 'duplicate in a later batch' } });
  data.Account!.splice(5, 0, { sourceId: accId(4), fields: { ...okAccount, Name: 'duplicate in the same batch' } });
  report = await runMigration({
    pool: env.pool, source: new MemorySource('testcrm', data), mappingYaml, vars: { FRANCHISE_ID: env.franchiseId },
    tenantId: env.tenantId, targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 16,
  });
  const { rows } = await env.pool.query(`SELECT entity, source_id, reason FROM "${env.controlSchema}".quarantine`);
  for (const r of rows) reasons.set(`${r.entity}/${r.source_id}`, [...(reasons.get(`${r.entity}/${r.source_id}`) ?? []), r.reason]);
});
afterAll(async () => env.drop());

describe('bad input', () => {
  it.each(cases)('given %s, then the record is quarantined with a reason naming the field', (_name, entity, sourceId, _fields, reason) => {
    // Quarantine keeps source ids readable: a NUL is stored as the text \u0000.
    const got = reasons.get(`${entity}/${sourceId.replace(/\u0000/g, '\\u0000')}`);
    expect(got, `no quarantine entry for ${entity}/${JSON.stringify(sourceId)}`).toBeDefined();
    expect(got!.join(' | ')).toMatch(reason);
  });

  it.each(rejected)('given %s (rejected by its source), then it is quarantined once with the source\'s reason and field', async (_n, sourceId, reason, field) => {
    const { rows } = await env.pool.query(`SELECT field, reason FROM "${env.controlSchema}".quarantine WHERE entity = 'Account' AND source_id = $1`, [sourceId]);
    expect(rows).toEqual([{ field, reason }]);
    const { rows: t } = await env.pool.query(`SELECT 1 FROM "${env.targetSchema}".accounts WHERE source_id = $1`, [sourceId]);
    expect(t).toEqual([]);
  });

  it('given an id padded with spaces, then it loads trimmed, and the same id unpadded is its duplicate (one record, not two)', async () => {
    const { rows } = await env.pool.query(`SELECT source_id, name FROM "${env.targetSchema}".accounts WHERE trim(source_id) = 'pad-01'`);
    expect(rows).toEqual([{ source_id: 'pad-01', name: 'Padded' }]);
    expect(reasons.get('Account/pad-01')?.[0]).toMatch(/duplicate source id "pad-01"/);
  });

  it('given the same source id twice in one run, then the later copies are quarantined as duplicates and the first is kept', async () => {
    expect(reasons.get(`Account/${accId(4)}`)?.[0]).toMatch(/duplicate source id/);
    expect(reasons.get(`Account/${accId(3)}`)?.[0]).toMatch(/duplicate source id/);
    const { rows } = await env.pool.query(`SELECT name FROM "${env.targetSchema}".accounts WHERE source_id = ANY($1) ORDER BY source_id`, [[accId(3), accId(4)]]);
    expect(rows.map((r) => r.name)).toEqual(['Account 3', 'Account 4']);
  });

  it.each(legit)('given legitimate non-ASCII text %j, then it loads unchanged (not taken for mojibake)', async (name, sourceId) => {
    expect(reasons.get(`Account/${sourceId}`)).toBeUndefined();
    const { rows } = await env.pool.query(`SELECT name, billing_address->>'city' AS city FROM "${env.targetSchema}".accounts WHERE source_id = $1`, [sourceId]);
    expect(rows[0]).toEqual({ name, city: name });
  });

  it('given SQL in values and field names, then it is stored as text and nothing is executed', async () => {
    const { rows } = await env.pool.query(`SELECT name, metadata FROM "${env.targetSchema}".accounts WHERE source_id = 'inject-01'`);
    expect(rows[0].name).toBe(injection);
    expect(rows[0].metadata.source['"; DROP TABLE contacts; --']).toBe('x');
    const { rows: c } = await env.pool.query(`SELECT count(*)::int AS n FROM "${env.targetSchema}".contacts`);
    expect(c[0].n).toBe(40);
  });

  it('given all of it, then every record is accounted for and counts reconcile per entity', () => {
    expect(report.status).toBe('completed');
    for (const e of report.entities) expect(e.reconciles, e.entity).toBe(true);
    const quarantined = report.entities.reduce((a, e) => a + e.quarantined, 0);
    expect(quarantined).toBe(cases.length + rejected.length + 3);
    const acc = report.entities.find((e) => e.entity === 'Account')!;
    expect(acc.extracted).toBe(20 + cases.filter((c) => c[1] === 'Account').length + legit.length + rejected.length + 2 + 3);
    expect(acc.extracted).toBe(acc.created + acc.updated + acc.unchanged + acc.quarantined + acc.skipped);
  });
});
