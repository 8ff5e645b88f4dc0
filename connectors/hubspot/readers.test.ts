import { fileURLToPath } from 'node:url';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RecordBatchSchema } from '../../shared/record-batch.ts';
import { hubspotDefinition } from './definition.ts';
import { readAssociationsBatch, readListPage, readSearchPage } from './readers.ts';

const DIR = fileURLToPath(new URL('./fixtures', import.meta.url));
const load = (f: string): unknown => JSON.parse(readFileSync(`${DIR}/${f}`, 'utf8'));
const contacts = hubspotDefinition.streams.find((s) => s.name === 'contacts')!;

describe('hubspot readers against the shared fixtures', () => {
  const cases: { file: string; check: (body: unknown) => void }[] = [
    {
      file: 'amplabs_crm_v3_contacts_list_paging_next_link.json',
      check: (body) => {
        const page = readListPage(body, contacts);
        expect(page.records.map((r) => r.sourceId)).toEqual(['1', '51', '101']);
        expect(page.records[0]).toEqual({
          sourceId: '1',
          op: 'upsert',
          fields: {
            id: '1', createdAt: '2023-10-26T17:55:48.301Z', updatedAt: '2024-12-24T17:31:54.727Z', archived: false,
            createdate: '2023-10-26T17:55:48.301Z', hs_object_id: '1', lastmodifieddate: '2024-12-24T17:31:54.727Z',
          },
        });
        expect(page.next).toEqual({ token: '394' });
      },
    },
    {
      file: 'amplabs_crm_v3_contacts_search_page1_paging_after.json',
      check: (body) => {
        const page = readSearchPage(body, contacts);
        expect(page.total).toBe(57);
        expect(page.records).toHaveLength(1);
        const f = page.records[0]!.fields;
        expect(page.records[0]!.sourceId).toBe('501');
        expect(f['email']).toBe('johnnie77@hotmail.com');
        expect(f['company']).toBeNull();
        expect(f['phone']).toBeNull();
        expect(f['lastmodifieddate']).toBe('2025-01-27T19:53:15.581Z');
        expect(page.next).toEqual({ token: '54' });
      },
    },
    {
      file: 'amplabs_associations_v4_batch_read_contacts_to_companies.json',
      check: (body) => {
        const a = readAssociationsBatch(body);
        expect([...a.byFromId.entries()]).toEqual([['501', [{ toId: '29022297485', primary: true, typeIds: [1, 279] }]]]);
        expect(a.withoutAssociations).toEqual(['103107104018']);
        expect(a.errors).toEqual([]);
      },
    },
  ];

  it('given the fixture folder, then every file has a case here', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
    expect(cases.map((c) => c.file).sort()).toEqual(files);
  });

  it.each(cases)('given $file, then it parses unchanged into the expected records and paging state', ({ file, check }) => {
    check(load(file));
  });

  it('given a list page, then its records form a valid RecordBatch', () => {
    const page = readListPage(load('amplabs_crm_v3_contacts_list_paging_next_link.json'), contacts);
    expect(() => RecordBatchSchema.parse({ v: 1, sourceSystem: 'hubspot', entity: 'contacts', seq: 0, records: page.records, checkpoint: {}, final: false })).not.toThrow();
  });

  it('given a list page whose results are not an array, then a ResponseShapeError names the stream', () => {
    expect(() => readListPage({ results: 'nope' }, contacts)).toThrow(/unexpected response shape \(vendor=hubspot stream=contacts\)/);
  });
});
