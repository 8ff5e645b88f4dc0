/**
 * ShipStation V1 writes and reads every date in Pacific time (PST/PDT) without a zone:
 * "2015-08-17T09:24:16.4800000" in bodies, "2015-08-17 09:24:16" in filters. These convert
 * between that wall-clock form and UTC, following America/Los_Angeles daylight saving.
 */
const PT = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Los_Angeles', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
});
const NAIVE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?$/;

/** Pacific wall-clock fields of a UTC instant. */
function wall(ms: number): number[] {
  const p = Object.fromEntries(PT.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return [Number(p['year']), Number(p['month']), Number(p['day']), Number(p['hour']), Number(p['minute']), Number(p['second'])];
}

/** Pacific offset from UTC (ms, negative) at a UTC instant. */
function offsetAt(ms: number): number {
  const [y, mo, d, h, mi, s] = wall(ms);
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) - Math.floor(ms / 1000) * 1000;
}

/** "2015-08-17T09:24:16.4800000" (Pacific) → epoch ms, or undefined when it is not that form. */
export function pacificToMs(naive: string): number | undefined {
  const m = NAIVE.exec(naive.trim());
  if (!m) return undefined;
  const frac = Number(`0.${m[7] ?? '0'}`) * 1000;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)) + Math.round(frac);
  if (!Number.isFinite(asUtc)) return undefined;
  const first = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(first);
}

/** A ShipStation body date → UTC RFC 3339 (other values pass through unchanged). */
export function pacificToIso(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const ms = pacificToMs(v);
  return ms === undefined ? v : new Date(ms).toISOString();
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Epoch ms → the body form "YYYY-MM-DDTHH:MM:SS.fffffff" in Pacific time. */
export function msToPacificBody(ms: number): string {
  const [y, mo, d, h, mi, s] = wall(ms);
  return `${y}-${pad(mo!)}-${pad(d!)}T${pad(h!)}:${pad(mi!)}:${pad(s!)}.${pad(((ms % 1000) + 1000) % 1000, 3)}0000`;
}

/** Epoch ms → the filter form "YYYY-MM-DD HH:MM:SS" in Pacific time (whole seconds, rounded down). */
export function msToPacificFilter(ms: number): string {
  const [y, mo, d, h, mi, s] = wall(ms);
  return `${y}-${pad(mo!)}-${pad(d!)} ${pad(h!)}:${pad(mi!)}:${pad(s!)}`;
}
