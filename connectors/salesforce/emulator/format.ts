/**
 * Wire formatting: describe / describeGlobal bodies, REST JSON records and Bulk API 2.0 CSV rows, in
 * the shapes Salesforce documents (attributes {type,url}, +0000 timestamps in JSON, Z in CSV).
 */
import { OBJECTS, type SfField, type SfObject } from './catalog.ts';
import { bulkDateTime, sfDate, sfDateTime } from './ids.ts';
import type { Row } from './store.ts';
import type { SoqlQuery } from './soql.ts';

const SOAP: Record<string, string> = {
  id: 'tns:ID', reference: 'tns:ID', boolean: 'xsd:boolean', int: 'xsd:int', double: 'xsd:double', currency: 'xsd:double',
  percent: 'xsd:double', date: 'xsd:date', datetime: 'xsd:dateTime', address: 'urn:address',
};

function objectUrls(obj: SfObject, v: string): Record<string, string> {
  const base = `/services/data/v${v}/sobjects/${obj.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function objectFlags(obj: SfObject): Record<string, unknown> {
  const system = obj.name === 'OpportunityStage';
  return {
    activateable: false, createable: !system, custom: obj.custom ?? false, customSetting: false, deletable: !system && obj.name !== 'User',
    deprecatedAndHidden: false, feedEnabled: !system, keyPrefix: obj.keyPrefix, label: obj.label, labelPlural: `${obj.label}s`,
    layoutable: !system, mergeable: ['Account', 'Contact', 'Lead'].includes(obj.name), mruEnabled: !system, name: obj.name,
    queryable: true, replicateable: true, retrieveable: true, searchable: !system, triggerable: !system, undeletable: !system,
    updateable: !system,
  };
}

export function describeGlobal(v: string): unknown {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: OBJECTS.map((o) => ({ ...objectFlags(o), urls: objectUrls(o, v) })) };
}

function describeField(f: SfField): Record<string, unknown> {
  const text = ['string', 'picklist', 'phone', 'email', 'url', 'textarea', 'id', 'reference'].includes(f.type);
  const numeric = ['double', 'currency', 'percent'].includes(f.type);
  return {
    name: f.name, label: f.label ?? f.name.replace(/__c$/, '').replace(/_/g, ' '), type: f.type,
    length: text ? (f.length ?? 255) : 0, byteLength: text ? 3 * (f.length ?? 255) : 0,
    precision: numeric ? 18 : 0, scale: numeric ? 2 : 0, digits: f.type === 'int' ? 9 : 0,
    nillable: f.nillable ?? !['id', 'boolean'].includes(f.type), custom: f.custom ?? false, calculated: false,
    createable: !['id', 'address'].includes(f.type) && !['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'CreatedById', 'IsDeleted'].includes(f.name),
    updateable: !['id', 'address'].includes(f.type) && !['CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'CreatedById', 'IsDeleted'].includes(f.name),
    filterable: f.type !== 'textarea' || (f.length ?? 0) <= 255, sortable: f.type !== 'address', groupable: text, unique: false,
    externalId: false, idLookup: f.name === 'Id', nameField: f.name === 'Name', defaultValue: null, defaultedOnCreate: f.type === 'boolean',
    soapType: SOAP[f.type] ?? 'xsd:string', compoundFieldName: f.compoundFieldName ?? null,
    picklistValues: (f.picklist ?? []).map((value, i) => ({ active: true, defaultValue: i === 0 && f.name === 'Status', label: value, validFor: null, value })),
    referenceTo: f.referenceTo ?? [], relationshipName: f.relationshipName ?? null, polymorphicForeignKey: (f.referenceTo?.length ?? 0) > 1,
  };
}

export function describeObject(obj: SfObject, v: string): unknown {
  return { ...objectFlags(obj), fields: obj.fields.map(describeField), childRelationships: [], recordTypeInfos: [], urls: objectUrls(obj, v) };
}

function scalarJson(f: SfField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (f.type === 'datetime' && typeof value === 'number') return sfDateTime(value);
  if (f.type === 'date' && typeof value === 'number') return sfDate(value);
  return value;
}

/** One REST query record: attributes first, then the selected fields; Owner.Email nests under Owner. */
export function restRecord(q: SoqlQuery, row: Row, v: string): Record<string, unknown> {
  const rec: Record<string, unknown> = { attributes: { type: q.object.name, url: `/services/data/v${v}/sobjects/${q.object.name}/${row.id}` } };
  for (const sel of q.fields) {
    const value = scalarJson(sel.field, row.values[sel.path]);
    if (!sel.via) { rec[sel.field.name] = value; continue; }
    const rel = sel.via.reference.relationshipName!;
    const parentId = row.raw[sel.via.reference.name];
    if (rec[rel] === undefined) {
      rec[rel] = value === null && parentId == null ? null
        : { attributes: { type: sel.via.object.name, url: `/services/data/v${v}/sobjects/${sel.via.object.name}/${String(parentId ?? '')}` } };
    }
    const parent = rec[rel];
    if (parent && typeof parent === 'object') (parent as Record<string, unknown>)[sel.field.name] = value;
  }
  return rec;
}

function csvCell(f: SfField, value: unknown): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (f.type === 'datetime' && typeof value === 'number') s = bulkDateTime(value);
  else if (f.type === 'date' && typeof value === 'number') s = sfDate(value);
  else s = String(value);
  return `"${s.replace(/"/g, '""')}"`;
}

export function csvHeader(q: SoqlQuery, delimiter: string, eol: string): string {
  return q.fields.map((f) => `"${f.path}"`).join(delimiter) + eol;
}

export function csvRow(q: SoqlQuery, row: Row, delimiter: string, eol: string): string {
  return q.fields.map((f) => csvCell(f.field, row.values[f.path])).join(delimiter) + eol;
}
