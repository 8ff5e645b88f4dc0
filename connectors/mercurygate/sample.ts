/**
 * Seeded sample generator for MercuryGate EDI folders: realistic 204/990/214 traffic with
 * consolidations (L11*MB master loads), multi-stop tenders, amended 204s (B2A*04, later control
 * numbers), duplicates (a file re-sent under another name, a 214 re-sent in a new interchange) and
 * out-of-order 214s (status files whose names sort before the events they follow).
 *
 * batch 1 is the first delivery; batch 2 is what arrives after it: corrections, an old 204 re-sent,
 * new statuses, new tenders. `expected` says what the folder holds after each batch, derived from the
 * generator's own model (not from parsing), so tests compare two independent computations.
 */
import { interchange, type Seg } from '../edi-x12/writer.ts';
import { rng } from '../../shared/prng.ts';

const CITIES = [['Chicago', 'IL', '60601'], ['Dallas', 'TX', '75201'], ['Atlanta', 'GA', '30301'], ['Memphis', 'TN', '38103'], ['Columbus', 'OH', '43215'], ['Denver', 'CO', '80202'], ['Reno', 'NV', '89501'], ['Laredo', 'TX', '78040']] as const;
const SHIPPERS = ['Acme Foods', 'Blue River Paper', 'Cobalt Plastics', 'Delta Tools'];
const CONSIGNEES = ['Northwind Retail', 'Summit Grocers', 'Harbor Hardware'];
const SCACS = ['ODFL', 'SAIA', 'XPOL', 'RDWY'];

export interface PlannedShipment {
  id: string;
  stops: number;
  weightLb: number;
  master: string | null;
  scac: string;
  day: number;
}

export interface SampleBatch {
  files: Record<string, string>;
  /** What the folder holds after this batch (all batches so far), from the model. */
  expected: { shipments: number; masters: number; legs: number; events: number; parties: number; amended: string[] };
}

interface Model { shipments: Map<string, PlannedShipment>; events: Set<string>; parties: Set<string> }

const date = (day: number) => `202603${String(1 + (day % 28)).padStart(2, '0')}`;

function tender(s: PlannedShipment, purpose: '00' | '04'): Seg[] {
  const r = rng(Number(s.id.replace(/\D/g, '')) + s.stops * 7 + s.weightLb);
  const shipper = SHIPPERS[Number(s.id.replace(/\D/g, '')) % SHIPPERS.length]!;
  const consignee = CONSIGNEES[Number(s.id.replace(/\D/g, '')) % CONSIGNEES.length]!;
  const body: Seg[] = [
    ['B2', null, s.scac, null, s.id, null, 'PP'],
    ['B2A', purpose, 'LT'],
    ['L11', `PO${s.id.slice(-4)}`, 'PO'],
  ];
  if (s.master) body.push(['L11', s.master, 'MB']);
  body.push(['MS3', s.scac, 'B', null, 'M']);
  body.push(['N1', 'SH', shipper, '93', `SH-${shipper.split(' ')[0]!.toUpperCase()}`], ['N3', '100 Main St'], ['N4', 'Chicago', 'IL', '60601', 'US'], ['G61', 'SH', 'Dock Office', 'TE', '312-555-0100']);
  body.push(['N1', 'CN', consignee, '93', `CN-${consignee.split(' ')[0]!.toUpperCase()}`], ['N4', 'Dallas', 'TX', '75201', 'US']);
  body.push(['N1', 'BT', 'Logic Freight Payables', '93', 'BT-LOGIC'], ['N4', 'Denver', 'CO', '80202', 'US'], ['G61', 'AP', 'Payables', 'EM', 'ap@example.com']);
  body.push(['N7', null, `TRL${s.id.slice(-3)}`, null, null, null, null, null, null, null, null, 'TL']);
  for (let i = 0; i < s.stops; i++) {
    const c = CITIES[(Number(s.id.replace(/\D/g, '')) + i * 3) % CITIES.length]!;
    const reason = i === 0 ? 'CL' : i === s.stops - 1 ? 'CU' : r() < 0.5 ? 'PL' : 'PU';
    body.push(['S5', i + 1, reason]);
    body.push(['G62', i === 0 ? '10' : '70', date(s.day + i), 'I', `${String(8 + i).padStart(2, '0')}00`]);
    body.push(['AT8', 'G', 'L', Math.round(s.weightLb / s.stops)]);
    body.push(['N1', i === 0 ? 'SF' : 'ST', `${c[0]} DC ${i + 1}`], ['N4', c[0], c[1], c[2], 'US']);
  }
  body.push(['L3', s.weightLb, 'G', null, null, 125000, null, null, null, null, null, s.stops * 10, 'L']);
  return body;
}

