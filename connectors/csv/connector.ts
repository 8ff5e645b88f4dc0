/**
 * CSV SourceConnector over a folder of files (manual exports, spec 2.3.1 strategy 3, and the
 * offline bundle's payload). Rows stream from disk; the checkpoint is { row: n } and resuming
 * skips n data rows. A malformed row is emitted rejected (the contract's per-record reject), so the
 * engine quarantines it with that reason and column instead of the whole file failing.
 */
import { access, open, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector, StreamInfo } from '../../shared/connector.ts';
import { rejectRecord, type FieldValue, type RecordBatch, type SourceRecord } from '../../shared/record-batch.ts';
import { loadCsvFolder, type CsvEntityConfig, type CsvFolder, type CsvManifestSchema } from './manifest.ts';
import { readCsvRows, type CsvRow } from './row-reader.ts';
import type { Readable } from 'node:stream';
import type { z } from 'zod';

export class UnknownCsvEntityError extends Error {
  override readonly name = 'UnknownCsvEntityError';
  constructor(readonly entity: string, dir: string, known: string[]) {
    super(`CSV folder ${dir} has no entity "${entity}"; known: ${known.join(', ') || '(none)'}`);
  }
}

export interface CsvConnectorOptions {
  dir: string;
  /** Use this instead of the folder's manifest.yaml/json (the folder is then not listed). */
  manifest?: z.input<typeof CsvManifestSchema>;
  /** Open an entity file's bytes some other way (an offline bundle streams decrypted frames). */
  openFile?: (file: string) => Readable;
}

export class CsvConnector implements SourceConnector {
  /** Every file of the folder was handed over: unmapped ones are counted as not in the mapping. */
  readonly deliversEverything = true;
  private folder: CsvFolder | null = null;
  constructor(private readonly opts: CsvConnectorOptions) {}

  get sourceSystem(): string {
    return this.folder?.sourceSystem ?? (this.opts.manifest?.sourceSystem as string | undefined) ?? 'csv';
  }

  /** Load the manifest now (sourceSystem is only known after this). */
  async open(): Promise<this> {
    this.folder ??= await loadCsvFolder(this.opts.dir, this.opts.manifest);
    return this;
  }

  private async entity(entity: string): Promise<CsvEntityConfig> {
    const f = (await this.open()).folder!;
    const cfg = f.entities.get(entity);
    if (!cfg) throw new UnknownCsvEntityError(entity, f.dir, [...f.entities.keys()]);
    return cfg;
  }

  private fileOf(cfg: CsvEntityConfig): string {
    return path.join(this.folder!.dir, cfg.file);
  }

