/** The quarantine CSV keeps the source's values: what the export writes, the follow-up source reads back the same. */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../shared/record-batch.ts';
import { quarantineCsv } from './quarantine-csv.ts';
import { RetryCsvSource } from './retry-source.ts';

const record = { id: 'h1', properties: { name: 'Acme, "the" firm', employees: 3, tags: ['a', 'b'] }, active: true, note: '', gone: null, text: 'line 1\nline 2' };

async function readBack(csv: string, ids: string[]): Promise<SourceRecord[]> {
  const src = new RetryCsvSource({ sourceSystem: 'hubspot', entity: 'companies', csv, originalRunId: 'r1', quarantinedIds: new Set(ids) });
  const out: SourceRecord[] = [];
  for await (const b of src.read('companies', { batchSize: 2 })) out.push(...b.records);
  return out;
}

describe('quarantine CSV round trip', () => {
  it('given a nested source record quarantined twice, then the export has one row with both reasons, and reading it back gives the same fields', async () => {
    const { csv, records } = quarantineCsv([
      { source_id: 'h1', field: 'name', reason: 'too long', record },
      { source_id: 'h1', field: 'domain', reason: 'duplicate', record },
      { source_id: null, field: '(delete)', reason: 'still referenced', record: { targetId: 'x' } },
    ]);
    expect(records).toBe(1);
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ __sourceId: 'h1', __reason: 'too long; duplicate', __field: 'name; domain', __json: 'properties active' });
    const [back] = await readBack(csv, ['h1']);
    expect(back).toEqual({ sourceId: 'h1', op: 'upsert', fields: record });
  });

  it('given a corrected file with a broken JSON cell and a row the run did not quarantine, then each is rejected naming the field', async () => {
    const { csv } = quarantineCsv([{ source_id: 'h1', field: 'name', reason: 'bad', record }]);
    const cells = parse(csv) as string[][];
    const at = cells[0]!.indexOf('properties');
    cells[1]![at] = '{"name": "Acme"'; // the customer's edit broke the JSON
    cells.push(cells[1]!.map((c, i) => (i === 0 ? 'h2' : i === at ? '{}' : c)));
    const out = await readBack(stringify(cells), ['h1']);
    expect(out.map((r) => [r.sourceId, r.reject?.field, r.reject?.reason])).toEqual([
      ['h1', 'properties', expect.stringMatching(/column properties: the exported value was JSON and the corrected cell is not valid JSON/)],
      ['h2', '__sourceId', 'not a record run r1 quarantined for companies: a follow-up run loads only those records'],
    ]);
  });
});
