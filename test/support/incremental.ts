/**
 * The assertions every vendor's incremental-run test makes of the second run's report: it completed,
 * reconciles, created and quarantined nothing, updated and deleted exactly the named entities, and
 * read only a small window (owners are matched, not read incrementally).
 */
import { expect } from 'vitest';
import type { RunReport } from '../../control-plane/report/types.ts';

export function expectIncrementalReport(
  inc: RunReport,
  want: { updated: Record<string, number>; deleted: Record<string, number>; maxExtracted: number },
): void {
  expect(inc.error).toBeUndefined();
  expect(inc.status).toBe('completed');
  expect(inc.totals.reconciles).toBe(true);
  expect([inc.totals.created, inc.totals.quarantined]).toEqual([0, 0]);
  const of = (entity: string) => inc.entities.find((x) => x.entity === entity)!;
  for (const [entity, n] of Object.entries(want.updated)) expect([entity, of(entity).updated]).toEqual([entity, n]);
  for (const [entity, n] of Object.entries(want.deleted)) expect([entity, of(entity).deleted]).toEqual([entity, n]);
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  expect(inc.totals.updated).toBe(sum(want.updated));
  expect(inc.totals.deleted).toBe(sum(want.deleted));
  const extracted = inc.entities.filter((x) => x.target !== 'users').reduce((n, x) => n + x.extracted, 0);
  expect(extracted).toBeLessThan(want.maxExtracted);
}
