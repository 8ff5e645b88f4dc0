/**
 * Value normalisation shared by every dialect. Choices (documented in README.md):
 * - timestamps with a zone → ISO-8601 with offset (UTC as 'Z');
 * - timestamps without a zone → naive ISO-8601 ('2024-03-01T10:00:00.123'), no 'Z', so the engine
 *   can detect them and quarantine or apply the mapping's assumeZone;
 * - dates → 'YYYY-MM-DD'; decimals → strings (never a float); bigints → numbers only when safe;
 * - binary → text decoded as strict UTF-8 (a value that is not valid text is a problem of its row,
 *   see rowProblems); uuid → lowercase; booleans from 0/1; rowversion → '0x…' hex (sortable).
 */
import type { FieldValue } from '../../shared/record-batch.ts';
import type { NormalType } from './types.ts';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** A DB timestamp text ('2024-03-01 10:00:00.123456[+00[:00]]') → ISO form; zone kept when present. */
export function isoFromDbText(text: string, withZone: boolean): string {
  let s = text.trim().replace(' ', 'T');
  if (!withZone) return s;
  const m = /([+-]\d{2})(:?(\d{2}))?(:\d{2})?$/.exec(s);
  if (m && m.index > 10) {
    const off = `${m[1]}:${m[3] ?? '00'}`;
    s = s.slice(0, m.index) + (off === '+00:00' || off === '-00:00' ? 'Z' : off);
  } else if (!s.endsWith('Z')) s += 'Z';
  return s;
}

/** A JS Date whose UTC fields hold a wall-clock value (tedious useUTC) → naive ISO. */
export function naiveIsoFromUtcFields(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

export function dateOnlyFromUtcFields(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Normalise one value already decoded by a driver, given the column's normalised type. */
export function normaliseValue(value: unknown, type: NormalType | undefined): FieldValue {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    const buf = Buffer.from(value as Uint8Array);
    if (type === 'rowversion') return `0x${buf.toString('hex').toUpperCase()}`;
    if (type === 'uuid' && buf.length === 16) return formatUuid(buf.toString('hex'));
    // Binary text columns (VARBINARY/bytea/BLOB) and SQL_ASCII text read as bytes carry no charset: they must be valid UTF-8 text.
    const text = strictUtf8.decode(buf);
    return type === 'uuid' ? text.toLowerCase() : text;
  }
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return null;
    if (type === 'datetime') return naiveIsoFromUtcFields(value);
    if (type === 'date') return dateOnlyFromUtcFields(value);
    return value.toISOString();
  }
  switch (type) {
    case 'boolean':
      if (typeof value === 'number') return value !== 0;
      if (typeof value === 'string') return value === '1' || value.toLowerCase() === 'true' || value === 't';
      return Boolean(value);
    case 'uuid':
      return typeof value === 'string' ? value.toLowerCase() : String(value);
    case 'decimal':
      return typeof value === 'number' ? String(value) : String(value);
    case 'integer':
    case 'bigint':
      if (typeof value === 'string' && /^-?\d+$/.test(value)) {
        const n = Number(value);
        return Number.isSafeInteger(n) ? n : value;
      }
      return value as FieldValue;
    default:
      if (typeof value === 'object') return JSON.parse(JSON.stringify(value)) as FieldValue;
      return value as FieldValue;
  }
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Per normalised row: the columns whose value could not be decoded, and why (the connector rejects the record). */
const problems = new WeakMap<object, { column: string; reason: string }[]>();
export function rowProblems(row: object): { column: string; reason: string }[] {
  return problems.get(row) ?? [];
}

/** Normalise a whole row in place of a new object. A value that cannot be decoded becomes null and is listed in rowProblems. */
export function normaliseRow(row: Record<string, unknown>, types: Record<string, NormalType> | undefined): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(row)) {
    try {
      out[k] = normaliseValue(v, types?.[k]);
    } catch (err) {
      out[k] = null;
      const list = problems.get(out) ?? [];
      list.push({ column: k, reason: err instanceof TypeError ? 'is not valid UTF-8 text' : `cannot be decoded: ${(err as Error).message}` });
      problems.set(out, list);
    }
  }
  return out;
}

/** Map a database type name (any dialect) to a normalised type. */
export function normalTypeOf(dbType: string, opts: { precision?: number; scale?: number; columnType?: string } = {}): NormalType {
  const t = dbType.toLowerCase();
  if (opts.columnType?.toLowerCase() === 'tinyint(1)' || t === 'bit' || t === 'boolean' || t === 'bool') return 'boolean';
  if (/^(int|integer|smallint|tinyint|mediumint|int2|int4|serial)$/.test(t)) return 'integer';
  if (/^(bigint|int8|bigserial)$/.test(t)) return 'bigint';
  if (/^(numeric|decimal|money|smallmoney|newdecimal)$/.test(t)) return 'decimal';
  if (/^(real|float|double|double precision|float4|float8)$/.test(t)) return 'number';
  if (t === 'date') return 'date';
  if (t === 'timestamp with time zone' || t === 'timestamptz' || t === 'datetimeoffset') return 'datetimetz';
  if (t === 'timestamp' && opts.columnType !== undefined) return 'datetimetz'; // MySQL TIMESTAMP is UTC-based
  if (t === 'rowversion') return 'rowversion';
  if (/^(timestamp|timestamp without time zone|datetime|datetime2|smalldatetime)$/.test(t)) return 'datetime';
  if (t === 'uuid' || t === 'uniqueidentifier') return 'uuid';
  if (t === 'json' || t === 'jsonb') return 'json';
  if (/^(bytea|binary|varbinary|blob|tinyblob|mediumblob|longblob|image)$/.test(t)) return 'binary';
  return 'string';
}

/** The FieldInfo.type vocabulary of shared/connector.ts. */
export function fieldInfoType(t: NormalType): string {
  if (t === 'bigint') return 'integer';
  if (t === 'rowversion') return 'binary';
  return t;
}
