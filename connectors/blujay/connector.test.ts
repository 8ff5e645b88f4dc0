import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EdiFolderConnector } from '../edi-x12/index.ts';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { generateMercuryGateSample } from '../mercurygate/sample.ts';
import { bluJayDefinition, RECORD_WIDTH, SHIPMENT_LAYOUT } from './definition.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function row(v: Partial<Record<(typeof SHIPMENT_LAYOUT)[number]['name'], string>>): string {
  return SHIPMENT_LAYOUT.map((c) => (v[c.name] ?? '').padEnd(c.width).slice(0, c.width)).join('');
}
const ok = (id: string, over: Partial<Record<string, string>> = {}) => row({ RecordType: 'SH', ShipmentId: id, CarrierScac: 'ODFL', Mode: 'M', Origin: 'Chicago, IL', Destination: 'Dallas, TX', PickupDate: '20260301', DeliveryDate: '20260303', Weight: '12000', WeightUnit: 'L', ...over });

async function read(c: EdiFolderConnector<unknown>, entity: string): Promise<ParsedRecordBatch['records']> {
  const out: ParsedRecordBatch['records'] = [];
  for await (const b of c.read(entity, { batchSize: 100 })) out.push(...parseRecordBatch(b).records);
  return out;
}

describe('BluJay export folder (fixed-width + X12)', () => {
  it('given a fixed-width export with broken rows and an X12 204 file, then good rows and tenders load and each broken row is quarantined by name', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'blujay-'));
    dirs.push(dir);
    expect(ok('A').length).toBe(RECORD_WIDTH);
    const lines = [ok('BJ1001'), ok('BJ1002', { WeightUnit: 'K' }), ok('BJ1003').slice(0, 60), ok('BJ1004', { WeightUnit: 'Q' }), ok('BJ1005', { PickupDate: '20260231' }), ok('BJ1006', { RecordType: 'XX' }), ok('', {})];
    await writeFile(path.join(dir, 'shipments_20260301.dat'), lines.join('\r\n') + '\r\n');
    await writeFile(path.join(dir, '204_001.edi'), generateMercuryGateSample(1, 10).batch1.files['204_001.edi']!);
    const c = new EdiFolderConnector(bluJayDefinition, dir) as EdiFolderConnector<unknown>;
    const recs = await read(c, 'Shipment');
    const good = recs.filter((r) => !r.reject);
    expect(good.map((r) => r.sourceId).filter((id) => id.startsWith('BJ'))).toEqual(['BJ1001', 'BJ1002']);
    expect(good.find((r) => r.sourceId === 'BJ1002')!.fields['WeightKg']).toBe(12000);
    expect(good.find((r) => r.sourceId === 'BJ1001')!.fields['WeightKg']).toBeCloseTo(5443.108, 3);
    expect(good.filter((r) => r.sourceId.startsWith('MG')).length).toBe(4);
    const reasons = recs.filter((r) => r.reject).map((r) => r.reject!.reason);
    expect(reasons).toHaveLength(5);
    expect(reasons).toEqual(expect.arrayContaining([
      expect.stringMatching(/^flat-record-width: shipments_20260301\.dat line 3 is 60 characters, the shipment layout is 89/),
      expect.stringMatching(/^unit-unmapped: shipments_20260301\.dat line 4: weight unit "Q"/),
      expect.stringMatching(/^element-invalid: shipments_20260301\.dat line 5: PickupDate "20260231" is not a CCYYMMDD date/),
      expect.stringMatching(/^flat-record-type: shipments_20260301\.dat line 6 has record type "XX"/),
      expect.stringMatching(/^element-missing: shipments_20260301\.dat line 7: ShipmentId \(columns 3–17\) is empty/),
    ]));
    expect(c.sourceSystem).toBe('blujay');
  });
});
