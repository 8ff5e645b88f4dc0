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

export const SourceRecordSchema = z.object({
  /** The source system's own primary key, as text. */
  sourceId: z.string(),
  /** 'upsert' for live records; 'delete' for records the source reports deleted (queryAll, tombstones). */
  op: RecordOpSchema.default('upsert'),
  fields: z.record(FieldValueSchema),
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
  /** State after this batch: resuming from it yields exactly the records after this batch. */
  checkpoint: CheckpointSchema,
  /** True on the last batch of the entity for this pass. */
  final: z.boolean().default(false),
});
export type RecordBatch = z.input<typeof RecordBatchSchema>;
export type ParsedRecordBatch = z.output<typeof RecordBatchSchema>;

/** Validate a batch that crossed a trust boundary (wire, bundle file). Throws a ZodError naming the path. */
export function parseRecordBatch(input: unknown): ParsedRecordBatch {
  return RecordBatchSchema.parse(input);
}
