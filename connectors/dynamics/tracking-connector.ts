/**
 * The Dynamics SourceConnector: the SDK's declarative connector plus change tracking. A full pass
 * keeps the `@odata.deltaLink` of its last page in its final checkpoint; a pass starting from such a
 * checkpoint (or from inside a delta pass) follows the delta link (change-tracking.ts) instead of the
 * modifiedon cursor.
 */
import type { ReadOptions } from '../../shared/connector.ts';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { DeclarativeSourceConnector, type ConnectorDefinition, type DeclarativeConnectorOptions, type Page, type PageState, type StreamDefinition } from '../sdk/index.ts';
import { parseDeltaCheckpoint, readDeltaPass } from './change-tracking.ts';
import { DATAVERSE_TABLES } from './definition.ts';

interface DeltaSink {
  deltaLink?: string;
}

export class DynamicsSourceConnector extends DeclarativeSourceConnector {
  /** Per read: where the pages wrapper leaves the last page's delta link (keyed by the read's own signal). */
  private readonly sinks = new WeakMap<AbortSignal, DeltaSink>();

  constructor(definition: ConnectorDefinition, options: DeclarativeConnectorOptions) {
    super(definition, options);
  }

  override read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const table = DATAVERSE_TABLES.find((t) => t.entity === entity);
    if (!table) return super.read(entity, options);
    const delta = parseDeltaCheckpoint(options.checkpoint);
    if (delta) {
      const stream = this.stream(entity);
      const signals = [this.closed.signal, ...(options.signal ? [options.signal] : [])];
      return readDeltaPass(
        { http: this.http, definition: this.definition, signal: AbortSignal.any(signals) },
        { table, checkpoint: delta, batchSize: options.batchSize, pageSize: stream.pageSize },
      );
    }
    return this.readTracked(entity, options);
  }

  private async *readTracked(entity: string, options: ReadOptions): AsyncGenerator<RecordBatch> {
    const signal = AbortSignal.any(options.signal ? [options.signal] : []);
    const sink: DeltaSink = {};
    this.sinks.set(signal, sink);
    for await (const batch of super.read(entity, { ...options, signal })) {
      if (batch.final && sink.deltaLink !== undefined) yield { ...batch, checkpoint: { ...batch.checkpoint, deltaLink: sink.deltaLink } };
      else yield batch;
    }
  }

  override pages(stream: StreamDefinition, start: PageState, since: string | undefined, signal?: AbortSignal): AsyncIterable<Page> {
    const inner = super.pages(stream, start, since, signal);
    const sink = signal ? this.sinks.get(signal) : undefined;
    if (!sink) return inner;
    return (async function* () {
      for await (const page of inner) {
        if (page.next === undefined) {
          const link = (page.body as { deltaLink?: unknown } | null)?.deltaLink;
          if (typeof link === 'string' && link !== '') sink.deltaLink = link;
        }
        yield page;
      }
    })();
  }

  /** Aborted on close(), like the SDK's own reads. */
  private readonly closed = new AbortController();

  override async close(): Promise<void> {
    this.closed.abort();
    await super.close();
  }
}
