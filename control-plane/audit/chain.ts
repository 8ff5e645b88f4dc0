/**
 * Verifying the hash-chained audit log (migration 180_audit_chain.sql). Each chain (one per tenant,
 * plus the system chain) must run seq 1, 2, 3 … in id order, each row's prev_hash must be the hash
 * before it, and each hash must be sha256(prev_hash ‖ the row's canonical text), recomputed here in
 * Node, not by a database function an attacker could redefine.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { readChainPage, type ChainRow } from './chain-sql.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainBreak {
  tenant: string;
  /** 1-based position in the chain where it first fails. */
  position: number;
  auditId: string | null;
  reason: string;
}

export interface ChainSummary {
  tenant: string;
  length: number;
  headHash: string;
  /** seq → hash, for the anchors' seqs only (filled when asked). */
  hashesAt: Map<number, string>;
  break: ChainBreak | null;
}

/** The text the hash covers; the same fields, order and separators as audit_entry_text() in SQL. */
export function canonicalText(r: ChainRow): string {
  return [r.tenant, r.seq ?? '', r.ts, r.actor, r.action, r.target, r.sourceIp, r.details].join('\x1f');
}

export function entryHash(prevHash: string, r: ChainRow): string {
  return createHash('sha256').update(`${prevHash}\x1e${canonicalText(r)}`, 'utf8').digest('hex');
}

/** Walk one chain page by page; stop at the first break. `want` are seqs whose hashes the anchors need. */
export async function verifyChain(db: pg.Pool, schema: string, tenant: string, want: ReadonlySet<number> = new Set()): Promise<ChainSummary> {
  const out: ChainSummary = { tenant, length: 0, headHash: GENESIS_HASH, hashesAt: new Map(), break: null };
  let prevId = -1n;
  const fail = (r: ChainRow | null, reason: string): ChainSummary => {
    out.break = { tenant, position: out.length + 1, auditId: r?.id ?? null, reason };
    return out;
  };
  for (;;) {
    const page = await readChainPage(db, schema, tenant, out.length, 1000);
    if (page.length === 0) return out;
    for (const r of page) {
      const expectSeq = out.length + 1;
      if (r.seq === null || r.hash === null || r.prevHash === null) return fail(r, `audit row ${r.id} carries no chain fields (written with the chain trigger disabled)`);
      if (Number(r.seq) !== expectSeq) return fail(r, `expected entry ${expectSeq}, found entry ${r.seq} (audit row ${r.id}): an entry was deleted or the order changed`);
      const id = BigInt(r.id);
      if (id <= prevId) return fail(r, `audit row ${r.id} stands at position ${expectSeq} but was written before the entry ahead of it: the order changed`);
      if (r.prevHash !== out.headHash) return fail(r, `audit row ${r.id} does not link to the entry before it: an entry was removed, inserted or rewritten`);
      const h = entryHash(r.prevHash, r);
      if (h !== r.hash) return fail(r, `audit row ${r.id} (${r.action}) was changed after it was written: its contents no longer match its hash`);
      prevId = id;
      out.length = expectSeq;
      out.headHash = h;
      if (want.has(expectSeq)) out.hashesAt.set(expectSeq, h);
    }
  }
}
