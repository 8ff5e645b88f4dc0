/** Every recorded Salesforce sample in fixtures/ parses through the connector's readers unchanged. */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify } from '../sdk/index.ts';
import { salesforceDefinition } from './definition.ts';
import { csvRecords, parseJobInfo, parseLimitInfo, parseOAuthError, parseTokenResponse, restRecord, type SfTypeMap } from './readers.ts';
import type { SourceRecord } from '../../shared/record-batch.ts';

const dir = new URL('./fixtures/', import.meta.url);
const load = (name: string): any => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
/** A query page as the connector reads it: the paginator's `nextRecordsUrl`, records through restRecord. */
const queryPage = (body: any, types: SfTypeMap = {}) => ({ next: body.done ? undefined : body.nextRecordsUrl, totalSize: body.totalSize, records: body.records.map((r: Record<string, unknown>) => restRecord(r, types)) });
const errors = salesforceDefinition({ tokenUrl: 'https://login.salesforce.com/services/oauth2/token', flow: 'web-server' }).errors;

async function csv(body: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of csvRecords((async function* () { yield body; })())) out.push(r);
  return out;
}

type Case = { file: string; check: () => Promise<void> | void };

const cases: Case[] = [
  { file: 'restforce_query_paginated_first_page_response.json', check: () => {
    const page = queryPage(load('restforce_query_paginated_first_page_response.json'));
    expect(page.next).toBe('/services/data/v38.0/query/01gD');
    expect(page.totalSize).toBe(2);
    expect(page.records).toEqual([{ sourceId: 'foo', op: 'upsert', fields: { Text_Label: 'First Page' } }]);
  } },
  { file: 'restforce_query_paginated_last_page_response.json', check: () => {
    const page = queryPage(load('restforce_query_paginated_last_page_response.json'));
    expect(page.next).toBeUndefined();
    expect(page.records).toEqual([{ sourceId: 'foo', op: 'upsert', fields: { Text_Label: 'Last Page' } }]);
  } },
  { file: 'restforce_query_success_response.json', check: () => {
    const page = queryPage(load('restforce_query_success_response.json'), { DateTime_Label: 'datetime' });
    expect(page.next).toBeUndefined();
    expect(page.records).toEqual([{ sourceId: 'foo', op: 'upsert', fields: {
      Checkbox_Label: false, Text_Label: 'Hi there!', Date_Label: '2010-01-01', DateTime_Label: '2011-07-07T00:37:00.000Z',
      Picklist_Multiselect_Label: 'four;six', ParentWhizbang__r: { Name: 'Parent Whizbang', Text_Label: 'Hello' },
    } }]);
  } },
  { file: 'restforce_query_error_response.json', check: () => {
    expect(classify(400, load('restforce_query_error_response.json'), errors)).toMatchObject({ action: 'fail-config', message: expect.stringMatching(/rejected the query/) });
  } },
  { file: 'restforce_oauth_token_success_response.json', check: () => {
    expect(parseTokenResponse(load('restforce_oauth_token_success_response.json'))).toMatchObject({
      instanceUrl: 'https://na1.salesforce.com', issuedAt: 1278448832702, orgId: '00Dx0000000BV7z', userId: '005x00000012Q9P', refreshToken: undefined,
    });
  } },
  { file: 'restforce_oauth_token_error_response.json', check: () => {
    expect(parseOAuthError(load('restforce_oauth_token_error_response.json'))).toEqual({ error: 'invalid_grant', description: 'authentication failure - Invalid Password' });
  } },
  { file: 'heroku_wiremock_bulk2_query_create_job.json', check: () => {
    expect(parseJobInfo(load('heroku_wiremock_bulk2_query_create_job.json').response.jsonBody)).toMatchObject({ id: '7508Z00000lTqQCQA0', state: 'UploadComplete' });
  } },
  { file: 'heroku_wiremock_bulk2_query_job_info_JobComplete.json', check: () => {
    const m = load('heroku_wiremock_bulk2_query_job_info_JobComplete.json');
    expect(parseJobInfo(m.response.jsonBody)).toMatchObject({ id: '7508Z00000lTqQCQA0', state: 'JobComplete', numberRecordsProcessed: 51, columnDelimiter: 'COMMA' });
    expect(parseLimitInfo(m.response.headers['Sforce-Limit-Info'])).toEqual({ used: 23, max: 5000000 });
  } },
  { file: 'heroku_wiremock_bulk2_query_results_page1.json', check: async () => {
    const m = load('heroku_wiremock_bulk2_query_results_page1.json');
    // This recording has no Sforce-Locator header: absent means no further page.
    expect(m.response.headers).toMatchObject({ 'Sforce-NumberOfRecords': '3' });
    expect(m.response.headers).not.toHaveProperty('Sforce-Locator');
    expect((await csv(m.response.body)).map((r) => r.sourceId)).toEqual(['0018Z00002eGbDRQA0', '0018Z00002f1vW4QAI', '0018Z00002f1vW5QAI']);
  } },
  { file: 'heroku_wiremock_bulk2_query_results_locator_page.json', check: async () => {
    const m = load('heroku_wiremock_bulk2_query_results_locator_page.json');
    expect(m.request.queryParameters.locator.equalTo).toBe('MjAwMDAw');
    expect(m.response.headers).toMatchObject({ 'Sforce-NumberOfRecords': '2' });
    expect(m.response.headers).not.toHaveProperty('Sforce-Locator');
    expect(await csv(m.response.body)).toEqual([
      { sourceId: '005R0000000UyrWIAv', op: 'upsert', fields: { Id: '005R0000000UyrWIAv' } },
      { sourceId: '005R0000000GiwjIxx', op: 'upsert', fields: { Id: '005R0000000GiwjIxx' } },
    ]);
  } },
  { file: 'heroku_wiremock_bulk2_query_results_empty.json', check: async () => {
    const m = load('heroku_wiremock_bulk2_query_results_empty.json');
    expect(m.response.headers).toMatchObject({ 'Sforce-NumberOfRecords': '0' });
    expect(m.response.headers).not.toHaveProperty('Sforce-Locator');
    expect(await csv(m.response.body)).toEqual([]);
  } },
  { file: 'heroku_wiremock_rest_query_malformed_soql_400.json', check: () => {
    const m = load('heroku_wiremock_rest_query_malformed_soql_400.json');
    expect(m.response.status).toBe(400);
    expect(classify(400, JSON.parse(m.response.body), errors)).toMatchObject({ action: 'fail-config', message: expect.stringMatching(/rejected the query/) });
    expect(parseLimitInfo(m.response.headers['Sforce-Limit-Info'])).toEqual({ used: 24, max: 100000 });
  } },
  { file: 'amplabs_bulk2_query_job_create_response.json', check: () => {
    expect(parseJobInfo(load('amplabs_bulk2_query_job_create_response.json'))).toMatchObject({ id: '750ak000009AVi5AAG', state: 'UploadComplete', object: 'Account', apiVersion: 59 });
  } },
  { file: 'amplabs_bulk2_ingest_job_info_partial_failure.json', check: () => {
    expect(parseJobInfo(load('amplabs_bulk2_ingest_job_info_partial_failure.json'))).toMatchObject({ state: 'JobComplete', jobType: 'V2Ingest', numberRecordsFailed: 1 });
  } },
];

