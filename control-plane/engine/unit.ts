/**
 * runUnit: one entity of a run that another worker's run handed out (control-plane/jobs/units.ts).
 * The run row, its preflight and its progress rows already exist; the unit compiles the same
 * mapping against the same target, loads its entity from the entity's committed checkpoint, and
 * keeps its warnings on the entity's row for the run to merge. Killed at any instant, a unit started
 * again resumes to the same final state, like any entity of a run.
 */
import { loadMapping } from './mapping/load.ts';
import { compileMapping, referenceEdges } from './mapping/compile.ts';
import { Warnings } from './mapping/warnings.ts';
import { introspectTarget } from './target/introspect.ts';
import { planLoadOrder } from './load-order.ts';
import { buildOwnerDirectory } from './owners.ts';
import { listProgress } from './sql/runs.ts';
import { loadOneEntity, withTenantClients } from './entity-load.ts';
import type { RunOptions } from './run-types.ts';

export interface UnitOptions extends RunOptions {
  runId: string;
  entity: string;
}

export class UnitNotFoundError extends Error {
  override readonly name = 'UnitNotFoundError';
}

/** Load the unit's entity; resolves at once when it is already done. */
export async function runUnit(o: UnitOptions): Promise<{ done: boolean }> {
  const batchSize = o.batchSize ?? 5000;
  const cs = o.controlSchema;
  const p = (await listProgress(o.pool, cs, o.runId)).find((r) => r.entity === o.entity);
  if (!p) throw new UnitNotFoundError(`run ${o.runId} has no entity ${o.entity}`);
  if (p.status === 'done') return { done: true };
  const mapping = loadMapping(o.mappingYaml, { TENANT_ID: o.tenantId, ...o.vars });
  const catalog = await introspectTarget(o.pool, o.targetSchema);
  const entities = Object.keys(mapping.entities).filter((e) => e !== mapping.owners?.entity);
  const plan = planLoadOrder(entities, referenceEdges(mapping));
  const warnings = new Warnings();
  warnings.restore(p.warnings as never);
  // The run itself recorded the owner directory's notes; per-record owner warnings are this unit's.
  const owners = await buildOwnerDirectory(o.pool, o.targetSchema, o.tenantId, mapping, o.source, new Warnings(), batchSize);
  const compiled = compileMapping({ mapping, catalog, tenantId: o.tenantId, deferred: plan.deferred, owners: owners.resolver, warnings });
  if (!compiled.has(o.entity)) throw new UnitNotFoundError(`the mapping has no entity ${o.entity}`);
  const available = new Set(await o.source.entities());
  await withTenantClients(o.pool, o.tenantId, 2, (clients) =>
    loadOneEntity({ o, runId: o.runId, sourceSystem: mapping.sourceSystem, catalog, compiled, available, warnings, warningsScope: 'entity', batchSize, timings: {} }, o.entity, p, clients));
  return { done: true };
}
