/**
 * Deterministic target ids: UUIDv5 of tenant + source system + entity + source id.
 * A child can compute its parent's id without a lookup, and a re-run converges on the same rows.
 */
import { createHash } from 'node:crypto';

/** Namespace for nexus-migrate ids (a fixed random UUID). */
export const NEXUS_NAMESPACE = '6f1d7c2e-8a4b-4f3e-9c5d-2b7a1e0f9d31';

const nsBytes = Buffer.from(NEXUS_NAMESPACE.replace(/-/g, ''), 'hex');

export function uuidv5(name: string, namespace: Buffer = nsBytes): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  // Built as one flat string: a template of slices would be a tree of nine V8 string pieces,
  // several times the memory of the 36 characters, in every id a run keeps.
  const h = Buffer.from(hash.toString('hex', 0, 16), 'latin1');
  const out = Buffer.allocUnsafe(36);
  h.copy(out, 0, 0, 8);
  h.copy(out, 9, 8, 12);
  h.copy(out, 14, 12, 16);
  h.copy(out, 19, 16, 20);
  h.copy(out, 24, 20, 32);
  out[8] = out[13] = out[18] = out[23] = 0x2d;
  return out.toString('latin1');
}

export function targetId(tenantId: string, sourceSystem: string, entity: string, sourceId: string): string {
  // Length-prefix each part so that ('a/b','c') and ('a','b/c') never collide.
  const parts = [tenantId, sourceSystem, entity, sourceId].map((p) => `${p.length}:${p}`);
  return uuidv5(parts.join('|'));
}
