/** Reading elements of a transaction set: positions, loops, dates. One failure → a named rejection. */
import type { Segment } from './parser.ts';

export class ElementError extends Error {
  override readonly name = 'ElementError';
  constructor(readonly code: 'element-missing' | 'element-invalid' | 'unit-unmapped', readonly field: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** Element n (1-based) of a segment, trimmed; null when absent or empty. */
export function el(seg: Segment | undefined, n: number): string | null {
  const v = seg?.[n]?.trim();
  return v ? v : null;
}

export function required(seg: Segment | undefined, id: string, n: number, where: string): string {
  const v = el(seg, n);
  if (v === null) throw new ElementError('element-missing', `${id}*${String(n).padStart(2, '0')}`, `${where}: ${seg ? '' : `segment ${id} is missing, so `}${id}${String(n).padStart(2, '0')} is empty`);
  return v;
}

export function first(segs: Segment[], id: string): Segment | undefined {
  return segs.find((s) => s[0] === id);
}

/** Split into loops, each starting at a segment whose id is `start` and ending before the next start or any of `stops`. */
export function loops(segs: Segment[], start: string, stops: string[] = []): Segment[][] {
  const out: Segment[][] = [];
  let cur: Segment[] | null = null;
  for (const s of segs) {
    if (s[0] === start) out.push((cur = [s]));
    else if (stops.includes(s[0]!)) cur = null;
    else cur?.push(s);
  }
  return out;
}

/** CCYYMMDD [+ HHMM[SS]] → "YYYY-MM-DDTHH:MM:SS" (naive; the mapping says which zone). */
export function x12DateTime(date: string | null, time: string | null, field: string, where: string): string | null {
  if (date === null) return null;
  const d = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const t = time === null ? ['', '00', '00', '00'] : /^(\d{2})(\d{2})(\d{2})?$/.exec(time);
  if (!d || !t) throw new ElementError('element-invalid', field, `${where}: ${field} date/time ${JSON.stringify(`${date}${time ? ' ' + time : ''}`)} is not CCYYMMDD HHMM`);
  const iso = `${d[1]}-${d[2]}-${d[3]}T${t[1]}:${t[2]}:${t[3] ?? '00'}`;
  const parsed = new Date(`${iso}Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 19) !== iso || Number(t[1]) > 23) {
    throw new ElementError('element-invalid', field, `${where}: ${field} ${JSON.stringify(date + (time ?? ''))} is not a real date/time`);
  }
  return iso;
}

export function x12Number(v: string | null, field: string, where: string): number | null {
  if (v === null) return null;
  if (!/^-?\d+(\.\d+)?$/.test(v)) throw new ElementError('element-invalid', field, `${where}: ${field} ${JSON.stringify(v)} is not a number`);
  return Number(v);
}
