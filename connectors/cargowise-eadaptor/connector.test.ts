import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EdiFolderConnector } from '../edi-x12/index.ts';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { eAdaptorDefinition } from './reader.ts';
import { eventXml, generateEAdaptorSample, shipmentXml, transactionXml } from './sample.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cw-xml-'));
  dirs.push(dir);
  for (const [n, t] of Object.entries(files)) await writeFile(path.join(dir, n), t);
  return dir;
}

async function readAll(c: EdiFolderConnector<unknown>, checkpoint?: ParsedRecordBatch['checkpoint']): Promise<Record<string, ParsedRecordBatch['records']>> {
  const out: Record<string, ParsedRecordBatch['records']> = {};
  for (const e of await c.entities()) {
    out[e] = [];
    for await (const b of c.read(e, { batchSize: 100, checkpoint })) out[e]!.push(...parseRecordBatch(b).records);
  }
  return out;
}

const good = shipmentXml('GOOD1');
const ship = shipmentXml('BAD1');
const cases: { name: string; xml: string; reason: RegExp; entity: string; field?: string | null }[] = [
  { name: 'a truncated file', xml: ship.slice(0, 400), reason: /^xml-malformed: bad\.xml line \d+, column \d+: /, entity: 'Shipment', field: null },
  { name: 'mismatched closing tag', xml: ship.replace('</TotalWeight>', '</TotalWieght>'), reason: /^xml-malformed: .*Expected closing tag 'TotalWeight'/, entity: 'Shipment', field: null },
  { name: 'a second, empty root message', xml: eventXml('BAD1', 'DEP', '2026-03-01T00:00:00') + '<UniversalEvent/>', reason: /^xml-structure: bad\.xml message 2 \(UniversalEvent\): required Event missing/, entity: 'Event', field: 'Event' },
  { name: 'not XML at all', xml: 'ISA*00*...', reason: /^xml-malformed: /, entity: 'Shipment' },
  { name: 'an empty file', xml: '', reason: /^xml-malformed: |^xml-structure: /, entity: 'Shipment' },
  { name: 'an unknown root element', xml: '<?xml version="1.0"?><UniversalShipmentRequest><ShipmentRequest/></UniversalShipmentRequest>', reason: /^xml-structure: .*root element <UniversalShipmentRequest> is not an eAdaptor message this connector reads/, entity: 'Shipment', field: 'UniversalShipmentRequest' },
  { name: 'an interchange with an empty Body', xml: '<UniversalInterchange><Body></Body></UniversalInterchange>', reason: /^xml-structure: .*UniversalInterchange has no Body messages/, entity: 'Shipment', field: 'UniversalInterchange.Body' },
  { name: 'a shipment without its DataSource key', xml: ship.replace('<Key>BAD1</Key>', ''), reason: /^xml-structure: .*required Shipment\.DataContext\.DataSourceCollection\.DataSource\.Key missing or empty/, entity: 'Shipment', field: 'Shipment.DataContext.DataSourceCollection.DataSource.Key' },
  { name: 'a shipment without TransportMode', xml: ship.replace(/<TransportMode><Code>SEA<\/Code><\/TransportMode>/, ''), reason: /^xml-structure: .*Shipment\.TransportMode\.Code missing/, entity: 'Shipment', field: 'Shipment.TransportMode.Code' },
  { name: 'a UniversalShipment without Shipment', xml: '<UniversalShipment><Nothing/></UniversalShipment>', reason: /^xml-structure: .*required Shipment missing/, entity: 'Shipment', field: 'Shipment' },
  { name: 'a weight unit the unit map lacks', xml: shipmentXml('BAD1', { weightUnit: 'STONE' }), reason: /^unit-unmapped: .*unit "STONE" for TotalWeight is not in the connector's unit map \(KG, LB, T\)/, entity: 'Shipment', field: 'TotalWeightUnit.Code' },
  { name: 'a weight that is not a number', xml: shipmentXml('BAD1').replace('<TotalWeight>24000</TotalWeight>', '<TotalWeight>heavy</TotalWeight>'), reason: /^value-invalid: .*TotalWeight "heavy" is not a number/, entity: 'Shipment', field: 'TotalWeight' },
  { name: 'an event without EventTime', xml: eventXml('BAD1', 'DEP', ''), reason: /^xml-structure: .*Event\.EventTime missing/, entity: 'Event', field: 'Event.EventTime' },
  { name: 'an event without EventType', xml: eventXml('BAD1', '', '2026-03-01T00:00:00'), reason: /^xml-structure: .*Event\.EventType missing/, entity: 'Event', field: 'Event.EventType' },
  { name: 'a transaction without a Number', xml: transactionXml('', 'GOOD1'), reason: /^xml-structure: .*TransactionInfo\.Number missing/, entity: 'Invoice', field: 'TransactionInfo.Number' },
  { name: 'a transaction without a currency', xml: transactionXml('INV1', 'GOOD1').replace(/<OSCurrency><Code>USD<\/Code><\/OSCurrency><OSTotal>/, '<OSTotal>'), reason: /^xml-structure: .*TransactionInfo\.OSCurrency\.Code missing/, entity: 'Invoice', field: 'TransactionInfo.OSCurrency.Code' },
  { name: 'a charge amount that is not a number', xml: transactionXml('INV1', 'GOOD1').replace('<OSAmount>500.00</OSAmount>', '<OSAmount>5OO</OSAmount>'), reason: /^value-invalid: .*OSAmount "5OO" is not a number/, entity: 'Invoice', field: 'OSAmount' },
];

describe('CargoWise eAdaptor XML folder connector', () => {
  it('given the sample folder, then shipments, legs, containers, events, invoices and lines come out once each', async () => {
    const files = generateEAdaptorSample(6);
    const c = new EdiFolderConnector(eAdaptorDefinition, await folder(files));
    const r = await readAll(c);
    expect(Object.values(r).flat().filter((x) => x.reject)).toEqual([]);
    expect(r['Shipment']!.map((x) => x.sourceId)).toEqual(['S1001', 'S1002', 'S1003', 'S1004', 'S1005', 'S1006']);
    expect(r['TransportLeg']).toHaveLength([1, 2, 3, 4, 5, 6].reduce((n, i) => n + 1 + (i % 3), 0));
    expect(r['Container']).toHaveLength([1, 2, 3, 4, 5, 6].reduce((n, i) => n + 1 + (i % 2), 0));
    expect(r['Event']).toHaveLength(12); // the duplicated DEP folds into one
    expect(r['Invoice']).toHaveLength(6);
    expect(r['InvoiceLine']).toHaveLength(12);
    expect(r['Organization']!.map((x) => x.sourceId)).toEqual(['RTMIMPRTM', 'SHASUPSHA']);
    const lb = r['Shipment']!.find((x) => x.sourceId === 'S1005')!;
    expect(lb.fields['TotalWeightKg']).toBeCloseTo(20005 * 0.45359237, 2);
  });

  it('given a second batch of files, then a finished checkpoint reads only the records they changed', async () => {
    const dir = await folder(generateEAdaptorSample(3));
    const c = new EdiFolderConnector(eAdaptorDefinition, dir);
    const checkpoints: Record<string, ParsedRecordBatch['checkpoint']> = {};
    for (const e of await c.entities()) for await (const b of c.read(e, { batchSize: 100 })) checkpoints[e] = parseRecordBatch(b).checkpoint;
    await writeFile(path.join(dir, '20260401_shp_S1002_update.xml'), shipmentXml('S1002', { legs: 1, weight: 99999 }));
    await writeFile(path.join(dir, '20260402_evt_S1001_DLV.xml'), eventXml('S1001', 'DLV', '2026-03-25T10:00:00'));
    const shipments: ParsedRecordBatch['records'] = [];
    for await (const b of c.read('Shipment', { batchSize: 100, checkpoint: checkpoints['Shipment'] })) shipments.push(...parseRecordBatch(b).records);
    expect(shipments.map((s) => [s.sourceId, s.fields['TotalWeightKg']])).toEqual([['S1002', 99999]]);
    const legs: ParsedRecordBatch['records'] = [];
    for await (const b of c.read('TransportLeg', { batchSize: 100, checkpoint: checkpoints['TransportLeg'] })) legs.push(...parseRecordBatch(b).records);
    // S1002 had 3 legs; the later export has 1: legs 2 and 3 are deleted, leg 1 re-read.
    expect(legs.map((l) => `${l.sourceId}:${l.op}`)).toEqual(['S1002:1:upsert', 'S1002:2:delete', 'S1002:3:delete']);
    const events: ParsedRecordBatch['records'] = [];
    for await (const b of c.read('Event', { batchSize: 100, checkpoint: checkpoints['Event'] })) events.push(...parseRecordBatch(b).records);
    expect(events.map((e) => e.sourceId)).toEqual(['S1001:DLV:2026-03-25T10:00:00']);
  });

  it('given the public eAdaptor request template, then it is quarantined as a message type this source does not read', async () => {
    const dir = await folder({});
    await copyFile(new URL('./fixtures/cord_UniversalShipmentRequest_template.xml', import.meta.url), path.join(dir, 'template.xml'));
    const r = await readAll(new EdiFolderConnector(eAdaptorDefinition, dir));
    expect(r['Shipment']!.map((x) => x.reject?.reason)).toEqual([expect.stringMatching(/^xml-structure: template\.xml message 1: root element <UniversalShipmentRequest>/)]);
  });

  it('given the XML bad-input corpus, then it has at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });
  for (const t of cases) {
    it(`given ${t.name}, then it is quarantined with its named reason and the good file still loads`, async () => {
      const c = new EdiFolderConnector(eAdaptorDefinition, await folder({ 'good.xml': good, 'bad.xml': t.xml }));
      const r = await readAll(c);
      const rejected = Object.entries(r).flatMap(([e, rs]) => rs.filter((x) => x.reject).map((x) => ({ e, x })));
      expect(rejected, JSON.stringify(rejected)).toHaveLength(1);
      expect(rejected[0]!.x.reject!.reason).toMatch(t.reason);
      expect(rejected[0]!.e).toBe(t.entity);
      if (t.field !== undefined) expect(rejected[0]!.x.reject!.field).toBe(t.field);
      expect(r['Shipment']!.filter((x) => !x.reject).map((x) => x.sourceId)).toEqual(['GOOD1']);
    });
  }
});
