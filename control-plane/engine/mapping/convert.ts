/**
 * Value conversion and validation into a target column. Each converter returns PostgreSQL's text
 * representation (what COPY reads), or a reason a person can read. No value is coerced silently.
 */
import type { TargetColumn } from '../target/introspect.ts';

/** A value that cannot go into its column, and why. (Successes are plain strings: no allocation per value.) */
export class ConversionFailure {
  constructor(readonly reason: string) {}
}

/** PostgreSQL text for the value, null for NULL, or a failure with its reason. */
export type Converted = string | null | ConversionFailure;

const ok = (text: string | null): Converted => text;
const bad = (reason: string): Converted => new ConversionFailure(reason);

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const clean = (s ?? String(v)).replace(/\u0000/g, '\\0');
  return clean.length > 60 ? `${JSON.stringify(clean.slice(0, 57))}…` : JSON.stringify(clean);
}

/** Text checks shared by every string that reaches the database. */
export function checkText(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL byte';
  if (!s.isWellFormed()) return 'contains invalid Unicode (a lone surrogate; the source bytes were not valid UTF-8)';
  if (s.includes('\uFFFD')) return 'contains U+FFFD replacement characters (the source bytes were not valid UTF-8)';
  return mojibake(s);
}

/** Windows-1252 characters for bytes 0x80–0x9F (the rest of 0x80–0xFF is Latin-1). */
const CP1252 = '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';
const CONT = `[\\u0080-\\u00BF${CP1252}]`;
/**
 * UTF-8 bytes read as Windows-1252/Latin-1: "é" becomes "Ã©", "’" becomes "â€™". Conservative: only
 * lead bytes of Latin-1 letters (Â Ã Å) followed by one continuation, or a three-byte lead (à–ï)
 * followed by two, and only when the bytes decode as strict UTF-8. Real text ("São", "Müller",
 * "Ångström") never puts a continuation character right after such a lead.
 */
const MOJIBAKE_RE = new RegExp(`[\\u00C2\\u00C3\\u00C5]${CONT}|[\\u00E0-\\u00EF]${CONT}${CONT}`, 'u');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function toCp1252Byte(ch: string): number {
  const c = ch.charCodeAt(0);
  const i = CP1252.indexOf(ch);
  return i >= 0 && c > 0xff ? 0x80 + i : c;
}

function mojibake(s: string): string | null {
  if (!/[\u00C2-\u00EF]/.test(s)) return null; // fast path: no possible lead byte
  const m = MOJIBAKE_RE.exec(s);
  if (!m) return null;
  try {
    const fixed = strictUtf8.decode(Uint8Array.from([...m[0]].map(toCp1252Byte)));
    return `looks double-encoded (mojibake): ${JSON.stringify(m[0])} is the UTF-8 encoding of ${JSON.stringify(fixed)} read as Windows-1252/Latin-1 (the source mixes encodings)`;
  } catch {
    return null;
  }
}

export interface ConvertOptions {
  truncate?: boolean;
  /** BCP 47 locale of number text (group separators, decimal mark); without it numbers are plain digits. */
  locale?: string;
  /** IANA zone or ±HH:MM applied to timestamps that carry no zone. */
  assumeZone?: string;
  maxLength?: number;
  /** Plausible date window, inclusive, YYYY-MM-DD (date and timestamp columns). Defaults: see DEFAULT_MIN_DATE/DEFAULT_MAX_DATE. */
  minDate?: string;
  maxDate?: string;
}

/** Without a mapping window, dates must fall in 1900-01-01..2199-12-31 and not be 1900-01-01 itself. */
export const DEFAULT_MIN_DATE = '1900-01-01';
export const DEFAULT_MAX_DATE = '2199-12-31';
/** Values legacy systems store for "no date"; named in the reason so a person recognises them. */
const SENTINELS: Record<string, string> = {
  '0001-01-01': ".NET's and SQL Server date's minimum, a common \"no date\" value",
  '1753-01-01': "SQL Server datetime's minimum, a common \"no date\" value",
  '1900-01-01': "SQL Server's zero datetime, a common \"no date\" value",
  '9999-12-31': 'the maximum date, a common "no end date" value',
};

/** A failure when the YYYY-MM-DD prefix of `iso` falls outside the plausible window. */
function checkWindow(v: unknown, iso: string, o: ConvertOptions): Converted | null {
  const day = iso.slice(0, 10);
  const min = o.minDate ?? DEFAULT_MIN_DATE;
  const max = o.maxDate ?? DEFAULT_MAX_DATE;
  const sentinel = SENTINELS[day];
  const note = sentinel ? ` (${day} is ${sentinel})` : '';
  if (day < min) return bad(`${show(v)} is before ${min}, the earliest plausible date${note}; set minDate in the mapping to allow it`);
  if (day > max) return bad(`${show(v)} is after ${max}, the latest plausible date${note}; set maxDate in the mapping to allow it`);
  if (o.minDate === undefined && day === DEFAULT_MIN_DATE) return bad(`${show(v)} is not a plausible date${note}; set minDate in the mapping to allow it`);
  return null;
}

