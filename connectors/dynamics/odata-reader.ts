/**
 * Pure readers for Dataverse Web API responses: one OData page → SourceRecords plus its paging
 * state. Annotation keys carry dots (`x@OData.Community.Display.V1.FormattedValue`), which dotted
 * mapping paths cannot address, so they are renamed to their bare term:
 *
 *   `<p>@OData.Community.Display.V1.FormattedValue`              → `<p>@FormattedValue`
 *   `<p>@Microsoft.Dynamics.CRM.lookuplogicalname`               → `<p>@lookuplogicalname`
 *   `<p>@Microsoft.Dynamics.CRM.associatednavigationproperty`    → `<p>@associatednavigationproperty`
 *
 * `@odata.etag` is dropped (versionnumber carries the same row version).
 */
import type { FieldValue, SourceRecord } from '../../shared/record-batch.ts';

export class DataverseResponseError extends Error {
  override readonly name = 'DataverseResponseError';
  constructor(entity: string, what: string) {
    super(`unexpected Dataverse response for ${entity}: ${what}`);
  }
}

export interface ODataPage {
  records: SourceRecord[];
  /** Raw record objects after key normalisation (what the SDK turns into SourceRecords). */
  raw: Record<string, FieldValue>[];
  /** The `@odata.nextLink` as served (absolute URL carrying $skiptoken), or undefined on the last page. */
  nextLink?: string;
  /** `@odata.deltaLink` (last page of a change-tracked pass or of a delta response). */
  deltaLink?: string;
}

/** Rename a Web API property to a dot-free field name (see the file comment). */
export function fieldName(key: string): string | undefined {
  if (key === '@odata.etag' || key.startsWith('@odata.')) return undefined;
  const at = key.indexOf('@');
  if (at < 0) return key;
  const term = key.slice(at + 1);
  const short = term.slice(term.lastIndexOf('.') + 1);
  return `${key.slice(0, at)}@${short}`;
}

export function normalizeRecord(rec: Record<string, unknown>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(rec)) {
    const name = fieldName(k);
    if (name !== undefined && v !== undefined) out[name] = v as FieldValue;
  }
  return out;
}

/** One Web API collection response → normalised records and the next-page state. */
export function readODataPage(body: unknown, entity: string, primaryId: string): ODataPage {
  if (!body || typeof body !== 'object') throw new DataverseResponseError(entity, 'body is not a JSON object');
  const b = body as Record<string, unknown>;
  const value = b['value'];
  if (!Array.isArray(value)) throw new DataverseResponseError(entity, '"value" is not an array');
  const raw = value.map((r, i) => {
    if (!r || typeof r !== 'object') throw new DataverseResponseError(entity, `value[${i}] is not an object`);
    return normalizeRecord(r as Record<string, unknown>);
  });
  const records = raw.map((fields, i): SourceRecord => {
    const id = fields[primaryId];
    if (typeof id !== 'string' || id === '') throw new DataverseResponseError(entity, `value[${i}] has no ${primaryId}`);
    return { sourceId: id.toLowerCase(), op: 'upsert', fields };
  });
  const next = b['@odata.nextLink'];
  const nextLink = typeof next === 'string' && next !== '' ? next : undefined;
  return { records, raw, nextLink, deltaLink: linkOf(b, '@odata.deltaLink') };
}

export function linkOf(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
