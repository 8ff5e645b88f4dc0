/**
 * A SourceConnector over records held in arrays: the engine's own input format, used by tests and
 * by callers that already hold records (it is not a stand-in for any vendor).
 */
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import type { RecordBatch, SourceRecord } from '../../shared/record-batch.ts';

export class MemorySource implements SourceConnector {
  /** delayMs: pause before each batch (tests that must interrupt a run mid-way). */
  constructor(readonly sourceSystem: string, private readonly data: Record<string, SourceRecord[]>, private readonly delayMs = 0) {}

  async check(): Promise<CheckResult> {
    return { ok: true, message: 'in-memory source' };
  }

  async discover(): Promise<DiscoveredSchema> {
    return {
      sourceSystem: this.sourceSystem,
      streams: Object.entries(this.data).map(([entity, recs]) => ({
        entity, primaryKey: ['id'], fields: Object.keys(recs[0]?.fields ?? {}).map((name) => ({ name, type: 'string' })),
      })),
      warnings: [],
    };
  }

  async entities(): Promise<string[]> {
    return Object.keys(this.data);
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const recs = this.data[entity] ?? [];
    let offset = Number(options.checkpoint?.offset ?? 0);
    let seq = Number(options.checkpoint?.seq ?? -1) + 1;
    do {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const records = recs.slice(offset, offset + options.batchSize);
      offset += records.length;
      yield { v: 1, sourceSystem: this.sourceSystem, entity, seq, records, checkpoint: { offset, seq }, final: offset >= recs.length };
      seq++;
    } while (offset < recs.length);
  }

  async close(): Promise<void> {}
}