export function convertText(v: unknown, col: TargetColumn, o: ConvertOptions): Converted {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else return bad(`expected text, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  const problem = checkText(s);
  if (problem) return bad(problem);
  const max = o.maxLength ?? col.maxLength;
  if (max !== null && max !== undefined && [...s].length > max) {
    if (o.truncate) s = [...s].slice(0, max).join('');
    else return bad(`is ${[...s].length} characters, longer than the column's limit of ${max}`);
  }
  if (col.allowed && !col.allowed.includes(s)) return bad(`value ${show(s)} is not one of the allowed values (${col.allowed.join(', ')})`);
  return ok(s);
}

const INT_RANGE: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

const separators = new Map<string, { group: string; decimal: string }>();

/** A locale's number text as plain digits: group separators (and the spaces some locales group with) removed, its decimal mark made '.'. */
export function delocalise(s: string, locale: string): string {
  let sep = separators.get(locale);
  if (!sep) {
    const parts = new Intl.NumberFormat(locale).formatToParts(1234567.5);
    sep = { group: parts.find((p) => p.type === 'group')?.value ?? ',', decimal: parts.find((p) => p.type === 'decimal')?.value ?? '.' };
    separators.set(locale, sep);
  }
  const groups = /\s/.test(sep.group) ? [sep.group, ' ', '\u00a0', '\u202f'] : [sep.group];
  let out = s;
  for (const g of groups) out = out.split(g).join('');
  return sep.decimal === '.' ? out : out.split('.').join('\u0000').split(sep.decimal).join('.');
}

/** Source text of a number: trimmed, and read in the mapping's locale when it declares one. */
function numberText(v: string, o: ConvertOptions): string {
  const s = v.trim();
  return o.locale ? delocalise(s, o.locale) : s;
}

export function convertInteger(v: unknown, col: TargetColumn, o: ConvertOptions = {}): Converted {
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : 'NaN') : typeof v === 'string' ? numberText(v, o) : typeof v === 'bigint' ? String(v) : null;
  if (s === null) return bad(`expected an integer, got ${typeof v}`);
  const m = /^([+-]?\d+)(?:\.0+)?$/.exec(s);
  if (!m) {
    const hint = !o.locale && typeof v === 'string' && /^[+-]?\d{1,3}([,.'\s]\d{3})+$/.test(v.trim()) ? ' (plain digits expected; declare locale in the mapping for grouped numbers)' : '';
    return bad(`${show(v)} is not an integer${hint}`);
  }
  const n = BigInt(m[1]!);
  const [lo, hi] = INT_RANGE[col.kind] ?? INT_RANGE.bigint!;
  if (n < lo || n > hi) return bad(`${s} overflows ${col.kind} (range ${lo} to ${hi})`);
  return ok(n.toString());
}

export function convertNumeric(v: unknown, col: TargetColumn, o: ConvertOptions = {}): Converted {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return bad(`${show(v)} is not a finite number`);
    s = String(v);
  } else if (typeof v === 'string') s = numberText(v, o);
  else return bad(`expected a number, got ${typeof v}`);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    const hint = !o.locale && typeof v === 'string' && /^[+-]?[\d.,\s']+$/.test(v.trim()) ? ' (plain digits with a "." decimal expected; declare locale in the mapping for grouped or comma-decimal numbers)' : '';
    return bad(`${show(v)} is not a number${hint}`);
  }
  if (col.precision !== null && col.scale !== null) {
    // Digits before the decimal point, after applying the exponent.
    const exp = m[4] ? parseInt(m[4], 10) : 0;
    const intDigits = (m[2]!.replace(/^0+/, '').length || 0) + exp;
    const allowed = col.precision - col.scale;
    const allZero = /^0*$/.test(m[2]! + (m[3] ?? ''));
    if (!allZero && intDigits > allowed) return bad(`${s} overflows numeric(${col.precision},${col.scale}) (at most ${allowed} digits before the decimal point)`);
  }
  return ok(s);
}

const TRUE = new Set(['true', 't', '1', 'yes', 'y', 'on']);
const FALSE = new Set(['false', 'f', '0', 'no', 'n', 'off']);

export function convertBoolean(v: unknown): Converted {
  if (typeof v === 'boolean') return ok(v ? 't' : 'f');
  if (typeof v === 'number' && (v === 0 || v === 1)) return ok(v === 1 ? 't' : 'f');
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return ok('t');
    if (FALSE.has(s)) return ok('f');
  }
  return bad(`${show(v)} is not a boolean`);
}

function validYmd(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || y < 1 || y > 9999) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})/;

