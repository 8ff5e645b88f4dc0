import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRecordBatch } from '../../shared/record-batch.ts';
import type { HttpClient, HttpRequest, HookContext } from '../sdk/index.ts';
import { DATAVERSE_TABLES, dynamicsDefinition } from './definition.ts';
import { fieldName, readODataPage } from './odata-reader.ts';
import { dataversePages } from './pages.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const load = (file: string): unknown => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

interface Expectation {
  entity: string;
  primaryId: string;
  ids: string[];
  fields: Record<string, unknown>[];
  nextLinkPrefix?: string;
}

/** One row per recorded Microsoft sample: what the connector's reader must make of it. */
const CASES: Record<string, Expectation> = {
  'msdocs_accounts_formatted_values.json': {
    entity: 'account', primaryId: 'accountid',
    ids: ['78914942-34cb-ed11-b596-0022481d68cd'],
    fields: [{
      name: 'Litware, Inc. (sample)', revenue: 20000, 'revenue@FormattedValue': '$20,000.00',
      _primarycontactid_value: '70bf4d48-34cb-ed11-b596-0022481d68cd', '_primarycontactid_value@FormattedValue': 'Susanna Stubberod (sample)',
      customertypecode: 1, 'customertypecode@FormattedValue': 'Competitor', modifiedon: '2023-04-07T21:59:01Z',
      'modifiedon@FormattedValue': '4/7/2023 2:59 PM', '_transactioncurrencyid_value@FormattedValue': 'US Dollar',
    }],
  },
  'msdocs_accounts_lookup_annotations.json': {
    entity: 'account', primaryId: 'accountid',
    ids: ['1adef0b8-54d3-ed11-a7c7-000d3a993550', '78914942-34cb-ed11-b596-0022481d68cd'],
    fields: [
      { _ownerid_value: '39e0dbe4-131b-e111-ba7e-78e7d1620f5e', '_ownerid_value@lookuplogicalname': 'team', '_ownerid_value@associatednavigationproperty': 'ownerid' },
      { _ownerid_value: '4026be43-6b69-e111-8f65-78e7d1620f5e', '_ownerid_value@lookuplogicalname': 'systemuser', '_ownerid_value@associatednavigationproperty': 'ownerid' },
    ],
  },
  'msdocs_page1_contacts_nextLink.json': {
    entity: 'contact', primaryId: 'contactid',
    ids: ['49b0be2e-d01c-ed11-b83e-000d3a572421', '70bf4d48-34cb-ed11-b596-0022481d68cd'],
    fields: [{ fullname: 'Yvonne McKay (sample)' }, { fullname: 'Susanna Stubberod (sample)' }],
    nextLinkPrefix: '[Organization URI]/api/data/v9.2/contacts?$select=fullname&$skiptoken=',
  },
  'msdocs_page2_contacts_nextLink.json': {
    entity: 'contact', primaryId: 'contactid',
    ids: ['72bf4d48-34cb-ed11-b596-0022481d68cd', '74bf4d48-34cb-ed11-b596-0022481d68cd'],
    fields: [{ fullname: 'Nancy Anderson (sample)' }, { fullname: 'Maria Campbell (sample)' }],
    nextLinkPrefix: '[Organization URI]/api/data/v9.2/contacts?$select=fullname&$skiptoken=',
  },
};

describe('Dataverse OData reader over the recorded Microsoft samples', () => {
  it('given the fixture folder, then every JSON sample has an expectation row (none is skipped)', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('given %s, then the reader yields the expected records and paging state', (file, exp) => {
    const page = readODataPage(load(file), exp.entity, exp.primaryId);
    expect(page.records.map((r) => r.sourceId)).toEqual(exp.ids);
    exp.fields.forEach((f, i) => expect(page.records[i]!.fields).toMatchObject(f));
    for (const r of page.records) {
      expect(Object.keys(r.fields).some((k) => k.includes('.'))).toBe(false);
      expect(r.fields).not.toHaveProperty('@odata.etag');
    }
    if (exp.nextLinkPrefix) expect(page.nextLink?.startsWith(exp.nextLinkPrefix)).toBe(true);
    else expect(page.nextLink).toBeUndefined();
    // The records form a valid RecordBatch as-is.
    expect(() => parseRecordBatch({ v: 1, sourceSystem: 'dynamics', entity: exp.entity, seq: 0, records: page.records, checkpoint: {}, final: false })).not.toThrow();
  });

  it.each([
    ['revenue@OData.Community.Display.V1.FormattedValue', 'revenue@FormattedValue'],
    ['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname', '_ownerid_value@lookuplogicalname'],
    ['_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty', '_ownerid_value@associatednavigationproperty'],
    ['@odata.etag', undefined],
    ['new_region', 'new_region'],
  ])('given the property %s, then the field is named %s', (key, name) => {
    expect(fieldName(key)).toBe(name);
  });

  it.each([
    ['a body without value', { '@odata.context': 'x' }, /"value" is not an array/],
    ['a record without its primary id', { value: [{ name: 'x' }] }, /has no contactid/],
    ['a non-object body', 'oops', /not a JSON object/],
  ])('given %s, then a DataverseResponseError names the problem', (_what, body, message) => {
    expect(() => readODataPage(body, 'contact', 'contactid')).toThrow(message);
  });

  it('given page 1 then page 2 replayed through the pages hook, then it follows nextLink verbatim and reports each page state', async () => {
    const bodies = [load('msdocs_page1_contacts_nextLink.json'), { ...(load('msdocs_page2_contacts_nextLink.json') as object), '@odata.nextLink': undefined }];
    const requests: HttpRequest[] = [];
    const http = {
      resolveUrl: (path: string) => new URL(`https://contoso.crm.dynamics.com/api/data/v9.2${path}`),
      request: async (req: HttpRequest) => {
        requests.push(req);
        return { status: 200, headers: new Headers(), body: bodies[requests.length - 1] };
      },
    } as unknown as HttpClient;
    const ctx: HookContext = { http, definition: dynamicsDefinition };
    const table = DATAVERSE_TABLES.find((t) => t.entity === 'contact')!;
    const stream = dynamicsDefinition.streams.find((s) => s.name === 'contact')!;
    const pages = [];
    for await (const p of dataversePages(table)(ctx, { stream, start: null, since: '2023-01-01T00:00:00.000Z', pageSize: 2 })) pages.push(p);

    const page1Link = (bodies[0] as Record<string, string>)['@odata.nextLink']!;
    const first = new URL(requests[0]!.path);
    expect(first.pathname).toBe('/api/data/v9.2/contacts');
    expect(Object.fromEntries(first.searchParams)).toEqual({ $orderby: 'modifiedon asc', $filter: 'modifiedon ge 2023-01-01T00:00:00.000Z' });
    expect(pages.map((p) => p.state)).toEqual([{ url: first.toString() }, { url: page1Link }]);
    expect(pages.map((p) => p.next)).toEqual([{ url: page1Link }, undefined]);
    expect(pages.flatMap((p) => (p.records as unknown[]).map((r) => (r as Record<string, string>).fullname))).toEqual([
      'Yvonne McKay (sample)', 'Susanna Stubberod (sample)', 'Nancy Anderson (sample)', 'Maria Campbell (sample)',
    ]);
    expect(requests[0]!.headers?.prefer).toBe('odata.maxpagesize=2,odata.include-annotations="*"');
    expect(requests[1]).toMatchObject({ path: page1Link, query: {} });
  });
});
