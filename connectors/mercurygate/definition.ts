/**
 * MercuryGate TMS over its EDI route: X12 004010 204 (motor carrier load tender), 990 (response to a
 * load tender) and 214 (shipment status) files dropped in a folder. Built from the public X12
 * transaction-set structure only; never run against a live MercuryGate tenant.
 *
 * Entities: Party (N1 loops), Shipment (204 B2/B2A/L11/MS3/L3, 990 B1), Leg (consecutive 204 S5
 * stops), Event (214 AT7 with MS1/MS2). One rule for amendments: a 214 adds events; a 204 with a later
 * control number (ISA13, GS06, ST02) replaces the tender's fields, and legs it no longer has are deleted.
 */
import type { Contribution } from '../edi-x12/fold.ts';
import type { EdiFolderDefinition, X12Rejection } from '../edi-x12/folder-connector.ts';
import type { Segment, X12Transaction } from '../edi-x12/parser.ts';
import { transactionKey } from '../edi-x12/parser.ts';
import { el, ElementError, first, loops, required, x12DateTime, x12Number } from '../edi-x12/segments.ts';
import type { FieldValue } from '../../shared/record-batch.ts';

/** Weight unit codes (X12 element 188) → kilograms per unit. A code not here is quarantined. */
export const WEIGHT_UNITS: Record<string, number> = { K: 1, L: 0.45359237 };
/** 204 B2A01 transaction set purpose. */
export const PURPOSES: Record<string, string> = { '00': 'original', '01': 'cancellation', '04': 'change', '05': 'replace' };
/** 990 B104 reservation action. */
export const RESPONSES: Record<string, string> = { A: 'accepted', D: 'declined' };
/** N101 entity identifier codes read as parties. */
export const PARTY_ROLES: Record<string, string> = { SH: 'shipper', CN: 'consignee', BT: 'bill_to', SF: 'ship_from', ST: 'ship_to', CA: 'carrier' };

const fields = {
  Party: ['PartyId', 'Name', 'Role', 'Address1', 'City', 'State', 'PostalCode', 'Country', 'ContactName', 'Phone', 'Email'],
  Shipment: ['ShipmentId', 'IsMaster', 'MasterShipmentId', 'CarrierScac', 'PaymentMethod', 'TenderPurpose', 'TenderStatus', 'TenderResponse', 'ResponseDate', 'Mode', 'Equipment',
    'ShipperPartyId', 'ConsigneePartyId', 'BillToPartyId', 'Origin', 'Destination', 'PickupAt', 'DeliveryAt', 'WeightKg', 'Pieces', 'StopCount', 'ControlNumbers'],
  Leg: ['ShipmentId', 'LegSequence', 'Mode', 'Origin', 'Destination', 'Etd', 'Eta', 'CarrierScac', 'OriginStopReason', 'DestinationStopReason'],
  Event: ['ShipmentId', 'StatusCode', 'ReasonCode', 'EventAt', 'City', 'State', 'Country', 'CarrierScac', 'Equipment', 'ProNumber', 'StopSequence', 'ControlNumbers'],
};

function where(tx: X12Transaction): string {
  return `${transactionKey(tx)} (${tx.type})`;
}

function controlNumbers(tx: X12Transaction): string {
  return `${tx.isa}/${tx.gs}/${tx.st}`;
}

function weightKg(weight: string | null, unit: string | null, field: string, w: string): number | null {
  const n = x12Number(weight, field, w);
  if (n === null) return null;
  const code = unit ?? 'L';
  const factor = WEIGHT_UNITS[code];
  if (factor === undefined) throw new ElementError('unit-unmapped', field, `${w}: weight unit ${JSON.stringify(code)} is not in the connector's unit map (${Object.keys(WEIGHT_UNITS).join(', ')})`);
  return Math.round(n * factor * 1000) / 1000;
}

/** An N1 loop → a party contribution and its id. */
function party(loop: Segment[], w: string, owner: string | undefined): { id: string; role: string; c: Contribution } | null {
  const n1 = loop[0]!;
  const role = PARTY_ROLES[el(n1, 1) ?? ''];
  if (!role) return null;
  const name = required(n1, 'N1', 2, w);
  const id = el(n1, 4) ?? `NAME:${name.toUpperCase().replace(/\s+/g, ' ')}`;
  const n3 = first(loop, 'N3');
  const n4 = first(loop, 'N4');
  const g61 = first(loop, 'G61');
  const f: Record<string, FieldValue> = {
    PartyId: id, Name: name, Role: role, Address1: el(n3, 1), City: el(n4, 1), State: el(n4, 2), PostalCode: el(n4, 3), Country: el(n4, 4),
    ContactName: el(g61, 2), Phone: el(g61, 3) === 'TE' ? el(g61, 4) : null, Email: el(g61, 3) === 'EM' ? el(g61, 4) : null,
  };
  void owner;
  return { id, role, c: { entity: 'Party', sourceId: id, layer: 'party', fields: f } };
}

