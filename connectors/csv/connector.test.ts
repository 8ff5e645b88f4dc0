import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { CsvConnector } from './index.ts';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  dirs = [];
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'csv-conn-'));
  dirs.push(dir);
  for (const [n, text] of Object.entries(files)) await writeFile(path.join(dir, n), text);
  return dir;
}

async function readAll(c: CsvConnector, entity: string, batchSize = 100, checkpoint?: { row: number }): Promise<ParsedRecordBatch[]> {
  const out: ParsedRecordBatch[] = [];
  for await (const b of c.read(entity, { batchSize, checkpoint })) out.push(parseRecordBatch(b));
  return out;
}

describe('CsvConnector', () => {
  it('given a folder without a manifest, then each file is an entity keyed by Id, empty unquoted cells are null and "" stays empty', async () => {
    const dir = await folder({ 'Account.csv': '\uFEFFId,Name,Note\n1,Acme,\n2,"Beta, Inc.",""\n3,"multi\nline",x\n', 'readme.txt': 'x' });
    const c = await new CsvConnector({ dir }).open();
    expect(await c.entities()).toEqual(['Account']);
    expect((await c.check()).ok).toBe(true);
    const batches = await readAll(c, 'Account');
    const recs = batches.flatMap((b) => b.records);
    expect(recs.map((r) => r.sourceId)).toEqual(['1', '2', '3']);
    expect(recs[0]!.fields).toEqual({ Id: '1', Name: 'Acme', Note: null });
    expect(recs[1]!.fields['Name']).toBe('Beta, Inc.');
    expect(recs[1]!.fields['Note']).toBe('');
    expect(recs[2]!.fields['Name']).toBe('multi\nline');
    expect(batches.at(-1)!.final).toBe(true);
    expect(batches.at(-1)!.sourceSystem).toBe('csv');
  });

  it('given a checkpoint from any batch, then resuming yields exactly the rows after it', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => `${i + 1},n${i + 1}`).join('\n');
    const dir = await folder({ 'T.csv': `Id,Name\n${rows}\n` });
    const c = await new CsvConnector({ dir }).open();
    const full = await readAll(c, 'T', 5);
    expect(full.map((b) => b.records.length)).toEqual([5, 5, 5, 5, 3]);
    const allIds = full.flatMap((b) => b.records.map((r) => r.sourceId));
    for (const [i, b] of full.entries()) {
      const rest = (await readAll(c, 'T', 5, b.checkpoint as { row: number })).flatMap((x) => x.records.map((r) => r.sourceId));
      expect(rest, `resume after batch ${i}`).toEqual(allIds.slice(full.slice(0, i + 1).reduce((n, x) => n + x.records.length, 0)));
    }
  });

  it('given a manifest, then it names files, id columns and the source system', async () => {
    const dir = await folder({
      'manifest.yaml': 'sourceSystem: legacy-crm\nentities:\n  Customer: { file: cust.csv, idColumn: CustNo }\n',
      'cust.csv': 'CustNo;Name\nC1;A\n',
    });
    await writeFile(path.join(dir, 'manifest.yaml'), 'sourceSystem: legacy-crm\nentities:\n  Customer: { file: cust.csv, idColumn: CustNo, delimiter: ";" }\n');
    const c = await new CsvConnector({ dir }).open();
    expect(c.sourceSystem).toBe('legacy-crm');
    const [b] = await readAll(c, 'Customer');
    expect(b!.records).toEqual([{ sourceId: 'C1', op: 'upsert', fields: { CustNo: 'C1', Name: 'A' } }]);
    const schema = await c.discover();
    expect(schema.streams[0]!.primaryKey).toEqual(['CustNo']);
  });

  // Malformed input never crashes the read: the bad row comes out rejected (the contract's reject), naming file, line and column.
  const bad: { name: string; csv: string; good: string[]; error: RegExp; field?: string }[] = [
    { name: 'too many columns', csv: 'Id,Name\n1,a\n2,b,extra\n3,c\n', good: ['1', '3'], error: /T\.csv line 3: expected 2 columns .* found 3; extra value starts at column 3/ },
    { name: 'too few columns', csv: 'Id,Name,Email\n1,a,x\n2,b\n', good: ['1'], error: /T\.csv line 3: expected 3 columns .* found 2; column 3 \(Email\) onward is missing/ },
    { name: 'unterminated quote', csv: 'Id,Name\n1,a\n2,"never closed\n3,c\n', good: ['1'], error: /T\.csv line 3, column 2 \(Name\): unterminated quoted field/, field: 'Name' },
    { name: 'quote inside an unquoted field', csv: 'Id,Name\n1,ab"c\n2,d\n', good: ['2'], error: /T\.csv line 2, column 2 \(Name\): quote inside an unquoted field/, field: 'Name' },
    { name: 'empty id', csv: 'Id,Name\n,nameless\n2,b\n', good: ['2'], error: /missing key: T\.csv line 2 has an empty id column "Id"/, field: 'Id' },
    { name: 'blank (spaces only) id', csv: 'Id,Name\n   ,nameless\n2,b\n', good: ['2'], error: /missing key: T\.csv line 2 has an empty id column "Id"/, field: 'Id' },
    { name: 'stray quote inside a quoted field', csv: 'Id,Name\n1,"Good"\n2,"Bad "quote" here"\n3,"Fine"\n', good: ['1', '3'], error: /T\.csv line 3, column 2 \(Name\): characters after a closing quote/, field: 'Name' },
  ];
  for (const t of bad) {
    it(`given ${t.name}, then the good rows pass and the bad one comes out rejected, once`, async () => {
      const dir = await folder({ 'T.csv': t.csv });
      const c = await new CsvConnector({ dir }).open();
      const recs = (await readAll(c, 'T')).flatMap((b) => b.records);
      const good = recs.filter((r) => !r.reject).map((r) => r.sourceId);
      const rejected = recs.filter((r) => r.reject);
      expect(good).toEqual(t.good);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]!.reject!.reason).toMatch(t.error);
      expect(rejected[0]!.reject!.field ?? undefined).toBe(t.field);
      expect(Object.keys(rejected[0]!.fields).some((k) => k.startsWith('__'))).toBe(false);
    });
  }

  it('given a bad row, then it keeps its place in row order and counts toward the checkpoint', async () => {
    const dir = await folder({ 'T.csv': 'Id,Name\n1,a\n2,b,x\n3,c\n' });
    const c = await new CsvConnector({ dir }).open();
    const recs = (await readAll(c, 'T')).flatMap((b) => b.records);
    expect(recs.map((r) => (r.reject ? 'bad' : r.sourceId))).toEqual(['1', 'bad', '3']);
    const after2 = (await readAll(c, 'T', 10, { row: 2 })).flatMap((b) => b.records.map((r) => r.sourceId));
    expect(after2).toEqual(['3']);
  });

  it('given json encoding with op and extra columns, then values round-trip with types, deletes and absent fields', async () => {
    const dir = await folder({
      'manifest.json': JSON.stringify({ sourceSystem: 'hubspot', entities: { deals: { idColumn: '__sourceId', opColumn: '__op', extraColumn: '__extra', encoding: 'json' } } }),
      'deals.csv': '__sourceId,__op,amount,closed,props,__extra\n"""7""","""upsert""",12.5,true,"{""a"":[1,null]}","{""late"":""x""}"\n"""8""","""delete""",null,,,\n',
    });
    const c = await new CsvConnector({ dir }).open();
    const recs = (await readAll(c, 'deals')).flatMap((b) => b.records);
    expect(recs).toEqual([
      { sourceId: '7', op: 'upsert', fields: { amount: 12.5, closed: true, props: { a: [1, null] }, late: 'x' } },
      { sourceId: '8', op: 'delete', fields: { amount: null } },
    ]);
  });

  it('given an unknown entity or a header without the id column, then errors name them', async () => {
    const dir = await folder({ 'T.csv': 'Key,Name\n1,a\n' });
    const c = await new CsvConnector({ dir }).open();
    await expect(readAll(c, 'Nope')).rejects.toThrow(/no entity "Nope"; known: T/);
    const check = await c.check();
    expect(check.ok).toBe(false);
    expect(check.message).toMatch(/T\.csv: id column "Id" not in header/);
  });
});
