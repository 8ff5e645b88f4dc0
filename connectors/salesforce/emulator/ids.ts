/**
 * Salesforce-shaped record ids and a seeded hash, both pure functions of (seed, object, index), so a
 * record can be regenerated from its index and its id parsed back to the index without any table.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
/** The "pod" part after the key prefix: instance and reserved characters. */
const POD = '5g000';

function base62(n: number, width: number): string {
  let out = '';
  let v = n;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62]! + out;
    v = Math.floor(v / 62);
  }
  return out;
}

/** The 3-character case-safe suffix Salesforce appends to turn a 15-character id into 18. */
export function caseSafeSuffix(id15: string): string {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15[chunk * 5 + i]!;
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += SUFFIX[bits]!;
  }
  return out;
}

/** 18-character id: 3-char key prefix, pod, 7 base62 digits of the index, case-safe suffix. */
export function sfId(keyPrefix: string, index: number): string {
  const id15 = keyPrefix + POD + base62(index, 7);
  return id15 + caseSafeSuffix(id15);
}

/** Inverse of sfId for ids this emulator issued; undefined for anything else. */
export function parseSfId(id: string): { keyPrefix: string; index: number } | undefined {
  if (id.length !== 15 && id.length !== 18) return undefined;
  if (id.slice(3, 8) !== POD) return undefined;
  let n = 0;
  for (const c of id.slice(8, 15)) {
    const d = BASE62.indexOf(c);
    if (d < 0) return undefined;
    n = n * 62 + d;
  }
  return { keyPrefix: id.slice(0, 3), index: n };
}

/** A fast 32-bit integer hash of its arguments (seeded, deterministic). */
export function hash(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A string's stable numeric code, for mixing object names into the hash. */
export function code(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Deterministic pick from a list. */
export function pick<T>(list: readonly T[], h: number): T {
  return list[h % list.length]!;
}

/** Salesforce REST timestamp format: 2024-01-15T10:30:00.000+0000 */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Bulk API CSV timestamp format: 2024-01-15T10:30:00.000Z */
export function bulkDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function sfDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
