/**
 * A platform description: the data that says what a CargoWise / SAP TM / OTM database looks
 * like (table → columns, keys, modified column, references, generator hints). It drives
 * discovery (recognition, tolerant column matching), reading (key and cursor columns) and the
 * sample-database generator. Each platform keeps one as connectors/<platform>/schema.yaml.
 */
import { PLATFORMS, type PlatformName } from './platforms.ts';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const NormalTypeSchema = z.enum([
  'string', 'integer', 'bigint', 'number', 'decimal', 'boolean', 'date', 'datetime', 'datetimetz', 'uuid', 'json', 'binary', 'rowversion',
]);

/** Generator hints for sample databases (a closed set). */
export const GenSchema = z.union([
  z.literal('key'),
  z.literal('modified'),
  z.literal('memo'),
  z.object({ ref: z.string(), per: z.number().int().positive().optional(), nullRate: z.number().min(0).max(1).optional() }).strict(),
  z.object({ seq: z.number().int().positive() }).strict(),
  z.object({ pick: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1) }).strict(),
  z.object({ text: z.enum(['company', 'person_first', 'person_last', 'email', 'phone', 'city', 'street', 'postcode', 'sentence', 'vessel', 'flight']) }).strict(),
  z.object({ code: z.string() }).strict(),
  z.object({ num: z.tuple([z.number(), z.number()]) }).strict(),
  z.object({ int: z.tuple([z.number().int(), z.number().int()]) }).strict(),
  z.object({ bool: z.number().min(0).max(1) }).strict(),
  z.object({ time: z.tuple([z.number(), z.number()]), after: z.string().optional() }).strict(),
  z.object({ port: z.boolean() }).strict(),
  z.object({ container: z.boolean() }).strict(),
  z.object({ country: z.boolean() }).strict(),
]);
export type Gen = z.infer<typeof GenSchema>;

export const ColumnSpecSchema = z
  .object({
    name: z.string(),
    type: NormalTypeSchema,
    length: z.number().int().positive().optional(),
    precision: z.number().int().positive().optional(),
    scale: z.number().int().nonnegative().optional(),
    nullable: z.boolean().default(true),
    /** Older or alternative names of the same column (recognised with a warning). */
    aliases: z.array(z.string()).default([]),
    /** Entity this column points at. */
    references: z.string().optional(),
    /** Columns the bad-data switch may corrupt, by kind. */
    bad: z.array(z.enum(['nullify', 'duplicate', 'orphan', 'date', 'encoding', 'memo'])).default([]),
    gen: GenSchema.optional(),
    description: z.string().optional(),
  })
  .strict();
export type ColumnSpec = z.infer<typeof ColumnSpecSchema>;

/** A scalar lookup: the first `column` of `table` whose `match` equals this row's `local` (default: key). */
export const LookupSpecSchema = z
  .object({
    field: z.string(), table: z.string(), column: z.string(), match: z.string(), local: z.string().optional(),
    equals: z.object({ column: z.string(), value: z.string() }).strict().optional(),
    type: NormalTypeSchema.default('string'),
  })
  .strict();

/** A derived field: labels of the truthy flag fields (mode all → array, first → the first label or null). */
export const DerivedSpecSchema = z
  .object({ field: z.string(), flags: z.record(z.string()), mode: z.enum(['all', 'first']).default('all') })
  .strict();

export const EntitySpecSchema = z
  .object({
    /** The platform's logical entity name (RecordBatch.entity). */
    entity: z.string(),
    table: z.string(),
    tableAliases: z.array(z.string()).default([]),
    key: z.array(z.string()).min(1),
    modified: z.string().optional(),
    /** Relative size in generated sample databases. */
    weight: z.number().positive().default(1),
    /** Not an entity of its own (link tables): generated, not read. */
    internal: z.boolean().default(false),
    lookups: z.array(LookupSpecSchema).default([]),
    derived: z.array(DerivedSpecSchema).default([]),
    columns: z.array(ColumnSpecSchema).min(1),
    description: z.string().optional(),
  })
  .strict();
export type EntitySpec = z.infer<typeof EntitySpecSchema>;

export const PlatformDescriptionSchema = z
  .object({
    platform: z.string(),
    title: z.string(),
    description: z.string().optional(),
    /** Tables whose presence identifies the platform. */
    recognise: z.object({ tables: z.array(z.string()).min(1) }).strict(),
    /** First marker present wins: a table (and optionally a column) that exists only from that version. */
    versions: z.array(z.object({ version: z.string(), table: z.string(), column: z.string().optional() }).strict()).default([]),
    entities: z.array(EntitySpecSchema).min(1),
  })
  .strict();
export type PlatformDescription = z.infer<typeof PlatformDescriptionSchema>;

export class PlatformDescriptionError extends Error {
  override name = 'PlatformDescriptionError';
}

/** Parse and validate a description; references must name described entities. */
export function parsePlatformDescription(yamlText: string, source = 'description'): PlatformDescription {
  const parsed = PlatformDescriptionSchema.safeParse(parseYaml(yamlText));
  if (!parsed.success) throw new PlatformDescriptionError(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const d = parsed.data;
  const byTable = new Set(d.entities.map((e) => e.table));
  const byEntity = new Set(d.entities.map((e) => e.entity));
  for (const e of d.entities) {
    const names = new Set(e.columns.map((c) => c.name));
    for (const k of [...e.key, ...(e.modified ? [e.modified] : [])]) {
      if (!names.has(k)) throw new PlatformDescriptionError(`${source}: ${e.table}: key/modified column ${k} is not described`);
    }
    for (const c of e.columns) {
      if (c.references && !byEntity.has(c.references)) throw new PlatformDescriptionError(`${source}: ${e.table}.${c.name} references unknown entity ${c.references}`);
      if (c.gen && typeof c.gen === 'object' && 'ref' in c.gen && !byTable.has(c.gen.ref)) throw new PlatformDescriptionError(`${source}: ${e.table}.${c.name} gen.ref names unknown table ${c.gen.ref}`);
    }
  }
  return d;
}

const cache = new Map<string, PlatformDescription>();

/** Load connectors/<platform>/schema.yaml. */
export function loadPlatformDescription(platform: string): PlatformDescription {
  const hit = cache.get(platform);
  if (hit) return hit;
  const url = new URL(`../${platform}/schema.yaml`, import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    throw new PlatformDescriptionError(`no platform description for "${platform}" (${(err as Error).message})`);
  }
  const d = parsePlatformDescription(text, `${platform}/schema.yaml`);
  cache.set(platform, d);
  return d;
}

export { PLATFORMS, type PlatformName };