describe('salesforce readers against recorded samples', () => {
  it('given the fixtures folder, then every sample has a case below', () => {
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    expect(cases.map((c) => c.file).sort()).toEqual(files);
  });

  it.each(cases.map((c) => [c.file, c] as const))('given %s, then it parses with the expected records and paging state', async (_f, c) => {
    await c.check();
  });

  it('given a quoted CSV with a delimiter, quotes and a newline inside a value, then typed fields come out', async () => {
    const body = '"Id","Description","IsDeleted","Amount","SystemModstamp"\n"00T1","Said ""hi"",\nbye","true","12.5","2024-01-15T10:30:00.000Z"\n"00T2","","false","",""\n';
    const out: SourceRecord[] = [];
    for await (const r of csvRecords((async function* () { yield body.slice(0, 20); yield body.slice(20); })(), { types: { IsDeleted: 'boolean', Amount: 'currency', SystemModstamp: 'datetime' } })) out.push(r);
    expect(out).toEqual([
      { sourceId: '00T1', op: 'delete', fields: { Id: '00T1', Description: 'Said "hi",\nbye', IsDeleted: true, Amount: 12.5, SystemModstamp: '2024-01-15T10:30:00.000Z' } },
      { sourceId: '00T2', op: 'upsert', fields: { Id: '00T2', Description: null, IsDeleted: false, Amount: null, SystemModstamp: null } },
    ]);
  });
});
