/**
 * CargoWise One eAdaptor Universal XML, read from a folder of exported messages (customers without
 * direct database access). No public XSDs exist, so each message type declares the structure it must
 * have (`schemas`): the root, required paths, and which elements repeat. Built from public
 * documentation and public integration code only; never run against a live CargoWise instance.
 */
import type { FieldValue } from '../../shared/record-batch.ts';

export type XmlNode = Record<string, unknown>;

export class XmlStructureError extends Error {
  override readonly name = 'XmlStructureError';
  constructor(readonly code: 'xml-structure' | 'unit-unmapped' | 'value-invalid', readonly field: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** Elements that repeat inside *Collection wrappers (parsed as arrays even when one is present). */
export const REPEATED = ['DataSource', 'OrganizationAddress', 'Container', 'TransportLeg', 'PostingJournal', 'Event', 'UniversalShipment', 'UniversalEvent', 'UniversalTransaction', 'Date'];

/** The structural schema per message type: paths (from the message element) that must be present and non-empty. */
export const schemas: Record<string, { body: string; required: string[] }> = {
  UniversalShipment: { body: 'Shipment', required: ['DataContext.DataSourceCollection.DataSource.Key', 'TransportMode.Code'] },
  UniversalEvent: { body: 'Event', required: ['DataContext.DataSourceCollection.DataSource.Key', 'EventType', 'EventTime'] },
  UniversalTransaction: { body: 'TransactionInfo', required: ['Number', 'Ledger', 'TransactionDate', 'OSCurrency.Code'] },
};

/** Weight units → kg; volume units → m³. Others are quarantined (`unit-unmapped`). */
export const WEIGHT_UNITS: Record<string, number> = { KG: 1, LB: 0.45359237, T: 1000 };
export const VOLUME_UNITS: Record<string, number> = { M3: 1, CF: 0.0283168466 };

/** Dotted path into a parsed node; arrays take their first element. */
export function at(node: unknown, dotted: string): unknown {
  let cur: unknown = node;
  for (const k of dotted.split('.')) {
    if (Array.isArray(cur)) cur = cur[0];
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as XmlNode)[k];
  }
  return Array.isArray(cur) ? cur[0] : cur;
}

export function text(node: unknown, dotted: string): string | null {
  const v = at(node, dotted);
  if (v === undefined || v === null) return null;
  if (typeof v === 'object') {
    const t = (v as XmlNode)['#text'];
    return t === undefined ? null : String(t).trim() || null;
  }
  return String(v).trim() || null;
}

export function list(node: unknown, dotted: string): XmlNode[] {
  const parts = dotted.split('.');
  const last = parts.pop()!;
  const parent = parts.length ? at(node, parts.join('.')) : node;
  const v = parent && typeof parent === 'object' ? (parent as XmlNode)[last] : undefined;
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]) as XmlNode[];
}

export function number(node: unknown, dotted: string, where: string): number | null {
  const t = text(node, dotted);
  if (t === null) return null;
  if (!/^-?\d+(\.\d+)?$/.test(t)) throw new XmlStructureError('value-invalid', dotted, `${where}: ${dotted} ${JSON.stringify(t)} is not a number`);
  return Number(t);
}

export function converted(node: unknown, valuePath: string, unitPath: string, units: Record<string, number>, where: string): number | null {
  const n = number(node, valuePath, where);
  if (n === null) return null;
  const unit = text(node, unitPath);
  const f = unit === null ? undefined : units[unit.toUpperCase()];
  if (f === undefined) throw new XmlStructureError('unit-unmapped', unitPath, `${where}: unit ${JSON.stringify(unit)} for ${valuePath} is not in the connector's unit map (${Object.keys(units).join(', ')})`);
  return Math.round(n * f * 1000) / 1000;
}

export function dataKey(node: unknown, type?: string): string | null {
  const sources = list(at(node, 'DataContext.DataSourceCollection'), 'DataSource');
  const s = type ? sources.find((d) => text(d, 'Type') === type) : sources[0];
  return s ? text(s, 'Key') : null;
}

export type Fields = Record<string, FieldValue>;
