/**
 * Migration time estimates and required permissions (spec 2.2.1 `estimateMigrationTime`,
 * `getRequiredPermissions`), computed from the definition's page sizes and rate-limit budgets.
 */
import type { ConnectorDefinition, Permission } from './definition.ts';

export interface StreamEstimate {
  entity: string;
  records: number;
  requests: number;
}

export interface MigrationEstimate {
  totalRecords: number;
  totalRequests: number;
  /** Wall-clock seconds at the sustained request ceiling of the tightest budget. */
  seconds: number;
  /** Requests per second the budgets allow. */
  requestsPerSecond: number;
  /** The budget that sets the pace, e.g. "burst" or "daily". */
  bottleneck: string;
  /** Calendar days the daily budget alone requires (1 when it fits in one day). */
  days: number;
  streams: StreamEstimate[];
  warnings: string[];
}

/** Estimate extraction time for `counts` (entity → record count) against a definition's budgets. */
export function estimateMigrationTime(counts: Record<string, number>, definition: ConnectorDefinition, opts: { latencyMs?: number } = {}): MigrationEstimate {
  const warnings: string[] = [];
  const streams: StreamEstimate[] = [];
  for (const [entity, records] of Object.entries(counts)) {
    const s = definition.streams.find((x) => x.name === entity);
    if (!s) warnings.push(`no stream named "${entity}"; assumed 100 records per request`);
    const pageSize = s?.pageSize ?? 100;
    const pages = Math.ceil(Math.max(0, records) / pageSize);
    streams.push({ entity, records, requests: Math.max(1, pages) + Math.ceil(pages * (s?.extraRequestsPerPage ?? 0)) });
  }
  const totalRequests = streams.reduce((a, s) => a + s.requests, 0);
  const totalRecords = streams.reduce((a, s) => a + s.records, 0);
  const latencyMs = opts.latencyMs ?? 250;
  // Without a budget, the pace is set by latency × concurrency.
  let requestsPerSecond = (1000 / latencyMs) * definition.rateLimits.concurrency;
  let bottleneck = 'latency';
  let days = 1;
  for (const b of definition.rateLimits.buckets) {
    const rps = b.requests / b.perSeconds;
    if (b.perSeconds >= 86_400) {
      days = Math.max(days, Math.ceil(totalRequests / b.requests));
      if (totalRequests > b.requests) warnings.push(`needs ${totalRequests} requests but the ${b.name} budget is ${b.requests}; the run spans ${days} days`);
      continue;
    }
    if (rps < requestsPerSecond) {
      requestsPerSecond = rps;
      bottleneck = b.name;
    }
  }
  let seconds = totalRequests / requestsPerSecond;
  if (days > 1) {
    seconds = Math.max(seconds, (days - 1) * 86_400);
    bottleneck = 'daily';
  }
  return { totalRecords, totalRequests, seconds: Math.ceil(seconds), requestsPerSecond, bottleneck, days, streams, warnings };
}

/** Permissions/scopes the connector needs; pass entities to narrow to the streams being migrated. */
export function requiredPermissions(definition: ConnectorDefinition, entities?: string[]): Permission[] {
  return definition.permissions.filter((p) => !entities || p.streams.length === 0 || p.streams.some((s) => entities.includes(s)));
}
