/** preview: N sample records of an entity, source beside target, with the reason for any that would not load. */
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
import { parseRecordBatch, type ParsedRecordBatch } from '../../shared/record-batch.ts';
import { loadMapping } from './mapping/load.ts';
import { compileMapping, referenceEdges } from './mapping/compile.ts';
import { Warnings } from './mapping/warnings.ts';
import { introspectTarget } from './target/introspect.ts';
import { planLoadOrder } from './load-order.ts';
import { buildOwnerDirectory } from './owners.ts';
import { MappingError } from './mapping/load.ts';

export interface PreviewRow {
  sourceId: string;
  source: Record<string, unknown>;
  target: Record<string, unknown> | null;
  table: string;
  errors: string[];
}

export interface PreviewOptions {
  pool: pg.Pool;
  targetSchema: string;
  source: SourceConnector;
  mappingYaml: string;
  vars?: Record<string, string>;
  tenantId: string;
  entity: string;
  limit: number;
}

export async function previewRecords(o: PreviewOptions): Promise<PreviewRow[]> {
  const mapping = loadMapping(o.mappingYaml, { TENANT_ID: o.tenantId, ...o.vars });
  if (!mapping.entities[o.entity]) throw new MappingError(`the mapping has no entity ${o.entity}; it maps ${Object.keys(mapping.entities).join(', ')}`);
  const catalog = await introspectTarget(o.pool, o.targetSchema);
  const entities = Object.keys(mapping.entities).filter((e) => e !== mapping.owners?.entity);
  const plan = planLoadOrder(entities, referenceEdges(mapping));
  const warnings = new Warnings();
  const owners = await buildOwnerDirectory(o.pool, o.targetSchema, o.tenantId, mapping, o.source, warnings, 1000);
  const compiled = compileMapping({ mapping, catalog, tenantId: o.tenantId, deferred: plan.deferred, owners: owners.resolver, warnings });
  const ce = compiled.get(o.entity) ?? (() => { throw new MappingError(`entity ${o.entity} only matches owners; nothing to preview`); })();
  let batch: ParsedRecordBatch | null = null;
  if (o.source.sample) batch = parseRecordBatch(await o.source.sample(o.entity, o.limit));
  else {
    for await (const raw of o.source.read(o.entity, { batchSize: o.limit })) {
      batch = parseRecordBatch(raw);
      break;
    }
  }
  return (batch?.records ?? []).slice(0, o.limit).map((r) => {
    const a = ce.admit(r);
    if (a.kind === 'quarantine') return { sourceId: r.sourceId, source: r.fields, target: null, table: ce.target, errors: [`${a.field ?? ''} ${a.reason}`.trim()] };
    const out = ce.transform(a.sourceId, r.fields);
    if (out.kind !== 'row') return { sourceId: r.sourceId, source: r.fields, target: null, table: ce.target, errors: [out.kind === 'skip' ? `skipped: ${out.reason}` : `${out.field ?? ''} ${out.reason}`.trim()] };
    const target: Record<string, unknown> = {};
    ce.columns.forEach((c, i) => (target[c] = out.values[i]));
    for (const ref of out.refs) if (ref.deferred) target[ref.column] = ref.refId;
    if (typeof target.metadata === 'string') target.metadata = JSON.parse(target.metadata);
    return { sourceId: r.sourceId, source: r.fields, target, table: ce.target, errors: [] };
  });
}
