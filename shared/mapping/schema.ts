/**
 * The declarative mapping format (YAML, validated here). One file maps one source system into
 * Logic Nexus. It is compiled once into plain functions by control-plane/engine/mapping.
 * FORMAT.md beside this file documents it with examples.
 */
import { z } from 'zod';

/** Target column types understood by conversion and validation. */
export const ColumnTypeSchema = z.enum([
  'text', 'integer', 'bigint', 'numeric', 'boolean', 'date', 'timestamptz', 'uuid', 'jsonb', 'text[]',
]);

/** What to do when a source value is not in a picklist map. */
export const UnmappedPolicySchema = z.union([
  z.object({ policy: z.literal('quarantine') }),
  z.object({ policy: z.literal('default'), value: z.string() }),
  z.object({ policy: z.preprocess((v) => (v === null ? 'null' : v), z.literal('null')) }),
  z.object({ policy: z.literal('passthrough') }),
]);

/** What to do when a reference names a parent that never arrives. */
/** YAML reads a bare `null` as null; it means the 'null' policy here. */
export const OrphanPolicySchema = z.preprocess((v) => (v === null ? 'null' : v), z.enum(['null', 'quarantine', 'placeholder']));

/** Small, safe computed-field functions (no eval). Arguments are source field names or {"lit": value}. */
const ArgSchema = z.union([z.string(), z.object({ lit: z.union([z.string(), z.number(), z.boolean(), z.null()]) })]);
export const ComputeSchema = z.object({
  fn: z.enum(['concat', 'coalesce', 'lower', 'upper', 'trim', 'join', 'split_first', 'split_last', 'multiply', 'divide', 'now', 'if_equals']),
  args: z.array(ArgSchema).default([]),
  /** For concat/join: separator. */
  sep: z.string().optional(),
});

export const FieldRuleSchema = z
  .object({
    /** Source field (dot path allowed into nested JSON, e.g. "properties.name"). */
    from: z.string().optional(),
    /** A constant value. */
    const: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    /** Compose an address JSON object from source fields: { street: BillingStreet, city: BillingCity, ... }. */
    address: z.record(z.string()).optional(),
    /** Compose any JSON object from source fields. */
    object: z.record(z.string()).optional(),
    /** Computed field. */
    compute: ComputeSchema.optional(),
    /** Owner/user mapping: the source field holding the source user id. Resolved by email. */
    owner: z.string().optional(),
    /** Reference to another source entity's target row (deterministic id). */
    ref: z
      .object({
        /** Source entity the value points at (e.g. Account). */
        entity: z.string().optional(),
        /** Polymorphic references: source-id prefix → entity (Salesforce WhoId/WhatId: {"001": Account}). */
        byPrefix: z.record(z.string()).optional(),
        /** Polymorphic references: value of another field → entity (Dynamics _regardingobjectid_value@...lookuplogicalname). */
        byField: z.object({ field: z.string(), map: z.record(z.string()) }).optional(),
        onOrphan: OrphanPolicySchema.optional(),
      })
      .optional(),
    /** Target type conversion; defaults to the target column's introspected type. */
    type: ColumnTypeSchema.optional(),
    /** Picklist value map (source value → target value). Matching is exact, then case-insensitive. */
    values: z.record(z.string()).optional(),
    unmapped: UnmappedPolicySchema.optional(),
    required: z.boolean().optional(),
    default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    /** Maximum length; longer values are quarantined unless truncate is set. */
    maxLength: z.number().int().positive().optional(),
    truncate: z.boolean().optional(),
    /** Source timestamps without a zone are interpreted in this IANA zone (default: quarantine). */
    assumeZone: z.string().optional(),
    /** Date/number parsing hints. */
    format: z.string().optional(),
    /** Plausible window for date/timestamp columns, inclusive (YYYY-MM-DD). Default 1900-01-01..2199-12-31, 1900-01-01 itself excluded. */
    minDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'minDate must be YYYY-MM-DD').optional(),
    maxDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'maxDate must be YYYY-MM-DD').optional(),
    /**
     * Number format of the source text (BCP 47, e.g. de-DE, fr-FR, en-US): group separators are
     * removed and the locale's decimal mark read as the point. Without it, numbers must be plain
     * digits (optional sign, '.' decimal, exponent); "1,234.56" is quarantined.
     */
    locale: z.string().refine((l) => { try { return Intl.NumberFormat.supportedLocalesOf([l]).length === 1; } catch { return false; } }, 'locale must be a known BCP 47 locale (e.g. de-DE)').optional(),
    /** A business key: a record whose value another record of the same tenant and source system already holds is quarantined. */
    unique: z.boolean().optional(),
  })
  .strict();

