/** Value-by-value comparison: a loaded target value against its source value, per target column kind. */
import type { Row } from './types.ts';

type Kind = 'text' | 'decimal' | 'integer' | 'timestamp' | 'ref';
const KIND: Record<string, Kind> = {
  name: 'text', code: 'text', website: 'text', last_name: 'text', email: 'text',
  annual_revenue: 'decimal', employee_count: 'integer', created_at: 'timestamp', account_id: 'ref',
};

/** Plain decimal text without insignificant zeros: "1234.50" → "1234.5", "1.5e3" → "1500". */
export function canonicalDecimal(s: string): string {
  const t = s.trim();
  if (/e/i.test(t)) return canonicalDecimal(Number(t).toString());
  const neg = t.startsWith('-');
  let [int = '0', frac = ''] = t.replace(/^[-+]/, '').split('.');
  int = int.replace(/^0+(?=\d)/, '');
  frac = frac.replace(/0+$/, '');
  const out = frac ? `${int}.${frac}` : int;
  return neg && out !== '0' ? `-${out}` : out;
}

function sourceText(v: Row[string] | undefined): string | null {
  if (v === undefined || v === null) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : v;
}

/** The instant a source timestamp text means (naive texts are UTC: the corpus mappings say so where sources are naive). */
function instant(s: string): number {
  const t = s.trim().replace(' ', 'T');
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(t) ? t : `${t}Z`);
}

/**
 * The expected target value of `column` for a source value, or undefined when the two are equal.
 * Returns a message describing the difference.
 */
export function valueDiff(column: string, source: Row[string] | undefined, target: unknown, refSourceId?: string | null): string | undefined {
  const kind = KIND[column] ?? 'text';
  const s = sourceText(source);
  if (s === null || (s === '' && kind !== 'text')) {
    return target === null ? undefined : `${column}: source is NULL, target holds ${JSON.stringify(target)}`;
  }
  const fail = (want: unknown) => `${column}: source ${JSON.stringify(s)} should load as ${JSON.stringify(want)}, target holds ${JSON.stringify(target)}`;
  switch (kind) {
    case 'text':
      return target === s ? undefined : fail(s);
    case 'decimal':
    case 'integer':
      return target !== null && canonicalDecimal(String(target)) === canonicalDecimal(s) ? undefined : fail(canonicalDecimal(s));
    case 'timestamp':
      return target instanceof Date && target.getTime() === instant(s) ? undefined : fail(new Date(instant(s)).toISOString());
    case 'ref':
      return refSourceId === s.trim() ? undefined : `${column}: source ${JSON.stringify(s)}, target references ${JSON.stringify(refSourceId)}`;
  }
}
