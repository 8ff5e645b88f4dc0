/**
 * Preflight: what must hold before a single record loads. The target takes writes; the tenant and
 * the mapping's franchise exist in the target (or `createTenant` creates them, and the report says
 * so); every mapping `from:` names a field the source has (by its discovery). Anything else stops
 * the run here with a message saying what to do, instead of quarantining every record one by one.
 */
import { waitReason } from '../jobs/transient.ts';
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
import type { Mapping } from '../../shared/mapping/schema.ts';
import type { TargetCatalog } from './target/introspect.ts';
import { franchiseTenant, insertFranchise, insertTenant, readOnlyReason, tenantExists, unwritableTables } from './sql/preflight.ts';

export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(readonly problems: string[]) {
    super(`preflight refused the run before anything loaded:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface PreflightRecord {
  tenantCreated: boolean;
  franchiseCreated: boolean;
  tenantId: string;
  franchiseId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The franchise every row gets (mapping defaults), when it is a literal uuid. */
export function mappingFranchise(mapping: Mapping): string | null {
  const f = mapping.defaults.franchise_id;
  return typeof f === 'string' && UUID.test(f) ? f : null;
}

/** Target tables the mapping writes. */
function mappedTables(mapping: Mapping): string[] {
  return [...new Set(Object.entries(mapping.entities).filter(([e]) => e !== mapping.owners?.entity).map(([, m]) => m.target))].sort();
}

/** Mapping `from:` paths that name no field of the source (discovery). Entities discovery knows nothing about are not judged. */
export async function missingSourceFields(source: SourceConnector, mapping: Mapping): Promise<string[]> {
  const schema = await source.discover();
  const streams = new Map(schema.streams.map((s) => [s.entity, new Set(s.fields.map((f) => f.name))]));
  const problems: string[] = [];
  for (const [entity, em] of Object.entries(mapping.entities)) {
    const names = streams.get(entity);
    if (!names || names.size === 0) continue;
    const has = (path: string) => names.has(path) || names.has(path.split('.')[0]!) || [...names].some((n) => n.startsWith(`${path}.`));
    for (const [column, rule] of Object.entries(em.fields)) {
      const from = typeof rule === 'string' ? rule : rule.from;
      if (from === undefined || has(from)) continue;
      const known = [...names].sort();
      problems.push(`mapping ${entity}.${column}: from "${from}" is not a field of the source's ${entity} (it has ${known.slice(0, 12).join(', ')}${known.length > 12 ? ', …' : ''})`);
    }
  }
  return problems;
}

export interface PreflightOptions {
  pool: pg.Pool;
  targetSchema: string;
  tenantId: string;
  mapping: Mapping;
  catalog: TargetCatalog;
  source: SourceConnector;
  /** Create a missing tenant and franchise instead of refusing. */
  createTenant?: boolean;
}

/** Check everything; refuse with every problem at once. Returns what needs creating (nothing is written here). */
export async function checkPreflight(o: PreflightOptions): Promise<{ createTenant: boolean; createFranchise: boolean; franchiseId: string | null }> {
  const problems: string[] = [];
  const ro = await readOnlyReason(o.pool);
  if (ro) problems.push(ro);
  const tables = mappedTables(o.mapping).filter((t) => o.catalog.has(t));
  const locked = await unwritableTables(o.pool, o.targetSchema, tables);
  if (locked.length > 0) problems.push(`the database user may not write ${locked.map((t) => `${o.targetSchema}.${t}`).join(', ')} (grant INSERT and UPDATE)`);

  const franchiseId = mappingFranchise(o.mapping);
  let createTenant = false;
  let createFranchise = false;
  if (o.catalog.has('tenants') && !(await tenantExists(o.pool, o.targetSchema, o.tenantId))) {
    if (o.createTenant) createTenant = true;
    else problems.push(`tenant ${o.tenantId} does not exist in ${o.targetSchema}.tenants, so every record would be refused by its tenant foreign key. Create the tenant in Logic Nexus first, check --tenant and --target-schema, or pass --create-tenant to create it${franchiseId ? ` (and franchise ${franchiseId})` : ''} as a recorded step of this run`);
  }
  if (franchiseId && o.catalog.has('franchises')) {
    const owner = await franchiseTenant(o.pool, o.targetSchema, franchiseId);
    if (owner === null) {
      if (o.createTenant) createFranchise = true;
      else problems.push(`franchise ${franchiseId} does not exist in ${o.targetSchema}.franchises. Create it in Logic Nexus first, check --franchise, or pass --create-tenant to create it as a recorded step of this run`);
    } else if (owner !== o.tenantId) {
      problems.push(`franchise ${franchiseId} belongs to tenant ${owner}, not to tenant ${o.tenantId}`);
    }
  }
  try {
    problems.push(...(await missingSourceFields(o.source, o.mapping)));
  } catch (err) {
    // An agent that is offline, a lost connection: the run waits and retries (jobs/transient.ts), it is not refused.
    if (waitReason(err)) throw err;
    problems.push(`the source could not be discovered, so the mapping cannot be checked against it: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (problems.length > 0) throw new PreflightError(problems);
  return { createTenant, createFranchise, franchiseId };
}

/** Create what checkPreflight said was missing, in `schema` (the target, or a dry run's shadow copy). */
export async function applyPreflight(
  q: pg.Pool | pg.PoolClient, schema: string, tenantId: string, need: { createTenant: boolean; createFranchise: boolean; franchiseId: string | null },
): Promise<PreflightRecord> {
  if (need.createTenant) await insertTenant(q, schema, tenantId, `Tenant ${tenantId}`);
  if (need.createFranchise && need.franchiseId) await insertFranchise(q, schema, need.franchiseId, tenantId, 'Headquarters');
  return { tenantCreated: need.createTenant, franchiseCreated: need.createFranchise, tenantId, franchiseId: need.franchiseId };
}