/**
 * How a match key compares a mapped value with a column of rows the tenant already has: `text` trims,
 * lower-cases and collapses whitespace (names); `email` trims and lower-cases; `domain` keeps the host
 * of a URL or domain, lower-cased, without scheme, `www.` or path; `exact` compares the text as it is.
 */
export const MatchNormalizeSchema = z.enum(['text', 'email', 'domain', 'exact']);

/** One key: a target column the entity maps (`billing_address.country` reads a key of a jsonb column). */
export const MatchKeySchema = z.union([
  z.string().min(1),
  z.object({ column: z.string().min(1), normalize: MatchNormalizeSchema.default('text') }).strict(),
]);

/**
 * Match rules for loading into a live tenant: a source record whose mapped keys equal those of exactly
 * one row the tenant already has (a row nexus-migrate did not create) is that row. Rules are tried in
 * order; a rule is one key or a list of keys that must all be equal. Two or more rows matching one
 * record, or one row matching two records, quarantine the record for a person to decide.
 */
export const MatchSchema = z
  .object({
    by: z.array(z.union([MatchKeySchema, z.array(MatchKeySchema).min(1)])).min(1, 'match.by needs at least one rule'),
    /** update: write the mapped columns into the matched row (before-image kept); link: leave it as it is; skip: load nothing. */
    onMatch: z.enum(['update', 'link', 'skip']).default('update'),
    /** With onMatch update: only these mapped columns are written (default: every mapped column). */
    update: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict()
  .refine((m) => m.update === undefined || m.onMatch === 'update', { message: 'match.update lists columns to write, which only onMatch: update does', path: ['update'] });

export const EntityMappingSchema = z
  .object({
    /** Logic Nexus table. */
    target: z.string(),
    /** Target column → rule. A bare string is shorthand for { from: <string> }. */
    fields: z.record(z.union([z.string(), FieldRuleSchema])),
    /** Where unmapped source fields go: 'metadata' (default) keeps them in metadata.custom/…; 'drop' drops them. */
    unmappedFields: z.enum(['metadata', 'drop']).default('metadata'),
    /** Source fields never copied to metadata (system noise such as attributes, @odata.etag). */
    ignoreFields: z.array(z.string()).default([]),
    /** Records matching any of these are skipped by rule and counted as such: { field: value }. */
    skipWhen: z.array(z.record(z.union([z.string(), z.number(), z.boolean(), z.null()]))).default([]),
    /** Source entity name in the id namespace, when two source entities are one logical entity. */
    idEntity: z.string().optional(),
    /** Source ids with surrounding whitespace: 'trim' (default) loads " 42 " as "42"; 'refuse' quarantines them. */
    idWhitespace: z.enum(['trim', 'refuse']).default('trim'),
    /** Match existing rows of a live tenant instead of creating duplicates (see MatchSchema). */
    match: MatchSchema.optional(),
  })
  .strict();

export const MappingSchema = z
  .object({
    version: z.literal(1),
    sourceSystem: z.string(),
    description: z.string().optional(),
    /** Column defaults applied to every row (tenant_id and franchise_id above all). */
    defaults: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).default({}),
    owners: z
      .object({
        /** Source entity holding users (e.g. User, systemuser, owners). */
        entity: z.string(),
        emailField: z.string(),
        /** Email of the Logic Nexus user who receives records whose owner has no match. */
        fallbackEmail: z.string().optional(),
      })
      .optional(),
    orphans: OrphanPolicySchema.default('null'),
    picklists: z.object({ unmapped: UnmappedPolicySchema }).default({ unmapped: { policy: 'quarantine' } }),
    /**
     * The share of records (0..1) that may be quarantined, overall or in any entity, before a run's
     * outcome is completed_with_issues instead of completed (default 0.01, i.e. 1%).
     */
    maxQuarantineShare: z.number().min(0).max(1).optional(),
    /** Source entity → mapping. Order is irrelevant: the load order is derived from references. */
    entities: z.record(EntityMappingSchema),
  })
  .strict();

export type ColumnType = z.infer<typeof ColumnTypeSchema>;
export type FieldRule = z.infer<typeof FieldRuleSchema>;
export type EntityMapping = z.infer<typeof EntityMappingSchema>;
export type Mapping = z.infer<typeof MappingSchema>;
export type MatchRules = z.infer<typeof MatchSchema>;
export type MatchNormalize = z.infer<typeof MatchNormalizeSchema>;
export type OrphanPolicy = z.infer<typeof OrphanPolicySchema>;
