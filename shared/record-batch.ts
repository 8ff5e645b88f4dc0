/**
 * The one record-batch contract. Every connector emits it, whether it runs in the
 * on-prem agent or in the control plane, and the engine consumes nothing else.
 */
import { z } from 'zod';

/** A field value as it crosses the wire: JSON scalars, ISO strings for dates, nested JSON. */
export type FieldValue = string | number | boolean | null | FieldValue[] | { [key: string]: FieldValue };

export const FieldValueSchema: z.ZodType<FieldValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(FieldValueSchema), z.record(FieldValueSchema)]),
);

/** Checkpoint state: a small JSON value, a pure function of the records seen so far. */
export type Checkpoint = { [key: string]: FieldValue };
export const CheckpointSchema = z.record(FieldValueSchema) as z.ZodType<Checkpoint>;

export const RecordOpSchema = z.enum(['upsert', 'delete']);
export type RecordOp = z.infer<typeof RecordOpSchema>;

/**
 * A source's verdict that it could not read this record faithfully (bytes it cannot decode, a row
 * it cannot parse, a missing key). The engine loads nothing of a rejected record: it quarantines it
 * once, with this reason and field, and counts it as quarantined.
 */
export const RecordRejectSchema = z.object({
  /** Why, for a person: names the line, column or key where it can. */
  reason: z.string().min(1),
  /** The source field at fault, or null when the whole record is. */
  field: z.string().nullable().default(null),
});
export type RecordReject = z.input<typeof RecordRejectSchema>;

export const SourceRecordSchema = z.object({
  /** The source system's own primary key, as text. */
  sourceId: z.string(),
  /** 'upsert' for live records; 'delete' for records the source reports deleted (queryAll, tombstones). */
  op: RecordOpSchema.default('upsert'),
  fields: z.record(FieldValueSchema),
  /** Set when the source rejects the record (see RecordRejectSchema); `fields` then holds what was read. */
  reject: RecordRejectSchema.optional(),
});
export type SourceRecord = z.input<typeof SourceRecordSchema>;

export const RecordBatchSchema = z.object({
  v: z.literal(1),
  /** e.g. 'salesforce', 'cargowise', 'csv' */
  sourceSystem: z.string().min(1).max(64),
  /** The source entity (object, table, stream), e.g. 'Account', 'OrgHeader'. */
  entity: z.string().min(1).max(128),
  /** Monotonic per (job, entity), starting at 0. Used for ordering, dedupe and replay detection. */
  seq: z.number().int().nonnegative(),
  records: z.array(SourceRecordSchema),
  /**
   * State after this batch. Resuming an interrupted pass from it yields exactly the records after
   * this batch. Starting the next incremental pass from a finished pass's final checkpoint may re-read
   * the records of the boundary instant (a lookback overlap, so none written at that instant is lost);
   * the engine counts those as unchanged.
   */
  checkpoint: CheckpointSchema,
  /** True on the last batch of the entity for this pass. */
  final: z.boolean().default(false),
});
export type RecordBatch = z.input<typeof RecordBatchSchema>;
export type ParsedRecordBatch = z.output<typeof RecordBatchSchema>;

/** The per-record reject operation: a record the source could not read, quarantined by the engine. */
export function rejectRecord(sourceId: string, reason: string, field: string | null = null, fields: Record<string, FieldValue> = {}): SourceRecord {
  return { sourceId, op: 'upsert', fields, reject: { reason, field } };
}

/** Validate a batch that crossed a trust boundary (wire, bundle file). Throws a ZodError naming the path. */
export function parseRecordBatch(input: unknown): ParsedRecordBatch {
  return RecordBatchSchema.parse(input);
}

export class InvalidBatchError extends Error {
  override readonly name = 'InvalidBatchError';
}

function isFieldValue(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string': case 'boolean': return true;
    case 'number': return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(v)) return v.every((x) => isFieldValue(x, depth + 1));
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const k in v as Record<string, unknown>) if (!isFieldValue((v as Record<string, unknown>)[k], depth + 1)) return false;
      return true;
    }
    default: return false;
  }
}

/**
 * The same contract as RecordBatchSchema, checked by hand: the hot path (millions of records from
 * an in-process connector) cannot afford a schema library per value. Errors name the record and field.
 */
export function checkRecordBatch(input: unknown): ParsedRecordBatch {
  const b = input as Record<string, unknown>;
  const where = `batch ${String(b?.entity)}#${String(b?.seq)}`;
  if (!b || typeof b !== 'object') throw new InvalidBatchError('a record batch must be an object');
  if (b.v !== 1) throw new InvalidBatchError(`${where}: unsupported batch version ${JSON.stringify(b.v)}`);
  if (typeof b.sourceSystem !== 'string' || !b.sourceSystem || typeof b.entity !== 'string' || !b.entity) throw new InvalidBatchError(`${where}: sourceSystem and entity must be non-empty strings`);
  if (!Number.isInteger(b.seq) || (b.seq as number) < 0) throw new InvalidBatchError(`${where}: seq must be a non-negative integer`);
  if (!Array.isArray(b.records)) throw new InvalidBatchError(`${where}: records must be an array`);
  if (!b.checkpoint || typeof b.checkpoint !== 'object' || !isFieldValue(b.checkpoint, 0)) throw new InvalidBatchError(`${where}: checkpoint must be a JSON object`);
  for (let i = 0; i < b.records.length; i++) {
    const r = b.records[i] as Record<string, unknown>;
    if (!r || typeof r !== 'object' || typeof r.sourceId !== 'string') throw new InvalidBatchError(`${where}: record ${i} has no string sourceId`);
    if (r.op === undefined) r.op = 'upsert';
    else if (r.op !== 'upsert' && r.op !== 'delete') throw new InvalidBatchError(`${where}: record ${r.sourceId}: op must be upsert or delete`);
    const f = r.fields as Record<string, unknown>;
    if (!f || typeof f !== 'object' || Array.isArray(f)) throw new InvalidBatchError(`${where}: record ${r.sourceId}: fields must be an object`);
    for (const k in f) if (!isFieldValue(f[k], 0)) throw new InvalidBatchError(`${where}: record ${r.sourceId}, field ${k}: not a JSON value`);
    if (r.reject !== undefined) {
      const j = r.reject as Record<string, unknown> | null;
      if (!j || typeof j !== 'object' || typeof j.reason !== 'string' || !j.reason) throw new InvalidBatchError(`${where}: record ${r.sourceId}: reject needs a non-empty reason`);
      if (j.field === undefined) j.field = null;
      else if (j.field !== null && typeof j.field !== 'string') throw new InvalidBatchError(`${where}: record ${r.sourceId}: reject.field must be a string or null`);
    }
  }
  if (b.final === undefined) b.final = false;
  return b as unknown as ParsedRecordBatch;
}
