/**
 * A synthetic SourceConnector for benchmarks: accounts, contacts, opportunities, shipments,
 * containers and invoices with relationships, generated on the fly. Record i of every entity is a
 * pure function of (seed, entity, i) and its parents' ids are computed arithmetically, so nothing is
 * buffered and any checkpoint { offset } resumes exactly.
 */
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector, StreamInfo } from '../../shared/connector.ts';
import type { FieldValue, RecordBatch, SourceRecord } from '../../shared/record-batch.ts';

export const SYNTHETIC_SOURCE = 'synthetic';

/** Share of the total record count per entity (sums to 1). */
const SHARES: [string, number][] = [
  ['Account', 0.1],
  ['Contact', 0.2],
  ['Opportunity', 0.15],
  ['Shipment', 0.25],
  ['Container', 0.15],
  ['Invoice', 0.15],
];

export function syntheticCounts(records: number): Record<string, number> {
  const out: Record<string, number> = {};
  let used = 0;
  SHARES.forEach(([e, share], i) => {
    const n = i === SHARES.length - 1 ? records - used : Math.floor(records * share);
    out[e] = Math.max(1, n);
    used += out[e]!;
  });
  return out;
}

/** 32-bit integer hash of (seed, entity index, i): cheap, stateless, well mixed. */
function h(seed: number, salt: number, i: number): number {
  let x = (seed ^ Math.imul(salt + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

const WORDS = ['Atlas', 'Harbor', 'Summit', 'Nordic', 'Pacific', 'Orion', 'Delta', 'Granite', 'Meridian', 'Falcon'];
const STAGES = ['Prospecting', 'Qualification', 'Proposal', 'Negotiation', 'Closed Won', 'Closed Lost'];
const MODES = ['Ocean', 'Air', 'Road', 'Rail'];
const PORTS = ['CNSHA', 'SGSIN', 'NLRTM', 'DEHAM', 'USLAX', 'USNYC', 'AEJEA', 'KRPUS'];
const day = (n: number): string => new Date(Date.UTC(2023, 0, 1) + (n % 900) * 86_400_000).toISOString().slice(0, 10);

type Gen = (i: number, r: (k: number) => number, n: Record<string, number>) => Record<string, FieldValue>;

/** Record i (1-based) of each entity. Parents are picked by arithmetic on i, never by lookup. */
const GENERATORS: Record<string, Gen> = {
  Account: (i, r) => ({
    Name: `${WORDS[r(1) % WORDS.length]} Trading ${i}`,
    Type: ['Customer', 'Prospect', 'Partner', 'Carrier'][r(2) % 4]!,
    Industry: ['Retail', 'Manufacturing', 'Electronics', 'Food'][r(3) % 4]!,
    AnnualRevenue: (r(4) % 5000) * 1000,
    ParentId: i > 10 && i % 10 !== 0 ? `A${i - (i % 10)}` : null,
    City: PORTS[r(5) % PORTS.length]!,
    CreatedDate: `${day(r(6))}T10:00:00Z`,
  }),
  Contact: (i, r, n) => ({
    AccountId: `A${1 + (i % n['Account']!)}`,
    FirstName: WORDS[r(1) % WORDS.length]!,
    LastName: `Contact${i}`,
    Email: `contact${i}@bench.example`,
    Phone: `+1-555-${String(r(2) % 10000).padStart(4, '0')}`,
  }),
  Opportunity: (i, r, n) => ({
    Name: `Deal ${i}`,
    AccountId: `A${1 + (i % n['Account']!)}`,
    ContactId: `C${1 + (i % n['Contact']!)}`,
    StageName: STAGES[r(1) % STAGES.length]!,
    Amount: (r(2) % 100000) + 0.5,
    CloseDate: day(r(3)),
  }),
  Shipment: (i, r, n) => {
    const isMaster = i % 20 === 1;
    const master = !isMaster && i % 20 >= 2 && i % 20 <= 4 && i > 20 ? `S${i - (i % 20) + 1}` : null;
    return {
      ShipmentNo: `SHP${i}`,
      IsMaster: isMaster,
      MasterId: master,
      AccountId: `A${1 + (i % n['Account']!)}`,
      Mode: MODES[r(1) % MODES.length]!,
      Origin: PORTS[r(2) % PORTS.length]!,
      Destination: PORTS[r(3) % PORTS.length]!,
      ETD: `${day(r(4))}T12:00:00Z`,
      WeightKg: r(5) % 25000,
      Pieces: 1 + (r(6) % 40),
    };
  },
  Container: (i, r, n) => ({
    ShipmentId: `S${1 + (i % n['Shipment']!)}`,
    ContainerNo: `BNCH${String(i).padStart(7, '0')}`,
    Type: ['20GP', '40GP', '40HC'][r(1) % 3]!,
    GrossKg: r(2) % 30000,
  }),
  Invoice: (i, r, n) => ({
    InvoiceNo: `INV${i}`,
    AccountId: `A${1 + (i % n['Account']!)}`,
    ShipmentId: `S${1 + (i % n['Shipment']!)}`,
    Status: ['Issued', 'Paid', 'Overdue'][r(1) % 3]!,
    IssueDate: day(r(2)),
    Total: (r(3) % 50000) + 0.25,
  }),
};
const PREFIX: Record<string, string> = { Account: 'A', Contact: 'C', Opportunity: 'O', Shipment: 'S', Container: 'K', Invoice: 'I' };

export function syntheticSource(opts: { records: number; seed: number }): SourceConnector {
  const counts = syntheticCounts(opts.records);
  const entityNames = SHARES.map(([e]) => e);
  return {
    sourceSystem: SYNTHETIC_SOURCE,
    async check(): Promise<CheckResult> {
      return { ok: true, message: `synthetic source: ${opts.records} records, seed ${opts.seed}`, details: { counts } };
    },
    async discover(): Promise<DiscoveredSchema> {
      const streams: StreamInfo[] = entityNames.map((entity, salt) => {
        const sample = GENERATORS[entity]!(1, (k) => h(opts.seed, salt * 16 + k, 1), counts);
        return {
          entity,
          primaryKey: ['Id'],
          fields: Object.entries(sample).map(([name, v]) => ({ name, type: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string', nullable: true })),
          estimatedCount: counts[entity],
        };
      });
      return { sourceSystem: SYNTHETIC_SOURCE, streams, warnings: [] };
    },
    async entities(): Promise<string[]> {
      return [...entityNames];
    },
    async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
      const gen = GENERATORS[entity];
      if (!gen) throw new Error(`synthetic source has no entity "${entity}"; known: ${entityNames.join(', ')}`);
      const salt = entityNames.indexOf(entity);
      const total = counts[entity]!;
      const start = typeof options.checkpoint?.['offset'] === 'number' ? (options.checkpoint['offset'] as number) : 0;
      const size = Math.max(1, options.batchSize);
      let seq = 0;
      for (let from = start; from < total || (from === start && seq === 0); from += size) {
        options.signal?.throwIfAborted();
        const to = Math.min(total, from + size);
        const records: SourceRecord[] = [];
        for (let i = from + 1; i <= to; i++) {
          const sourceId = `${PREFIX[entity]}${i}`;
          records.push({ sourceId, op: 'upsert', fields: { Id: sourceId, ...gen(i, (k) => h(opts.seed, salt * 16 + k, i), counts) } });
        }
        yield { v: 1, sourceSystem: SYNTHETIC_SOURCE, entity, seq: seq++, records, checkpoint: { offset: to }, final: to >= total };
        if (to >= total) break;
      }
    },
    async close(): Promise<void> {},
  };
}
