/**
 * Pure readers for Salesforce's wire formats: REST query pages, Bulk API 2.0 CSV result pages and
 * their paging headers, job info, OAuth token and error bodies. The connector and the fixture tests use
 * exactly these functions, so a recorded response parses the same way a live one does.
 */
import { parse } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { z } from 'zod';
import type { FieldValue, SourceRecord } from '../../shared/record-batch.ts';

/** Field name → Salesforce field type (from describe), for typing CSV text and normalising timestamps. */
export type SfTypeMap = Record<string, string>;

const NUMERIC = new Set(['int', 'double', 'currency', 'percent', 'long']);

/** A Salesforce datetime ("2011-07-07T00:37:00.000+0000" or "…Z") as ISO-8601 UTC, else unchanged. */
export function isoDateTime(value: string): string {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : value;
}

/** A JSON value from a REST record, typed by describe when known; nested objects lose `attributes`. */
export function normalizeValue(value: unknown, type?: string): FieldValue {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((v) => normalizeValue(v));
  if (typeof value === 'object') {
    const out: Record<string, FieldValue> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (k !== 'attributes') out[k] = normalizeValue(v);
    return out;
  }
  if (typeof value === 'string' && type === 'datetime') return isoDateTime(value);
  return value as FieldValue;
}

/** A CSV cell from a Bulk result: empty is null; booleans, numbers and datetimes typed by describe. */
export function csvValue(text: string, type?: string): FieldValue {
  if (text === '') return null;
  if (type === 'boolean') return text === 'true';
  if (type && NUMERIC.has(type)) {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (type === 'datetime') return isoDateTime(text);
  return text;
}

/** The record's id: Id, else the last segment of attributes.url (records selected without Id). */
export function sourceIdOf(raw: Record<string, unknown>): string {
  if (typeof raw.Id === 'string' && raw.Id) return raw.Id;
  const attrs = raw.attributes as { url?: unknown } | undefined;
  if (attrs && typeof attrs.url === 'string') return attrs.url.split('/').pop() ?? '';
  throw new RecordShapeError('record has neither Id nor attributes.url');
}

export class RecordShapeError extends Error {
  override readonly name = 'RecordShapeError';
}

/** A REST query record as a SourceRecord (IsDeleted = true → op 'delete'). */
export function restRecord(raw: Record<string, unknown>, types: SfTypeMap = {}): SourceRecord {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(raw)) if (k !== 'attributes') fields[k] = normalizeValue(v, types[k]);
  return { sourceId: sourceIdOf(raw), op: fields.IsDeleted === true ? 'delete' : 'upsert', fields };
}

export const BULK_DELIMITERS: Record<string, string> = { COMMA: ',', TAB: '\t', PIPE: '|', SEMICOLON: ';', CARET: '^', BACKQUOTE: '`' };

/** Stream a Bulk CSV results body into SourceRecords, one row at a time (csv-parse, never the whole page). */
export async function* csvRecords(input: Readable | AsyncIterable<Uint8Array | string>, opts: { types?: SfTypeMap; delimiter?: string } = {}): AsyncGenerator<SourceRecord> {
  const parser = parse({ columns: true, delimiter: opts.delimiter ?? ',', bom: true, skip_empty_lines: true });
  const source = input instanceof Readable ? input : Readable.from(input, { objectMode: false });
  const types = opts.types ?? {};
  // pipeline forwards a source error into the parser (ending the loop below with that error).
  pipeline(source, parser, () => undefined);
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      const fields: Record<string, FieldValue> = {};
      for (const [k, v] of Object.entries(row)) fields[k] = csvValue(v, types[k]);
      const id = fields.Id;
      if (typeof id !== 'string' || !id) throw new RecordShapeError('Bulk CSV row has no Id column value');
      yield { sourceId: id, op: fields.IsDeleted === true ? 'delete' : 'upsert', fields };
    }
  } finally {
    // Abandoned early (abort, error downstream): release the socket behind the source.
    source.destroy();
    parser.destroy();
  }
}

export const JobInfoSchema = z.object({
  id: z.string(),
  state: z.enum(['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted']),
  columnDelimiter: z.string().optional(),
  errorMessage: z.string().optional(),
}).passthrough();
export type JobInfo = z.infer<typeof JobInfoSchema>;

/** A Bulk 2.0 job create/info body. The create response of some recordings holds only {id}. */
export function parseJobInfo(body: unknown): JobInfo {
  const loose = z.object({ id: z.string() }).passthrough().parse(body);
  return loose.state === undefined ? { ...loose, state: 'UploadComplete' } as JobInfo : JobInfoSchema.parse(body);
}

const TokenSchema = z.object({
  access_token: z.string(),
  instance_url: z.string(),
  id: z.string(),
  issued_at: z.string(),
  signature: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

/** An OAuth token response, with the org and user ids from its identity URL. */
export function parseTokenResponse(body: unknown): { accessToken: string; instanceUrl: string; refreshToken?: string; issuedAt: number; orgId: string; userId: string } {
  const t = TokenSchema.parse(body);
  const parts = t.id.split('/');
  return { accessToken: t.access_token, instanceUrl: t.instance_url, refreshToken: t.refresh_token, issuedAt: Number(t.issued_at), userId: parts.pop()!, orgId: parts.pop()! };
}

/** An OAuth error body ({error, error_description}) or undefined when the body is something else. */
export function parseOAuthError(body: unknown): { error: string; description?: string } | undefined {
  const r = z.object({ error: z.string(), error_description: z.string().optional() }).safeParse(body);
  return r.success ? { error: r.data.error, description: r.data.error_description } : undefined;
}

/** "api-usage=23/15000" → {used, max} */
export function parseLimitInfo(value: string | null | undefined): { used: number; max: number } | undefined {
  const m = /api-usage=(\d+)\/(\d+)/.exec(value ?? '');
  return m ? { used: Number(m[1]), max: Number(m[2]) } : undefined;
}
