/**
 * The EDI bad-input corpus: each case is one file holding a good 204 interchange plus a broken one
 * (or a good set beside a broken set). Every case must yield exactly the named quarantine reason,
 * load the good shipment, crash nothing and drop nothing silently.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EdiFolderConnector } from '../edi-x12/index.ts';
import { interchange, type Seg } from '../edi-x12/writer.ts';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { mercuryGateDefinition } from './definition.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function tender(id: string, over: { purpose?: string; unit?: string; stops?: number; date?: string; b2?: Seg } = {}): Seg[] {
  const body: Seg[] = [over.b2 ?? ['B2', null, 'ODFL', null, id, null, 'PP'], ['B2A', over.purpose ?? '00', 'LT'], ['MS3', 'ODFL', 'B', null, 'M'], ['N1', 'SH', 'Acme', '93', 'SH1']];
  for (let i = 0; i < (over.stops ?? 2); i++) body.push(['S5', i + 1, i === 0 ? 'CL' : 'CU'], ['G62', '10', over.date ?? '20260301', 'I', '0800'], ['N1', 'ST', `DC ${i}`], ['N4', 'Reno', 'NV']);
  body.push(['L3', 1000, 'G', null, null, null, null, null, null, null, null, 5, over.unit ?? 'L']);
  return body;
}

const good = (isa = 1, id = 'GOOD1') => interchange({ isa, sender: 'MG', receiver: 'LN', date: '20260301', time: '1200', groups: [{ functionalId: 'SM', gs: isa, sets: [{ type: '204', st: 1, body: tender(id) }] }] });
const one = (body: Seg[], type = '204', fid = 'SM', isa = 2) => interchange({ isa, sender: 'MG', receiver: 'LN', date: '20260301', time: '1200', groups: [{ functionalId: fid, gs: isa, sets: [{ type, st: 1, body }] }] });
const bad = one(tender('BAD1'));

interface Case { name: string; file: string; reason: RegExp; entity?: string; field?: string | null; goodIds?: string[] }
const cases: Case[] = [
  { name: 'ISA13 ≠ IEA02', file: good() + bad.replace('IEA*1*000000002', 'IEA*1*000000099'), reason: /^isa-iea-control-mismatch: .*IEA02 control number "000000099" does not match ISA13 "000000002"/, field: 'IEA*02' },
  { name: 'IEA01 group count wrong', file: good() + bad.replace('IEA*1*000000002', 'IEA*3*000000002'), reason: /^iea-group-count-mismatch: .*IEA01 says "3" groups/, field: 'IEA*01' },
  { name: 'GS06 ≠ GE02', file: good() + bad.replace('GE*1*2', 'GE*1*7'), reason: /^gs-ge-control-mismatch: .*GE02 control number "7" does not match GS06 "2"/, field: 'GE*02' },
  { name: 'GE01 set count wrong', file: good() + bad.replace('GE*1*2', 'GE*2*2'), reason: /^ge-transaction-count-mismatch: .*GE01 says "2" transaction sets/, field: 'GE*01' },
  { name: 'ST02 ≠ SE02', file: good() + bad.replace(/SE\*(\d+)\*0001/, 'SE*$1*0009'), reason: /^st-se-control-mismatch: .*SE02 control number "0009" does not match ST02 "0001"/, field: 'SE*02' },
  { name: 'SE01 segment count wrong', file: good() + bad.replace(/SE\*(\d+)\*0001/, 'SE*99*0001'), reason: /^se-segment-count-mismatch: .*SE01 says "99" segments/, field: 'SE*01' },
  { name: 'SE missing', file: good() + bad.replace(/SE\*\d+\*0001~\n/, ''), reason: /^se-missing: .*no SE trailer/, field: 'SE' },
  { name: 'GE missing', file: good() + bad.replace(/GE\*1\*2~\n/, ''), reason: /^ge-missing: .*group GS06=2 has no GE trailer/, field: 'GE' },
  { name: 'IEA missing (file ends)', file: good() + bad.replace(/IEA\*1\*000000002~\n/, ''), reason: /^iea-missing: .*ISA13=000000002 has no IEA trailer \(file ends\)/, field: 'IEA' },
  { name: 'malformed segment (no segment id)', file: good() + bad.replace('B2A*00*LT~', '*00*LT~'), reason: /^segment-malformed: .*malformed segment "\*00\*LT"/, field: null },
  { name: 'malformed segment (lower-case id)', file: good() + bad.replace('MS3*', 'ms3*'), reason: /^segment-malformed: /, field: null },
  { name: 'segment between interchanges', file: good() + 'N1*SH*Stray~\n' + good(3, 'GOOD2'), reason: /^segment-outside-envelope: .*segment N1 outside a transaction set/, field: 'N1', goodIds: ['GOOD1', 'GOOD2'] },
  { name: 'ISA not fixed width', file: good() + bad.replace('*ZZ*MG             *', '*ZZ*MG*'), reason: /^isa-malformed: .*segment \d+: ISA is not 106 fixed-width characters/, field: 'ISA' },
  { name: 'GS functional id does not match ST01', file: good() + one(tender('BAD1'), '204', 'QM'), reason: /^transaction-type-unexpected: .*ST01 204 inside a GS with functional id "QM" \(expected SM\)/, field: 'GS*01' },
  { name: 'a transaction set the connector does not read', file: good() + one([['BIG', '20260301', 'INV1']], '810', 'IN'), reason: /^transaction-type-unexpected: .*reads 204, 990 and 214 transaction sets, not "810"/, field: 'ST*01' },
  { name: '204 without shipment id (B204)', file: good() + one(tender('x', { b2: ['B2', null, 'ODFL', null, null, null, 'PP'] })), reason: /^element-missing: .*B204 is empty/, field: 'B2*04' },
  { name: '204 without B2A', file: good() + one(tender('BAD1').filter((s) => s[0] !== 'B2A')), reason: /^element-missing: .*segment B2A is missing/, field: 'B2A*01' },
  { name: '204 purpose code unknown', file: good() + one(tender('BAD1', { purpose: '77' })), reason: /^element-invalid: .*B2A01 purpose "77"/, field: 'B2A*01' },
  { name: '204 with one stop', file: good() + one(tender('BAD1', { stops: 1 })), reason: /^element-missing: .*at least 2 stops \(S5\), found 1/, field: 'S5' },
  { name: '204 impossible date', file: good() + one(tender('BAD1', { date: '20260231' })), reason: /^element-invalid: .*G62\*02 "202602310800" is not a real date\/time/, field: 'G62*02' },
  { name: '204 weight unit the unit map lacks', file: good() + one(tender('BAD1', { unit: 'Q' })), reason: /^unit-unmapped: .*weight unit "Q" is not in the connector's unit map \(K, L\)/, field: 'L3*01' },
  { name: '990 unknown reservation action', file: good() + one([['B1', 'ODFL', 'GOOD1', '20260301', 'Z']], '990', 'GF'), reason: /^element-invalid: .*B104 reservation action "Z"/, field: 'B1*04' },
  { name: '214 without AT7', file: good() + one([['B10', 'PRO1', 'GOOD1', 'ODFL']], '214', 'QM'), reason: /^element-missing: .*at least one AT7/, field: 'AT7', entity: 'Event' },
  { name: '214 without shipment id', file: good() + one([['B10', 'PRO1', null, 'ODFL'], ['AT7', 'D1', 'NS', null, null, '20260301', '0800']], '214', 'QM'), reason: /^element-missing: .*B1002 is empty/, field: 'B10*02', entity: 'Event' },
  { name: '214 status time not HHMM', file: good() + one([['B10', 'PRO1', 'GOOD1', 'ODFL'], ['AT7', 'D1', 'NS', null, null, '20260301', '8AM']], '214', 'QM'), reason: /^element-invalid: .*AT7\*05 date\/time "20260301 8AM"/, field: 'AT7*05', entity: 'Event' },
];

async function readAll(c: EdiFolderConnector, entity: string): Promise<ParsedRecordBatch['records']> {
  const out: ParsedRecordBatch['records'] = [];
  for await (const b of c.read(entity, { batchSize: 50 })) out.push(...parseRecordBatch(b).records);
  return out;
}

describe('MercuryGate EDI bad-input corpus', () => {
  it('given the corpus, then it has at least 20 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const t of cases) {
    it(`given ${t.name}, then it is quarantined with its named reason and the good tender still loads`, async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'mg-bad-'));
      dirs.push(dir);
      await writeFile(path.join(dir, 'case.edi'), t.file);
      const c = new EdiFolderConnector(mercuryGateDefinition, dir);
      const byEntity = Object.fromEntries(await Promise.all((await c.entities()).map(async (e) => [e, await readAll(c, e)] as const)));
      const rejected = Object.entries(byEntity).flatMap(([e, rs]) => rs.filter((r) => r.reject).map((r) => ({ e, r })));
      expect(rejected.length, JSON.stringify(rejected.map((x) => x.r.reject))).toBeGreaterThanOrEqual(1);
      expect(rejected[0]!.r.reject!.reason).toMatch(t.reason);
      if (t.field !== undefined) expect(rejected[0]!.r.reject!.field).toBe(t.field);
      expect(rejected[0]!.e).toBe(t.entity ?? 'Shipment');
      // The good interchange is untouched, and no shipment is made from the broken one.
      const shipments = byEntity['Shipment']!.filter((r) => !r.reject).map((r) => r.sourceId).sort();
      expect(shipments).toEqual(t.goodIds ?? ['GOOD1']);
      // Nothing silently dropped: every transaction set in the file is loaded or rejected by name.
      const sets = (t.file.match(/(^|~\n)ST\*/g) ?? []).length;
      const setRejects = rejected.filter((x) => x.r.sourceId.includes('/ST')).length;
      expect(shipments.length + setRejects).toBe(sets);
    });
  }
});
