import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EdiFolderConnector } from '../edi-x12/index.ts';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { mercuryGateDefinition } from './definition.ts';
import { generateMercuryGateSample } from './sample.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mg-conn-'));
  dirs.push(dir);
  for (const [n, t] of Object.entries(files)) await writeFile(path.join(dir, n), t);
  return dir;
}

async function read(c: EdiFolderConnector, entity: string, batchSize = 1000, checkpoint?: ParsedRecordBatch['checkpoint']): Promise<ParsedRecordBatch[]> {
  const out: ParsedRecordBatch[] = [];
  for await (const b of c.read(entity, { batchSize, checkpoint })) out.push(parseRecordBatch(b));
  return out;
}

describe('MercuryGate EDI folder connector', () => {
  it('given a checkpoint from any batch, then resuming yields exactly the records after it', async () => {
    const dir = await folder(generateMercuryGateSample(3).batch1.files);
    const c = new EdiFolderConnector(mercuryGateDefinition, dir);
    const full = await read(c, 'Leg', 7);
    const all = full.flatMap((b) => b.records.map((r) => r.sourceId));
    expect(new Set(all).size).toBe(all.length);
    let seen = 0;
    for (const b of full.slice(0, -1)) {
      seen += b.records.length;
      const rest = (await read(c, 'Leg', 7, b.checkpoint)).flatMap((x) => x.records.map((r) => r.sourceId));
      expect(rest).toEqual(all.slice(seen));
    }
    // A finished pass's checkpoint with no new files: nothing to read.
    expect((await read(c, 'Leg', 7, full.at(-1)!.checkpoint)).flatMap((b) => b.records)).toEqual([]);
  });

  it('given a corrected 204 in a file that sorts before the original, then the later control number still wins', async () => {
    const { batch1, batch2 } = generateMercuryGateSample(5);
    // Rename so the amendment file sorts first: order of files must not matter, only control numbers.
    const files: Record<string, string> = { ...batch1.files, '000_amend.edi': batch2.files['204_amend_001.edi']! };
    const c = new EdiFolderConnector(mercuryGateDefinition, await folder(files));
    const ships = (await read(c, 'Shipment')).flatMap((b) => b.records);
    const amended = ships.find((r) => r.sourceId === batch2.expected.amended[0])!;
    expect(amended.fields['TenderPurpose']).toBe('change');
    expect(ships.filter((r) => r.sourceId === amended.sourceId)).toHaveLength(1);
    // 990 responses merge into the tender; they do not make a second record.
    expect(['accepted', 'declined']).toContain(amended.fields['TenderResponse']);
  });

  it('given out-of-order and duplicated 214s, then each status event comes out once, in source-id order', async () => {
    const { batch1 } = generateMercuryGateSample(9);
    const c = new EdiFolderConnector(mercuryGateDefinition, await folder(batch1.files));
    const events = (await read(c, 'Event')).flatMap((b) => b.records);
    expect(events).toHaveLength(batch1.expected.events);
    const ids = events.map((e) => e.sourceId);
    expect(ids).toEqual([...ids].sort());
    expect(events.every((e) => typeof e.fields['EventAt'] === 'string' && e.fields['ShipmentId'])).toBe(true);
  });

  it('given a folder without EDI files or a missing folder, then check says so', async () => {
    const empty = await folder({ 'notes.md': 'x' });
    expect((await new EdiFolderConnector(mercuryGateDefinition, empty).check()).message).toMatch(/no EDI files \(\.edi, \.x12, \.txt\)/);
    expect((await new EdiFolderConnector(mercuryGateDefinition, path.join(empty, 'nope')).check()).ok).toBe(false);
  });
});
