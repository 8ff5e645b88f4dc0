/**
 * The source of a follow-up run: a corrected quarantine CSV (quarantine-csv.ts) of one entity of an
 * earlier run. It reads only that file and that entity. A row whose __sourceId the earlier run did
 * not quarantine for that entity is rejected (so the follow-up loads just the failed records, and
 * says so for anything else); a JSON cell (a field named in __json) that no longer parses is
 * rejected naming the field. Control columns are not source fields.
 */
import { Readable } from 'node:stream';
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import { rejectRecord, type FieldValue, type RecordBatch, type SourceRecord } from '../../shared/record-batch.ts';
import { readCsvRows } from '../../connectors/csv/row-reader.ts';

export interface RetrySourceOptions {
  sourceSystem: string;
  entity: string;
  csv: string;
  originalRunId: string;
  /** Source ids the original run quarantined for this entity. */
  quarantinedIds: Set<string>;
}

export class RetryCsvSource implements SourceConnector {
  constructor(private readonly o: RetrySourceOptions) {}

  get sourceSystem(): string {
    return this.o.sourceSystem;
  }

  private rows(signal?: AbortSignal) {
    return readCsvRows(`${this.o.entity}.csv`, { signal, textNulls: true, open: () => Readable.from([this.o.csv]) });
  }

  async check(): Promise<CheckResult> {
    const cols = await this.columns();
    return cols.includes('__sourceId')
      ? { ok: true, message: `corrected ${this.o.entity} records of run ${this.o.originalRunId}` }
      : { ok: false, message: 'the file has no __sourceId column: upload the quarantine CSV this run exported, corrected' };
  }

  private async columns(): Promise<string[]> {
    const it = this.rows();
    try {
      const first = await it.next();
      return first.value && 'columns' in first.value ? first.value.columns : [];
    } finally {
      await it.return(undefined);
    }
  }

  async discover(): Promise<DiscoveredSchema> {
    const cols = await this.columns();
    return {
      sourceSystem: this.o.sourceSystem,
      streams: [{ entity: this.o.entity, primaryKey: ['__sourceId'], fields: cols.filter((c) => !c.startsWith('__')).map((name) => ({ name, type: 'string', nullable: true })), estimatedCount: 0, supportsIncremental: false, supportsDeletes: false }],
      warnings: [],
    };
  }

  async entities(): Promise<string[]> {
    return [this.o.entity];
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    if (entity !== this.o.entity) throw new Error(`this follow-up run re-imports ${this.o.entity} only, not ${entity}`);
    const skip = typeof options.checkpoint?.['row'] === 'number' ? (options.checkpoint['row'] as number) : 0;
    let columns: string[] = [];
    let records: SourceRecord[] = [];
    let seq = 0;
    let last = skip;
    const batch = (final: boolean): RecordBatch => ({ v: 1, sourceSystem: this.o.sourceSystem, entity, seq: seq++, records, checkpoint: { row: last }, final });
    const it = this.rows(options.signal);
    try {
      for await (const r of it) {
        if (r.kind === 'header') {
          columns = r.columns;
          if (!columns.includes('__sourceId')) throw new Error('the corrected file has no __sourceId column: start from the quarantine CSV the original run exported');
          continue;
        }
        if (r.row <= skip) continue;
        last = r.row;
        records.push(r.kind === 'error' ? rejectRecord(`${entity}.csv:line:${r.line}`, r.error, r.column ?? null) : this.toRecord(columns, r.values, r.line));
        if (records.length >= Math.max(1, options.batchSize)) {
          yield batch(false);
          records = [];
        }
      }
      yield batch(true);
    } finally {
      await it.return(undefined);
    }
  }

  private toRecord(columns: string[], values: (string | null)[], line: number): SourceRecord {
    const cell = (c: string): string | null => values[columns.indexOf(c)] ?? null;
    const json = new Set((cell('__json') ?? '').split(/\s+/).filter(Boolean));
    const fields: Record<string, FieldValue> = {};
    const problems: { field: string; reason: string }[] = [];
    columns.forEach((c, i) => {
      if (c.startsWith('__')) return;
      const v = values[i] ?? null;
      if (v !== null && json.has(c)) {
        try {
          fields[c] = JSON.parse(v) as FieldValue;
        } catch {
          problems.push({ field: c, reason: `line ${line}, column ${c}: the exported value was JSON and the corrected cell is not valid JSON` });
          fields[c] = v;
        }
      } else fields[c] = v;
    });
    const id = (cell('__sourceId') ?? '').trim();
    if (!id) return rejectRecord(`${this.o.entity}.csv:line:${line}`, `missing key: line ${line} has an empty __sourceId`, '__sourceId', fields);
    if (!this.o.quarantinedIds.has(id)) {
      return rejectRecord(id, `not a record run ${this.o.originalRunId} quarantined for ${this.o.entity}: a follow-up run loads only those records`, '__sourceId', fields);
    }
    const bad = problems[0];
    if (bad) return rejectRecord(id, bad.reason, bad.field, fields);
    return { sourceId: id, op: 'upsert', fields };
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    for await (const b of this.read(entity, { batchSize: limit })) return { ...b, records: b.records.slice(0, limit), final: true };
    return { v: 1, sourceSystem: this.o.sourceSystem, entity, seq: 0, records: [], checkpoint: { row: 0 }, final: true };
  }

  async close(): Promise<void> {}
}