  async check(): Promise<CheckResult> {
    try {
      const f = (await this.open()).folder!;
      const problems: string[] = [];
      for (const [entity, cfg] of f.entities) {
        try {
          if (!this.opts.openFile) await access(this.fileOf(cfg));
          const columns = await this.header(cfg);
          if (!columns.includes(cfg.idColumn)) problems.push(`${cfg.file}: id column "${cfg.idColumn}" not in header`);
        } catch (err) {
          problems.push(`${entity}: ${(err as Error).message}`);
        }
      }
      if (f.entities.size === 0) problems.push('no CSV files and no manifest entities');
      return problems.length === 0
        ? { ok: true, message: `${f.entities.size} CSV entities in ${f.dir}` }
        : { ok: false, message: problems.join('; '), details: { problems } };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  private async header(cfg: CsvEntityConfig): Promise<string[]> {
    const rows = readCsvRows(this.fileOf(cfg), { delimiter: cfg.delimiter, open: this.opts.openFile });
    try {
      const first = await rows.next();
      return first.value && 'columns' in first.value ? first.value.columns : [];
    } finally {
      await rows.return(undefined);
    }
  }

  async discover(): Promise<DiscoveredSchema> {
    const f = (await this.open()).folder!;
    const streams: StreamInfo[] = [];
    const warnings: string[] = [];
    for (const [entity, cfg] of f.entities) {
      const columns = await this.header(cfg);
      const special = new Set([cfg.opColumn, cfg.extraColumn]);
      if (!columns.includes(cfg.idColumn)) warnings.push(`${cfg.file}: id column "${cfg.idColumn}" not in header`);
      const estimatedCount = this.opts.openFile ? 0 : await estimateRows(this.fileOf(cfg));
      streams.push({
        entity,
        primaryKey: [cfg.idColumn],
        fields: columns.filter((c) => !special.has(c)).map((c) => ({ name: c, type: cfg.encoding === 'json' ? 'json' : 'string', nullable: true })),
        // Rows counted in the first 256 KB, scaled by the file's size: exact for small files. For progress only.
        estimatedCount,
        supportsIncremental: false,
        supportsDeletes: cfg.opColumn !== undefined,
      });
    }
    return { sourceSystem: f.sourceSystem, streams, warnings };
  }

  async entities(): Promise<string[]> {
    return [...(await this.open()).folder!.entities.keys()];
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const cfg = await this.entity(entity);
    const skip = typeof options.checkpoint?.['row'] === 'number' ? (options.checkpoint['row'] as number) : 0;
    const batchSize = Math.max(1, options.batchSize);
    const rows = readCsvRows(this.fileOf(cfg), { delimiter: cfg.delimiter, signal: options.signal, textNulls: true, open: this.opts.openFile });
    let columns: string[] = [];
    let records: SourceRecord[] = [];
    let seq = 0;
    let last = skip;
    try {
      for await (const r of rows) {
        if (r.kind === 'header') {
          columns = r.columns;
          continue;
        }
        if (r.row <= skip) continue;
        records.push(toRecord(r, columns, cfg));
        last = r.row;
        if (records.length >= batchSize) {
          yield { v: 1, sourceSystem: this.sourceSystem, entity, seq: seq++, records, checkpoint: { row: last }, final: false };
          records = [];
        }
      }
      yield { v: 1, sourceSystem: this.sourceSystem, entity, seq: seq++, records, checkpoint: { row: last }, final: true };
    } finally {
      await rows.return(undefined);
    }
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    for await (const b of this.read(entity, { batchSize: limit })) return { ...b, final: true };
    return { v: 1, sourceSystem: this.sourceSystem, entity, seq: 0, records: [], checkpoint: { row: 0 }, final: true };
  }

  async close(): Promise<void> {
    // Files are opened per read and closed in its finally; nothing is held between calls.
  }
}

function decode(cell: string | null, cfg: CsvEntityConfig, column: string, line: number): { value?: FieldValue; error?: string } {
  if (cfg.encoding === 'text') return { value: cell };
  if (cell === null) return {}; // absent field
  try {
    return { value: JSON.parse(cell) as FieldValue };
  } catch {
    return { error: `line ${line}, column ${column}: not valid JSON` };
  }
}

function toRecord(r: CsvRow, columns: string[], cfg: CsvEntityConfig): SourceRecord {
  const fallbackId = `${cfg.file}:line:${r.line}`;
  if (r.kind === 'error') return rejectRecord(fallbackId, r.error, r.column ?? null);
  const fields: Record<string, FieldValue> = {};
  const errors: string[] = [];
  let op: 'upsert' | 'delete' = 'upsert';
  let sourceId: string | null = null;
  columns.forEach((col, i) => {
    const cell = r.values[i] ?? null;
    if (col === cfg.opColumn) {
      op = decode(cell, cfg, col, r.line).value === 'delete' ? 'delete' : 'upsert';
      return;
    }
    const d = decode(cell, cfg, col, r.line);
    if (d.error) errors.push(`${cfg.file} ${d.error}`);
    if (col === cfg.extraColumn) {
      if (d.value && typeof d.value === 'object' && !Array.isArray(d.value)) Object.assign(fields, d.value);
      return;
    }
    if (col === cfg.idColumn && d.value !== null && d.value !== undefined && String(d.value).trim() !== '') sourceId = String(d.value);
    // "__"-prefixed columns are bundle control columns (__sourceId), not source fields.
    if (d.value !== undefined && !col.startsWith('__')) fields[col] = d.value;
  });
  if (sourceId === null) return rejectRecord(fallbackId, `missing key: ${cfg.file} line ${r.line} has an empty id column "${cfg.idColumn}"`, cfg.idColumn, fields);
  if (errors.length > 0) return rejectRecord(sourceId, errors.join('; '), null, fields);
  return { sourceId, op, fields };
}

/** Data rows of a CSV file: newlines in its first 256 KB (less the header), scaled by its size. */
async function estimateRows(file: string): Promise<number> {
  const size = await stat(file).then((s) => s.size).catch(() => 0);
  if (size === 0) return 0;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size, 256 * 1024));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    let lines = 0;
    for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++;
    if (bytesRead === size) return Math.max(0, lines - (buf[bytesRead - 1] === 10 ? 1 : 0));
    return Math.max(0, Math.round((lines * size) / bytesRead) - 1);
  } finally {
    await fh.close();
  }
}