function response(s: PlannedShipment, accept: boolean): Seg[] {
  return [['B1', s.scac, s.id, date(s.day), accept ? 'A' : 'D']];
}

const STATUS = ['X3', 'AF', 'X6', 'X1', 'D1'] as const;
function status(s: PlannedShipment, code: string, k: number): Seg[] {
  const c = CITIES[(Number(s.id.replace(/\D/g, '')) + k) % CITIES.length]!;
  return [['B10', `PRO${s.id.slice(-5)}`, s.id, s.scac], ['LX', k + 1], ['AT7', code, 'NS', null, null, date(s.day + k), `${String(7 + k).padStart(2, '0')}30`, 'LT'], ['MS1', c[0], c[1], 'USA'], ['MS2', s.scac, `TRL${s.id.slice(-3)}`]];
}

/** Batches 1..2 of one seeded folder. Shipment count ≥ 10. */
export function generateMercuryGateSample(seed: number, count = 24): { batch1: SampleBatch; batch2: SampleBatch } {
  const r = rng(seed);
  const model: Model = { shipments: new Map(), events: new Set(), parties: new Set() };
  let isa = 1000;
  let gs = 500;
  const sender = 'MGATE';
  const receiver = 'LOGICNEXUS';
  const file = (n: number, groups: Parameters<typeof interchange>[0]['groups']) =>
    interchange({ isa: (isa += 1 + Math.floor(r() * 3)), sender, receiver, date: date(n), time: '1200', groups });
  const nextGs = () => (gs += 1);

  const plan: PlannedShipment[] = Array.from({ length: count }, (_, i) => ({
    id: `MG${String(700000 + i * 13)}`, stops: 2 + Math.floor(r() * 3), weightLb: 8000 + Math.floor(r() * 30000), scac: SCACS[i % SCACS.length]!, day: i % 20,
    master: i % 5 === 0 || i % 5 === 1 ? `CONSOL-${Math.floor(i / 5) + 1}` : null,
  }));
  const track = (s: PlannedShipment) => {
    model.shipments.set(s.id, s);
    for (const p of partiesOf(s)) model.parties.add(p);
  };
  const b1: Record<string, string> = {};
  // Tenders: 4 sets a file, one group per file.
  for (let i = 0; i < plan.length; i += 4) {
    const chunk = plan.slice(i, i + 4);
    b1[`204_${String(i / 4 + 1).padStart(3, '0')}.edi`] = file(i, [{ functionalId: 'SM', gs: nextGs(), sets: chunk.map((s, k) => ({ type: '204', st: k + 1, body: tender(s, '00') })) }]);
    chunk.forEach(track);
  }
  // Responses: one file, one group, every shipment; one in seven declined.
  b1['990_001.edi'] = file(1, [{ functionalId: 'GF', gs: nextGs(), sets: plan.map((s, k) => ({ type: '990', st: k + 1, body: response(s, k % 7 !== 3) })) }]);
  // Statuses, out of order: the later statuses go in files whose names sort first.
  const statusFiles: Record<string, string> = {};
  for (let k = 2; k >= 0; k--) {
    const sets = plan.filter((_, i) => i % 3 !== 2).map((s, n) => ({ type: '214', st: n + 1, body: status(s, STATUS[k]!, k) }));
    statusFiles[`214_${String(3 - k).padStart(3, '0')}.edi`] = file(2 + k, [{ functionalId: 'QM', gs: nextGs(), sets }]);
    for (const s of plan.filter((_, i) => i % 3 !== 2)) model.events.add(`${s.id}:${STATUS[k]}:${k}`);
  }
  Object.assign(b1, statusFiles);
  // Duplicates: the first status file re-sent under another name, and one 214 re-sent in a new interchange.
  b1['214_001_resend.edi'] = statusFiles['214_001.edi']!;
  b1['214_dup.edi'] = file(5, [{ functionalId: 'QM', gs: nextGs(), sets: [{ type: '214', st: 1, body: status(plan[0]!, STATUS[0]!, 0) }] }]);
  const snapshot = (): SampleBatch['expected'] => {
    const ships = [...model.shipments.values()];
    const masters = new Set(ships.map((s) => s.master).filter((m): m is string => m !== null));
    return { shipments: ships.length, masters: masters.size, legs: ships.reduce((n, s) => n + s.stops - 1, 0), events: model.events.size, parties: model.parties.size, amended: [] };
  };
  const batch1: SampleBatch = { files: b1, expected: snapshot() };

  // Batch 2: corrections with later control numbers (one stop fewer or more weight), an old 204 re-sent, new statuses, new tenders.
  const b2: Record<string, string> = {};
  const amended = plan.filter((_, i) => i % 4 === 1).map((s) => ({ ...s, stops: s.stops > 2 ? s.stops - 1 : s.stops, weightLb: s.weightLb + 1000 }));
  b2['204_amend_001.edi'] = file(30, [{ functionalId: 'SM', gs: nextGs(), sets: amended.map((s, k) => ({ type: '204', st: k + 1, body: tender(s, '04') })) }]);
  amended.forEach(track);
  // The same interchange (same, older control numbers) re-sent with CRLF line ends: not byte-identical, so it is read again, and loses to the amendment.
  b2['204_001_resend_old.edi'] = b1['204_001.edi']!.replace(/~\n/g, '~\r\n');
  const delivered = plan.filter((_, i) => i % 3 === 0);
  b2['214_100.edi'] = file(31, [{ functionalId: 'QM', gs: nextGs(), sets: delivered.map((s, n) => ({ type: '214', st: n + 1, body: status(s, 'D1', 4) })) }]);
  for (const s of delivered) model.events.add(`${s.id}:D1:4`);
  const fresh: PlannedShipment[] = [0, 1].map((i) => ({ id: `MG${800000 + i}`, stops: 3, weightLb: 12000 + i, scac: 'ODFL', day: 3 + i, master: null }));
  b2['204_new_001.edi'] = file(32, [{ functionalId: 'SM', gs: nextGs(), sets: fresh.map((s, k) => ({ type: '204', st: k + 1, body: tender(s, '00') })) }]);
  fresh.forEach(track);
  const batch2: SampleBatch = { files: b2, expected: { ...snapshot(), amended: amended.map((s) => s.id) } };
  return { batch1, batch2 };
}

function partiesOf(s: PlannedShipment): string[] {
  const n = Number(s.id.replace(/\D/g, ''));
  const out = [`SH-${SHIPPERS[n % SHIPPERS.length]!.split(' ')[0]!.toUpperCase()}`, `CN-${CONSIGNEES[n % CONSIGNEES.length]!.split(' ')[0]!.toUpperCase()}`, 'BT-LOGIC'];
  for (let i = 0; i < s.stops; i++) out.push(`NAME:${CITIES[(n + i * 3) % CITIES.length]![0].toUpperCase()} DC ${i + 1}`);
  return out;
}
