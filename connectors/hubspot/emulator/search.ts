/**
 * CRM search emulation: one filter group on the last-modified property (GTE/GT/LT/LTE), ascending
 * sort, `limit` up to 200, `after` as an offset, and HubSpot's 10,000-result paging cap.
 */
import type { Dataset, ObjectType } from './dataset.ts';
import { hubspotError } from './http-error.ts';

export const SEARCH_CAP = 10_000;

interface Filter {
  propertyName?: string;
  operator?: string;
  value?: string | number;
}

interface SearchBody {
  filterGroups?: { filters?: Filter[] }[];
  sorts?: unknown[];
  properties?: string[];
  limit?: number;
  after?: string | number;
}

const TIME_PROPS = new Set(['lastmodifieddate', 'hs_lastmodifieddate']);

function bounds(body: SearchBody): [number, number] {
  let from = -Infinity;
  let to = Infinity;
  const groups = body.filterGroups ?? [];
  if (groups.length > 1) throw hubspotError(400, 'VALIDATION_ERROR', 'The emulator supports one filter group.');
  for (const f of groups[0]?.filters ?? []) {
    if (!TIME_PROPS.has(String(f.propertyName))) throw hubspotError(400, 'VALIDATION_ERROR', `The emulator filters on lastmodifieddate/hs_lastmodifieddate only, not ${f.propertyName}.`);
    const v = typeof f.value === 'number' ? f.value : /^\d+$/.test(String(f.value)) ? Number(f.value) : Date.parse(String(f.value));
    if (!Number.isFinite(v)) throw hubspotError(400, 'VALIDATION_ERROR', `${String(f.value)} is not a valid time value.`);
    switch (f.operator) {
      case 'GTE': from = Math.max(from, v); break;
      case 'GT': from = Math.max(from, v + 1); break;
      case 'LT': to = Math.min(to, v); break;
      case 'LTE': to = Math.min(to, v + 1); break;
      case 'EQ': from = Math.max(from, v); to = Math.min(to, v + 1); break;
      default: throw hubspotError(400, 'VALIDATION_ERROR', `Operator ${f.operator} is not supported by the emulator.`);
    }
  }
  return [from, to];
}

function countBelow(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function handleSearch(ds: Dataset, t: ObjectType, raw: unknown): unknown {
  const body = (raw ?? {}) as SearchBody;
  const limit = Math.min(200, Math.max(1, Number(body.limit ?? 10) || 10));
  const after = Number(body.after ?? 0);
  if (!Number.isInteger(after) || after < 0) throw hubspotError(400, 'VALIDATION_ERROR', `Invalid after: ${String(body.after)}`);
  if (after + limit > SEARCH_CAP) throw hubspotError(400, 'VALIDATION_ERROR', 'There was a problem with the request.', { subCategory: 'SEARCH_PAGING_LIMIT', context: { after: [String(after)] } });
  const [from, to] = bounds(body);
  const [lo, hi] = ds.baseRange(t, Math.max(from, 0), Math.min(to, 8.64e15));
  const modified = ds.modifiedEntries(t);
  const movedIdx = ds.displacedIndices(t).filter((i) => i >= lo && i < hi);
  const moved = new Set(movedIdx);
  const modifiedIn = modified.filter(([, at]) => at >= from && at < to);
  const baseTotal = hi - lo - movedIdx.length;
  const total = baseTotal + modifiedIn.length;

  const results: unknown[] = [];
  if (after < baseTotal) {
    // The after-th unmodified index in [lo, hi).
    let x = lo + after;
    while (x - lo - countBelow(movedIdx, x) + countBelow(movedIdx, lo) < after) x++;
    for (; x < hi && results.length < limit; x++) if (!moved.has(x)) results.push(ds.record(t, x, body.properties, true));
  }
  for (let k = Math.max(0, after - baseTotal); k < modifiedIn.length && results.length < limit; k++) results.push(ds.record(t, modifiedIn[k]![0], body.properties, true));
  const next = after + results.length;
  return next < total && next < SEARCH_CAP ? { total, results, paging: { next: { after: String(next) } } } : { total, results };
}
