/**
 * BluJay (e2open) TMS: no public extraction API, so scheduled exports: X12 204/990/214 files (the
 * motor-carrier readers shared with MercuryGate) and fixed-width shipment flat files whose layout is
 * declared here as data. Built from public documentation only; never run against a live tenant.
 */
import type { Contribution } from '../edi-x12/fold.ts';
import { x12Parser, type EdiFolderDefinition, type FileParser, type X12Rejection } from '../edi-x12/folder-connector.ts';
import type { X12Transaction } from '../edi-x12/parser.ts';
import { motorCarrierDefinition, WEIGHT_UNITS } from '../mercurygate/definition.ts';

/** The shipment flat-file layout: 1-based start column and width. Record type "SH" in columns 1–2. */
export const SHIPMENT_LAYOUT = [
  { name: 'RecordType', start: 1, width: 2 },
  { name: 'ShipmentId', start: 3, width: 15 },
  { name: 'CarrierScac', start: 18, width: 4 },
  { name: 'Mode', start: 22, width: 2 },
  { name: 'Origin', start: 24, width: 20 },
  { name: 'Destination', start: 44, width: 20 },
  { name: 'PickupDate', start: 64, width: 8 },
  { name: 'DeliveryDate', start: 72, width: 8 },
  { name: 'Weight', start: 80, width: 9 },
  { name: 'WeightUnit', start: 89, width: 1 },
] as const;
export const RECORD_WIDTH = 89;

export interface FlatRow { file: string; line: number; values: Record<string, string | null> }
type Unit = { kind: 'x12'; tx: X12Transaction } | { kind: 'flat'; row: FlatRow };

const fixedWidth: FileParser<Unit> = (text, file, ordinal) => {
  const units: ReturnType<FileParser<Unit>>['units'] = [];
  const problems: ReturnType<FileParser<Unit>>['problems'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    const key = `${file}:line:${line}`;
    if (raw.length !== RECORD_WIDTH) {
      problems.push({ reason: `flat-record-width: ${file} line ${line} is ${raw.length} characters, the shipment layout is ${RECORD_WIDTH}`, field: null, key, type: 'flat' });
      return;
    }
    const values: Record<string, string | null> = {};
    for (const c of SHIPMENT_LAYOUT) values[c.name] = raw.slice(c.start - 1, c.start - 1 + c.width).trim() || null;
    if (values['RecordType'] !== 'SH') {
      problems.push({ reason: `flat-record-type: ${file} line ${line} has record type ${JSON.stringify(values['RecordType'])}, expected "SH"`, field: 'RecordType', key, type: 'flat' });
      return;
    }
    units.push({ key, type: 'flat', version: [ordinal, 0, line], item: { kind: 'flat', row: { file, line, values } } });
  });
  return { units, problems };
};

const x12 = x12Parser as FileParser<X12Transaction>;
const parse: FileParser<Unit> = (text, file, ordinal) => {
  if (/\.(dat|fw)$/i.test(file)) return fixedWidth(text, file, ordinal);
  const r = x12(text, file, ordinal);
  return { problems: r.problems, units: r.units.map((u) => ({ ...u, item: { kind: 'x12' as const, tx: u.item } })) };
};

function flatDate(v: string | null, field: string, where: string): string | null {
  if (v === null) return null;
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}T00:00:00` : '';
  if (!m || new Date(`${iso}Z`).toISOString().slice(0, 19) !== iso) throw new Error(`element-invalid: ${where}: ${field} ${JSON.stringify(v)} is not a CCYYMMDD date`);
  return iso;
}

function readFlat(r: FlatRow): Contribution[] | X12Rejection {
  const where = `${r.file} line ${r.line}`;
  const v = r.values;
  if (!v['ShipmentId']) return { reason: `element-missing: ${where}: ShipmentId (columns 3–17) is empty`, field: 'ShipmentId' };
  let weightKg: number | null = null;
  try {
    if (v['Weight'] !== null) {
      if (!/^\d+(\.\d+)?$/.test(v['Weight']!)) return { reason: `element-invalid: ${where}: Weight ${JSON.stringify(v['Weight'])} is not a number`, field: 'Weight' };
      const f = WEIGHT_UNITS[v['WeightUnit'] ?? 'L'];
      if (f === undefined) return { reason: `unit-unmapped: ${where}: weight unit ${JSON.stringify(v['WeightUnit'])} is not in the connector's unit map (${Object.keys(WEIGHT_UNITS).join(', ')})`, field: 'WeightUnit' };
      weightKg = Math.round(Number(v['Weight']) * f * 1000) / 1000;
    }
    const fields = {
      ShipmentId: v['ShipmentId']!, IsMaster: false, CarrierScac: v['CarrierScac'], Mode: v['Mode'], Origin: v['Origin'], Destination: v['Destination'],
      PickupAt: flatDate(v['PickupDate'], 'PickupDate', where), DeliveryAt: flatDate(v['DeliveryDate'], 'DeliveryDate', where), WeightKg: weightKg, TenderStatus: 'tendered',
    };
    return [{ entity: 'Shipment', sourceId: v['ShipmentId']!, layer: 'flat', fields }];
  } catch (err) {
    return { reason: (err as Error).message, field: /PickupDate/.test((err as Error).message) ? 'PickupDate' : 'DeliveryDate' };
  }
}

const base = motorCarrierDefinition('blujay');

export const bluJayDefinition: EdiFolderDefinition<Unit> = {
  ...base,
  parse,
  extensions: ['.edi', '.x12', '.dat', '.fw'],
  rejectEntityOf: { ...base.rejectEntityOf, flat: 'Shipment' },
  // A flat-file row is the shipment export itself; a 204 for the same shipment (later) fills the tender layer over it.
  layerOrder: ['flat', ...base.layerOrder],
  interpret(u: Unit) {
    return u.kind === 'x12' ? base.interpret(u.tx) : readFlat(u.row);
  },
};
