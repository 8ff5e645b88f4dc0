/**
 * The narrow connector contract. A source connector (SaaS over HTTP, SQL database, CSV
 * files) implements this, and the engine drives it the same way in the agent and in the
 * control plane.
 */
import type { Checkpoint, RecordBatch } from './record-batch.ts';

export interface FieldInfo {
  name: string;
  /** Normalised type: string, integer, number, decimal, boolean, date, datetime, datetimetz, uuid, json, binary */
  type: string;
  nullable?: boolean;
  maxLength?: number;
  /** Vendor type name as reported (nvarchar(50), Picklist, Edm.Decimal, ...) */
  sourceType?: string;
  custom?: boolean;
  picklistValues?: string[];
  /** For reference fields: the entity this field points at. */
  references?: string[];
}

export interface StreamInfo {
  entity: string;
  primaryKey: string[];
  cursorField?: string;
  fields: FieldInfo[];
  estimatedCount?: number;
  supportsIncremental?: boolean;
  supportsDeletes?: boolean;
}

export interface DiscoveredSchema {
  sourceSystem: string;
  /** e.g. platform version recognised from tables */
  version?: string;
  streams: StreamInfo[];
  warnings: string[];
}

export interface CheckResult {
  ok: boolean;
  message: string;
  details?: Record<string, unknown>;
}

export interface ReadOptions {
  /** Resume after this checkpoint; undefined means from the beginning (full pass). */
  checkpoint?: Checkpoint;
  batchSize: number;
  signal?: AbortSignal;
  /** Extra fields to select, if the connector supports projection. */
  fields?: string[];
}

export interface SourceConnector {
  readonly sourceSystem: string;
  /**
   * True when the source hands over every entity's records whether the mapping uses them or not
   * (an agent's staged batches, a folder of CSV files). The engine then reads the entities the
   * mapping does not use and counts them as not in the mapping, so the report reconciles all it read.
   */
  readonly deliversEverything?: boolean;
  check(): Promise<CheckResult>;
  discover(): Promise<DiscoveredSchema>;
  /** Entities this connector can read, in no particular order. */
  entities(): Promise<string[]>;
  /**
   * Stream the entity as record batches. Must release its resources in `finally`. A record the
   * connector cannot decode or parse is not dropped and does not stop the read: it is emitted
   * rejected (`rejectRecord(sourceId, reason, field)` from record-batch.ts), and the engine
   * quarantines it with that reason and field.
   */
  read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch>;
  /** Up to `limit` sample records, for preview. */
  sample?(entity: string, limit: number): Promise<RecordBatch>;
  close(): Promise<void>;
}
