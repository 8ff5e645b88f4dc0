/** HubSpot's documented budgets, per token, as kit budgets: 10-second burst windows, a daily count, and 5 searches a second. */
import { fixedWindow, type Budget, type BudgetUsage } from '../../sdk/emulator/index.ts';

export const BURST_MAX = 100;
export const BURST_INTERVAL_MS = 10_000;
export const DAILY_MAX = 250_000;
export const SEARCH_PER_SECOND = 5;

export const POLICY: Record<string, { name: string; words: string }> = {
  daily: { name: 'DAILY', words: 'daily' }, burst: { name: 'TEN_SECONDLY_ROLLING', words: 'ten_secondly_rolling' }, search: { name: 'SECONDLY', words: 'secondly' },
};

export const hubspotBudgets = (): Budget[] => [fixedWindow('daily', DAILY_MAX, 86_400_000, { utcDay: true }), fixedWindow('burst', BURST_MAX, BURST_INTERVAL_MS)];
export const searchBudget = (): Budget => fixedWindow('search', SEARCH_PER_SECOND, 1000);

export function limitHeaders(usage: BudgetUsage[]): Record<string, string> {
  const daily = usage.find((u) => u.name === 'daily')!;
  const burst = usage.find((u) => u.name === 'burst')!;
  return {
    'X-HubSpot-RateLimit-Daily': String(DAILY_MAX), 'X-HubSpot-RateLimit-Daily-Remaining': String(daily.remaining),
    'X-HubSpot-RateLimit-Interval-Milliseconds': String(BURST_INTERVAL_MS), 'X-HubSpot-RateLimit-Max': String(BURST_MAX),
    'X-HubSpot-RateLimit-Remaining': String(burst.remaining),
  };
}
