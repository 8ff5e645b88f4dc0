/**
 * Seeded, random-access randomness for sample data: every (seed, table, row) gets its own
 * small generator, so any row can be regenerated alone and the whole set is reproducible.
 */
import { rng } from '../../../shared/prng.ts';

export { rng };
const enc = new TextEncoder();

/** 32-bit FNV-1a of a string, mixed with a seed. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (const b of enc.encode(text)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}


/** The generator of one row: seeded from (seed, table, index). */
export function rowRng(seed: number, table: string, index: number): () => number {
  return rng(hash32(`${table}#${index}`, seed) ^ Math.imul(index + 1, 0x9e3779b1));
}

/** A deterministic UUID (version-4 layout) for (seed, table, index). */
export function seededUuid(seed: number, table: string, index: number): string {
  const r = rng(hash32(`${table}@${index}`, seed ^ 0x5bd1e995) ^ index);
  const hex = Array.from({ length: 4 }, () => Math.floor(r() * 0x100000000).toString(16).padStart(8, '0')).join('');
  // The last 12 hex digits are the row index itself, so ids never collide within a table (a 32-bit
  // seeded stream alone would, past ~100k rows); the rest stays random-looking.
  const idx = index.toString(16).padStart(12, '0').slice(-12);
  const v = `${hex.slice(0, 12)}4${hex.slice(13, 16)}${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}${idx}`;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20, 32)}`;
}