function place(loop: Segment[]): string | null {
  const n4 = first(loop, 'N4');
  const city = el(n4, 1);
  const state = el(n4, 2);
  return city ? [city, state].filter(Boolean).join(', ') : null;
}

function read204(tx: X12Transaction): Contribution[] {
  const w = where(tx);
  const segs = tx.segments;
  const b2 = first(segs, 'B2');
  const shipmentId = required(b2, 'B2', 4, w);
  const purposeCode = required(first(segs, 'B2A'), 'B2A', 1, w);
  const purpose = PURPOSES[purposeCode];
  if (!purpose) throw new ElementError('element-invalid', 'B2A*01', `${w}: B2A01 purpose ${JSON.stringify(purposeCode)} is not one of ${Object.keys(PURPOSES).join(', ')}`);
  const owner = `tender:${shipmentId}`;
  const out: Contribution[] = [];
  // Header-level parties: N1 loops before the first S5.
  const firstStop = segs.findIndex((s) => s[0] === 'S5');
  const header = firstStop < 0 ? segs : segs.slice(0, firstStop);
  const roles: Record<string, string> = {};
  for (const loop of loops(header, 'N1', ['N7', 'S5', 'L3', 'SE', 'G62', 'L11'])) {
    const p = party(loop, w, owner);
    if (!p) continue;
    roles[p.role] = p.id;
    out.push(p.c);
  }
  let master: string | null = null;
  for (const s of header) if (s[0] === 'L11' && el(s, 2) === 'MB') master = el(s, 1);
  const stops = loops(segs, 'S5', ['L3', 'SE']);
  const stopInfo = stops.map((loop, i) => {
    const s5 = loop[0]!;
    const seq = x12Number(required(s5, 'S5', 1, w), 'S5*01', w)!;
    if (seq !== i + 1) throw new ElementError('element-invalid', 'S5*01', `${w}: stop ${i + 1} has S501 sequence ${seq}`);
    let at: string | null = null;
    for (const g of loop.filter((s) => s[0] === 'G62')) at ??= x12DateTime(el(g, 2), el(g, 4), 'G62*02', w);
    const stopParties = loops(loop, 'N1', ['G62', 'L11', 'AT8', 'NTE', 'OID']);
    for (const pl of stopParties) {
      const p = party(pl, w, owner);
      if (p) out.push(p.c);
    }
    const at8 = first(loop, 'AT8');
    if (at8) weightKg(el(at8, 3), el(at8, 2), 'AT8*03', w);
    const location = stopParties.map(place).find((x) => x !== null) ?? null;
    return { seq, reason: el(s5, 2), at, location };
  });
  if (stopInfo.length < 2) throw new ElementError('element-missing', 'S5', `${w}: a load tender needs at least 2 stops (S5), found ${stopInfo.length}`);
  const l3 = first(segs, 'L3');
  const ms3 = first(segs, 'MS3');
  const n7 = first(segs, 'N7');
  const scac = required(b2, 'B2', 2, w);
  const mode = el(ms3, 4);
  const shipment: Record<string, FieldValue> = {
    ShipmentId: shipmentId, IsMaster: false, MasterShipmentId: master, CarrierScac: scac, PaymentMethod: el(b2, 6),
    TenderPurpose: purpose, TenderStatus: purpose === 'cancellation' ? 'cancelled' : 'tendered', Mode: mode, Equipment: el(n7, 11),
    ShipperPartyId: roles['shipper'] ?? null, ConsigneePartyId: roles['consignee'] ?? null, BillToPartyId: roles['bill_to'] ?? null,
    Origin: stopInfo[0]!.location, Destination: stopInfo.at(-1)!.location, PickupAt: stopInfo[0]!.at, DeliveryAt: stopInfo.at(-1)!.at,
    WeightKg: weightKg(el(l3, 1), el(l3, 12), 'L3*01', w), Pieces: x12Number(el(l3, 11), 'L3*11', w), StopCount: stopInfo.length, ControlNumbers: controlNumbers(tx),
  };
  out.push({ entity: 'Shipment', sourceId: shipmentId, layer: 'tender', fields: shipment, owner });
  if (master) out.push({ entity: 'Shipment', sourceId: master, layer: 'consol', fields: { ShipmentId: master, IsMaster: true, Mode: mode } }); // no carrier: house loads of one master may name different carriers
  for (let i = 0; i + 1 < stopInfo.length; i++) {
    const a = stopInfo[i]!;
    const b = stopInfo[i + 1]!;
    out.push({
      entity: 'Leg', sourceId: `${shipmentId}:${i + 1}`, layer: 'tender', owner,
      fields: { ShipmentId: shipmentId, LegSequence: i + 1, Mode: mode, Origin: a.location, Destination: b.location, Etd: a.at, Eta: b.at, CarrierScac: scac, OriginStopReason: a.reason, DestinationStopReason: b.reason },
    });
  }
  return out;
}

