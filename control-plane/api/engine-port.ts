/**
 * The real implementations of ports.ts. The engine, agent gateway and report renderer are
 * written by others in parallel, so they are loaded when present (integration points are named
 * in the errors) instead of imported statically.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadConnectorFactory, registry } from '../../connectors/registry.ts';
import type { RunReport } from '../report/types.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import type { ConnectorPort, EnginePort, PreviewRow, ReportPort } from './ports.ts';
import { renderBasicPdf } from './report-pdf.ts';

export class IntegrationMissingError extends Error {
  override readonly name = 'IntegrationMissingError';
}

// Literal imports, so the bundled CLI (dist/cli, bin/build-cli.mjs) carries these modules too.
const MODULES: Record<string, () => Promise<Record<string, unknown>>> = {
  '../engine/run.ts': () => import('../engine/run.ts'),
  '../engine/unit.ts': () => import('../engine/unit.ts'),
  '../engine/rollback.ts': () => import('../engine/rollback.ts'),
  '../engine/preview.ts': () => import('../engine/preview.ts'),
  '../report/pdf.ts': () => import('../report/pdf.ts'),
};

async function importIfPresent(rel: string): Promise<Record<string, unknown> | null> {
  const load = MODULES[rel];
  if (!load || !existsSync(fileURLToPath(new URL(rel, import.meta.url)))) return null;
  return load();
}

async function engineFn<T>(file: string, name: string): Promise<T> {
  const mod = await importIfPresent(`../engine/${file}`);
  const fn = mod?.[name];
  if (typeof fn !== 'function') throw new IntegrationMissingError(`engine function ${name} (control-plane/engine/${file}) is not available yet`);
  return fn as T;
}

export const enginePort: EnginePort = {
  runMigration: async (opts) => (await engineFn<EnginePort['runMigration']>('run.ts', 'runMigration'))(opts),
  runUnit: async (opts) => (await engineFn<NonNullable<EnginePort['runUnit']>>('unit.ts', 'runUnit'))(opts),
  rollbackRun: async (pool, opts) => (await engineFn<EnginePort['rollbackRun']>('rollback.ts', 'rollbackRun'))(pool, opts),
  previewRecords: async (opts) => {
    const mod = await importIfPresent('../engine/preview.ts');
    const fn = mod?.previewRecords as EnginePort['previewRecords'] | undefined;
    if (fn) return fn(opts);
    return sourceOnlyPreview(opts.source, opts.entity, opts.limit);
  },
};

/** Until the engine's preview lands: the source records alone, each saying why no target is shown. */
async function sourceOnlyPreview(source: SourceConnector, entity: string, limit: number): Promise<PreviewRow[]> {
  let records: { fields: Record<string, unknown> }[] = [];
  if (source.sample) records = (await source.sample(entity, limit)).records;
  else {
    for await (const b of source.read(entity, { batchSize: limit })) {
      records = b.records;
      break;
    }
  }
  return records.slice(0, limit).map((r) => ({ source: r.fields, target: null, errors: ['target preview needs control-plane/engine/preview.ts'] }));
}

export const registryConnectors: ConnectorPort = {
  async list() {
    return Object.entries(registry)
      .map(([name, e]) => ({
        name,
        label: e.label,
        hasEmulator: !!e.emulator,
        credentialFields: [...(e.credentialFields ?? [])],
        mappingTemplate: e.mapping && existsSync(fileURLToPath(e.mapping)) ? `builtin:${name}` : null,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  },
  async create(sourceSystem, opts) {
    const factory = await loadConnectorFactory(sourceSystem);
    return factory(opts);
  },
  async mappingTemplate(sourceSystem) {
    const url = registry[sourceSystem]?.mapping;
    if (!url || !existsSync(fileURLToPath(url))) return null;
    return readFile(url, 'utf8');
  },
};

/** Report PDF: control-plane/report/pdf.ts when it exports a renderer, else the basic one here. */
export const reportPort: ReportPort = {
  async renderPdf(report: RunReport): Promise<Buffer> {
    const mod = await importIfPresent('../report/pdf.ts');
    for (const name of ['renderReportPdf', 'renderPdf', 'reportToPdf']) {
      const fn = mod?.[name];
      if (typeof fn === 'function') {
        const out = await (fn as (r: RunReport) => Promise<Buffer | Uint8Array> | Buffer | Uint8Array)(report);
        return Buffer.from(out);
      }
    }
    return renderBasicPdf(report);
  },
};
