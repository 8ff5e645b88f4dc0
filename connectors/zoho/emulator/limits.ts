/**
 * Zoho CRM's documented API budgets: credits per rolling 24-hour window by edition (50,000 + a
 * per-licence share, capped; the Free edition 5,000), one credit per Get Records / deleted / users /
 * fields call, and a concurrency cap per edition (Free 5 … Ultimate 25). The window can be scaled
 * (a bench declares a shorter "day"); `steadyState` pre-fills it as if the org had spent its credits
 * evenly over the last window.
 */
import { BudgetSet, concurrency, slidingWindow } from '../../sdk/emulator/index.ts';

export const EDITIONS = ['free', 'standard', 'professional', 'enterprise', 'ultimate'] as const;
export type Edition = (typeof EDITIONS)[number];

const PER_LICENCE: Record<Edition, number> = { free: 0, standard: 250, professional: 500, enterprise: 1000, ultimate: 2000 };
const MAX_CREDITS: Record<Edition, number> = { free: 5000, standard: 100_000, professional: 1_000_000, enterprise: 2_000_000, ultimate: Number.POSITIVE_INFINITY };
export const CONCURRENCY: Record<Edition, number> = { free: 5, standard: 10, professional: 15, enterprise: 20, ultimate: 25 };
export const DAY_MS = 86_400_000;

/** Credits in a rolling 24 h for an edition and number of user licences (add-on credits aside). */
export function creditsFor(edition: Edition, licences: number): number {
  if (edition === 'free') return 5000;
  return Math.min(MAX_CREDITS[edition], 50_000 + Math.max(0, licences) * PER_LICENCE[edition]);
}

export const ORG = 'org';

export interface ZohoBudgets {
  set: BudgetSet;
  credits: number;
  windowMs: number;
  concurrency: number;
}

export function zohoBudgets(o: { edition: Edition; licences: number; windowMs?: number; steadyState?: boolean }): ZohoBudgets {
  const credits = creditsFor(o.edition, o.licences);
  const windowMs = o.windowMs ?? DAY_MS;
  const window = slidingWindow('api-credits', credits, windowMs);
  if (o.steadyState) {
    const now = Date.now();
    for (let k = 0; k < credits; k++) window.commit(ORG, now - windowMs + ((k + 1) * windowMs) / credits);
  }
  return { set: new BudgetSet([window, concurrency('concurrency', CONCURRENCY[o.edition], 1000)]), credits, windowMs, concurrency: CONCURRENCY[o.edition] };
}