function read990(tx: X12Transaction): Contribution[] {
  const w = where(tx);
  const b1 = first(tx.segments, 'B1');
  const shipmentId = required(b1, 'B1', 2, w);
  const action = required(b1, 'B1', 4, w);
  const response = RESPONSES[action];
  if (!response) throw new ElementError('element-invalid', 'B1*04', `${w}: B104 reservation action ${JSON.stringify(action)} is not one of ${Object.keys(RESPONSES).join(', ')}`);
  return [{
    entity: 'Shipment', sourceId: shipmentId, layer: 'response',
    fields: { ShipmentId: shipmentId, TenderResponse: response, ResponseDate: x12DateTime(el(b1, 3), null, 'B1*03', w) },
  }];
}

function read214(tx: X12Transaction): Contribution[] {
  const w = where(tx);
  const b10 = first(tx.segments, 'B10');
  const shipmentId = required(b10, 'B10', 2, w);
  const out: Contribution[] = [];
  const groups = loops(tx.segments, 'AT7', ['LX', 'SE']);
  if (groups.length === 0) throw new ElementError('element-missing', 'AT7', `${w}: a status message needs at least one AT7 status segment`);
  let lx: string | null = null;
  for (const s of tx.segments) {
    if (s[0] === 'LX') lx = el(s, 1);
    if (s[0] !== 'AT7') continue;
    const loop = groups.find((g) => g[0] === s)!;
    const code = el(s, 1) ?? el(s, 3);
    if (code === null) throw new ElementError('element-missing', 'AT7*01', `${w}: AT7 has neither a status code (AT701) nor an appointment code (AT703)`);
    const at = x12DateTime(required(s, 'AT7', 5, w), el(s, 6), 'AT7*05', w);
    const ms1 = first(loop, 'MS1');
    const ms2 = first(loop, 'MS2');
    out.push({
      entity: 'Event', sourceId: `${shipmentId}:${code}:${at}`, layer: 'status',
      fields: {
        ShipmentId: shipmentId, StatusCode: code, ReasonCode: el(s, 2) ?? el(s, 4), EventAt: at, City: el(ms1, 1), State: el(ms1, 2), Country: el(ms1, 3),
        CarrierScac: el(ms2, 1) ?? el(b10, 3), Equipment: el(ms2, 2), ProNumber: el(b10, 1), StopSequence: lx, ControlNumbers: controlNumbers(tx),
      },
    });
  }
  return out;
}

const readers: Record<string, (tx: X12Transaction) => Contribution[]> = { '204': read204, '990': read990, '214': read214 };

/** The 204/990/214 motor-carrier definition, for any TMS that speaks it (MercuryGate, BluJay). */
export function motorCarrierDefinition(sourceSystem: string): EdiFolderDefinition {
  return { ...mercuryGateDefinition, sourceSystem };
}

export const mercuryGateDefinition: EdiFolderDefinition = {
  sourceSystem: 'mercurygate',
  extensions: ['.edi', '.x12', '.txt'],
  entities: [
    { name: 'Party', primaryKey: 'PartyId', fields: fields.Party },
    { name: 'Shipment', primaryKey: 'ShipmentId', fields: fields.Shipment },
    { name: 'Leg', primaryKey: 'ShipmentId,LegSequence', fields: fields.Leg },
    { name: 'Event', primaryKey: 'ShipmentId,StatusCode,EventAt', fields: fields.Event },
  ],
  rejectEntityOf: { '204': 'Shipment', '990': 'Shipment', '214': 'Event' },
  defaultRejectEntity: 'Shipment',
  layerOrder: ['consol', 'tender', 'response', 'party', 'status'],
  interpret(tx: X12Transaction): Contribution[] | X12Rejection {
    const read = readers[tx.type];
    if (!read) return { reason: `transaction-type-unexpected: ${where(tx)}: MercuryGate EDI reads 204, 990 and 214 transaction sets, not ${JSON.stringify(tx.type)}`, field: 'ST*01' };
    try {
      return read(tx);
    } catch (err) {
      if (err instanceof ElementError) return { reason: err.message, field: err.field };
      throw err;
    }
  },
};
