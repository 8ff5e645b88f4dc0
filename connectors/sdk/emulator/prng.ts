/** Deterministic randomness keyed by (seed, stream, index): any record or fault draw can be made alone, in any order. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** 32-bit FNV-1a. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** `len` lowercase hex digits. */
  hex(len: number): string;
}

/** mulberry32 seeded from (seed, stream, index). */
export function rngFor(seed: number, stream: string, index = 0): Rng {
  let a = mix32(hashString(stream) ^ mix32(seed + 0x9e3779b9) ^ mix32(index * 2654435761));
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)]!,
    chance: (p) => next() < p,
    hex: (len) => {
      let s = '';
      while (s.length < len) s += int(16).toString(16);
      return s;
    },
  };
}

/** A stable UUID-shaped string derived from (seed, label, index). */
export function seededUuid(seed: number, label: string, index = 0): string {
  const h = rngFor(seed, label, index).hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
