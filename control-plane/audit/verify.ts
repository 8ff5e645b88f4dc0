/** `audit verify`: every chain of a control schema, checked link by link and against the signed anchors. */
import type pg from 'pg';
import { readAnchors, type Anchor } from './anchor.ts';
import { listChains } from './chain-sql.ts';
import { verifyChain, type ChainBreak } from './chain.ts';

export interface AuditVerification {
  ok: boolean;
  chains: { tenant: string; length: number; anchoredUpTo: number | null }[];
  breaks: ChainBreak[];
  anchorProblems: string[];
}

/** Verify one tenant's chain (`tenant` given) or all of them. '' names the system chain. */
export async function verifyAudit(db: pg.Pool, schema: string, opts: { tenant?: string; env?: NodeJS.ProcessEnv } = {}): Promise<AuditVerification> {
  const anchors = await readAnchors(schema, opts.env);
  const out: AuditVerification = { ok: true, chains: [], breaks: [], anchorProblems: [] };
  for (const bad of anchors.invalid) out.anchorProblems.push(`anchor file line ${bad.line}: ${bad.reason}; the anchor file was edited`);
  if (anchors.keyMissing) out.anchorProblems.push('no anchor key on this machine: only the links inside the database were checked (run `audit anchor` on the control plane host)');
  const byTenant = new Map<string, Anchor[]>();
  for (const a of anchors.anchors) byTenant.set(a.tenant, [...(byTenant.get(a.tenant) ?? []), a]);
  const tenants = opts.tenant !== undefined ? [opts.tenant] : [...new Set([...(await listChains(db, schema)), ...byTenant.keys()])];
  for (const tenant of tenants) {
    const mine = byTenant.get(tenant) ?? [];
    const summary = await verifyChain(db, schema, tenant, new Set(mine.map((a) => a.seq)));
    if (summary.break) out.breaks.push(summary.break);
    let anchoredUpTo: number | null = null;
    for (const a of mine) {
      anchoredUpTo = Math.max(anchoredUpTo ?? 0, a.seq);
      if (summary.break && a.seq >= summary.break.position) continue;
      if (a.seq > summary.length) {
        out.breaks.push({ tenant, position: summary.length + 1, auditId: null, reason: `the chain ends at entry ${summary.length}, but entry ${a.seq} was anchored at ${a.at}: its tail was cut` });
      } else if (summary.hashesAt.get(a.seq) !== a.hash) {
        out.breaks.push({ tenant, position: a.seq, auditId: null, reason: `entry ${a.seq} differs from the one anchored at ${a.at}: the chain was rewritten up to there` });
      }
    }
    out.chains.push({ tenant, length: summary.length, anchoredUpTo });
  }
  out.breaks.sort((a, b) => a.tenant.localeCompare(b.tenant) || a.position - b.position);
  out.ok = out.breaks.length === 0 && anchors.invalid.length === 0;
  return out;
}