export function convertDate(v: unknown, o: ConvertOptions = {}): Converted {
  if (typeof v !== 'string') return bad(`expected a date string, got ${typeof v}`);
  const m = DATE_RE.exec(v.trim());
  if (!m) return bad(`${show(v)} is not a date (expected YYYY-MM-DD)`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validYmd(y, mo, d)) return bad(`${show(v)} is an impossible date`);
  const rest = v.trim().slice(10);
  if (rest !== '') {
    // A timestamp for a date column: its time part must be a real time too (25:00 is not).
    const t = TS_RE.exec(v.trim());
    if (!t) return bad(`${show(v)} is not a date (expected YYYY-MM-DD)`);
    if (Number(t[4]) > 23 || Number(t[5]) > 59 || Number(t[6] ?? 0) > 60) return bad(`${show(v)} is an impossible timestamp`);
  }
  const out = `${m[1]}-${m[2]}-${m[3]}`;
  return checkWindow(v, out, o) ?? ok(out);
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Offset in minutes of an IANA zone at a UTC instant. */
function zoneOffsetMinutes(zone: string, utcMillis: number): number | null {
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  if (zone.toUpperCase() === 'UTC' || zone === 'Z') return 0;
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(new Date(utcMillis));
    const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  } catch {
    return null;
  }
}

export function convertTimestamptz(v: unknown, o: ConvertOptions): Converted {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || Number.isNaN(new Date(v).getTime())) return bad(`${show(v)} is not a timestamp`);
    const iso = new Date(v).toISOString();
    return checkWindow(v, iso, o) ?? ok(iso);
  }
  if (typeof v !== 'string') return bad(`expected a timestamp string, got ${typeof v}`);
  const m = TS_RE.exec(v.trim());
  if (!m) {
    const d = DATE_RE.exec(v.trim());
    if (d && v.trim().length === 10) return convertTimestamptz(`${v.trim()}T00:00:00`, o);
    return bad(`${show(v)} is not a timestamp (expected ISO 8601)`);
  }
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number];
  if (!validYmd(y, mo, d) || h > 23 || mi > 59 || s > 60) return bad(`${show(v)} is an impossible timestamp`);
  const frac = m[7] ?? '';
  let zone = m[8];
  if (!zone) {
    if (!o.assumeZone) return bad(`${show(v)} has no time zone (set assumeZone in the mapping to say which zone the source uses)`);
    const local = Date.UTC(y, mo - 1, d, h, mi, s);
    const off = zoneOffsetMinutes(o.assumeZone, local);
    if (off === null) return bad(`assumeZone ${show(o.assumeZone)} is not a known time zone`);
    const sign = off < 0 ? '-' : '+';
    const abs = Math.abs(off);
    zone = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  } else if (/^[+-]\d{4}$/.test(zone)) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  else if (/^[+-]\d{2}$/.test(zone)) zone = `${zone}:00`;
  const pad = (n: number) => String(n).padStart(2, '0');
  const out = `${m[1]}-${m[2]}-${m[3]}T${pad(h)}:${pad(mi)}:${pad(s)}${frac}${zone.toUpperCase()}`;
  return checkWindow(v, out, o) ?? ok(out);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function convertUuid(v: unknown): Converted {
  if (typeof v === 'string' && UUID_RE.test(v.trim())) return ok(v.trim().toLowerCase());
  return bad(`${show(v)} is not a UUID`);
}

/** Make any JSON value safe for jsonb: no NUL characters, no lone surrogates. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\u0000/g, '\\u0000').toWellFormed();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[jsonSafe(k) as string] = jsonSafe(v);
    return out;
  }
  return value;
}

export function convertJson(v: unknown): Converted {
  if (typeof v === 'string') {
    try {
      return ok(JSON.stringify(jsonSafe(JSON.parse(v))));
    } catch {
      return ok(JSON.stringify(jsonSafe(v)));
    }
  }
  return ok(JSON.stringify(jsonSafe(v)));
}

function arrayLiteral(items: string[]): string {
  return `{${items.map((i) => `"${i.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

export function convertTextArray(v: unknown, col: TargetColumn): Converted {
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[;,]/).map((x) => x.trim()).filter(Boolean) : null;
  if (!items) return bad(`expected a list, got ${typeof v}`);
  const out: string[] = [];
  for (const i of items) {
    if (typeof i !== 'string') return bad(`list item ${show(i)} is not text`);
    const problem = checkText(i);
    if (problem) return bad(`list item ${problem}`);
    out.push(i);
  }
  void col;
  return ok(arrayLiteral(out));
}

/** Convert a value for a column. null/undefined/'' become NULL (a required check happens elsewhere). */
export function convertValue(v: unknown, col: TargetColumn, o: ConvertOptions = {}): Converted {
  if (v === null || v === undefined || (v === '' && col.kind !== 'text')) return ok(null);
  switch (col.kind) {
    case 'text': return convertText(v, col, o);
    case 'integer': case 'bigint': case 'smallint': return convertInteger(v, col, o);
    case 'numeric': return convertNumeric(v, col, o);
    case 'boolean': return convertBoolean(v);
    case 'date': return convertDate(v, o);
    case 'timestamptz': return convertTimestamptz(v, o);
    case 'timestamp': {
      const r = convertTimestamptz(v, { ...o, assumeZone: o.assumeZone ?? 'UTC' });
      return typeof r === 'string' ? r.replace(/(Z|[+-]\d{2}:\d{2})$/i, '') : r;
    }
    case 'uuid': return convertUuid(v);
    case 'jsonb': case 'json': return convertJson(v);
    case 'text[]': return convertTextArray(v, col);
    default: return typeof v === 'string' ? convertText(v, col, o) : convertJson(v);
  }
}
