/**
 * Readers for HubSpot response bodies: validated with zod at the boundary, turned into
 * SourceRecords and paging state. The connector and the fixture tests both go through these.
 */
import { z } from 'zod';
import type { FieldInfo } from '../../shared/connector.ts';
import type { SourceRecord } from '../../shared/record-batch.ts';
import { ResponseShapeError, toSourceRecord, type PageState, type StreamDefinition } from '../sdk/index.ts';

const PropertyValues = z.record(z.union([z.string(), z.null()]));

export const CrmObjectSchema = z
  .object({
    id: z.string(),
    properties: PropertyValues,
    createdAt: z.string(),
    updatedAt: z.string(),
    archived: z.boolean().optional(),
    archivedAt: z.string().optional(),
    url: z.string().optional(),
  })
  .passthrough();
export type CrmObjectRecord = z.infer<typeof CrmObjectSchema>;

const PagingSchema = z.object({ next: z.object({ after: z.string(), link: z.string().optional() }).optional() }).optional();

export const ListPageSchema = z.object({ results: z.array(CrmObjectSchema), paging: PagingSchema });
export const SearchPageSchema = ListPageSchema.extend({ total: z.number().int().nonnegative() });

export const OwnerSchema = z
  .object({
    id: z.string(),
    email: z.string().nullable().optional(),
    firstName: z.string().nullable().optional(),
    lastName: z.string().nullable().optional(),
    userId: z.number().nullable().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
    archived: z.boolean(),
  })
  .passthrough();
export const OwnersPageSchema = z.object({ results: z.array(OwnerSchema), paging: PagingSchema });

export const AssociationsBatchSchema = z.object({
  status: z.string(),
  results: z.array(
    z.object({
      from: z.object({ id: z.string() }),
      to: z.array(
        z.object({
          toObjectId: z.union([z.number(), z.string()]),
          associationTypes: z.array(z.object({ category: z.string(), typeId: z.number(), label: z.string().nullable() })),
        }),
      ),
    }),
  ),
  errors: z.array(z.object({ status: z.string(), category: z.string(), subCategory: z.string().optional(), message: z.string(), context: z.record(z.array(z.string())).optional() })).optional(),
  numErrors: z.number().optional(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
});

export const PropertySchema = z
  .object({
    name: z.string(),
    label: z.string(),
    type: z.string(),
    fieldType: z.string(),
    groupName: z.string().optional(),
    hubspotDefined: z.boolean().optional(),
    calculated: z.boolean().optional(),
    hidden: z.boolean().optional(),
    options: z.array(z.object({ label: z.string(), value: z.string(), hidden: z.boolean().optional(), displayOrder: z.number().optional() })).default([]),
    referencedObjectType: z.string().optional(),
  })
  .passthrough();
export const PropertiesSchema = z.object({ results: z.array(PropertySchema) });

export interface ReadPage {
  records: SourceRecord[];
  next: PageState | undefined;
  /** Search responses only. */
  total?: number;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, stream: string): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new ResponseShapeError('hubspot', stream, r.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return r.data;
}

/** A CRM v3 list page (GET /crm/v3/objects/{type}). */
export function readListPage(body: unknown, stream: StreamDefinition): ReadPage {
  const page = parse(ListPageSchema, body, stream.name);
  return { records: page.results.map((r) => toSourceRecord(r, r.id, stream)), next: page.paging?.next ? { token: page.paging.next.after } : undefined };
}

/** A CRM search page (POST /crm/v3/objects/{type}/search): adds `total`, next has `after` only. */
export function readSearchPage(body: unknown, stream: StreamDefinition): ReadPage {
  const page = parse(SearchPageSchema, body, stream.name);
  return { records: page.results.map((r) => toSourceRecord(r, r.id, stream)), next: page.paging?.next ? { token: page.paging.next.after } : undefined, total: page.total };
}

export function readOwnersPage(body: unknown, stream: StreamDefinition): ReadPage {
  const page = parse(OwnersPageSchema, body, stream.name);
  return { records: page.results.map((r) => toSourceRecord(r, r.id, stream)), next: page.paging?.next ? { token: page.paging.next.after } : undefined };
}

export interface AssociationTarget {
  toId: string;
  primary: boolean;
  typeIds: number[];
}

export interface AssociationsResult {
  byFromId: Map<string, AssociationTarget[]>;
  /** From-ids HubSpot reported as having no association (NO_ASSOCIATIONS_FOUND): not an error. */
  withoutAssociations: string[];
  /** Other errors, as "category: message". */
  errors: string[];
}

/** Associations v4 batch read (POST /crm/v4/associations/{from}/{to}/batch/read). */
export function readAssociationsBatch(body: unknown, stream = 'associations'): AssociationsResult {
  const batch = parse(AssociationsBatchSchema, body, stream);
  const byFromId = new Map<string, AssociationTarget[]>();
  for (const r of batch.results) {
    const targets = byFromId.get(r.from.id) ?? [];
    for (const t of r.to) {
      targets.push({ toId: String(t.toObjectId), primary: t.associationTypes.some((a) => a.label === 'Primary'), typeIds: t.associationTypes.map((a) => a.typeId) });
    }
    byFromId.set(r.from.id, targets);
  }
  const withoutAssociations: string[] = [];
  const errors: string[] = [];
  for (const e of batch.errors ?? []) {
    if (e.subCategory === 'crm.associations.NO_ASSOCIATIONS_FOUND') withoutAssociations.push(...(e.context?.['fromObjectId'] ?? []));
    else errors.push(`${e.category}: ${e.message}`);
  }
  return { byFromId, withoutAssociations, errors };
}

const TYPE_MAP: Record<string, string> = {
  string: 'string', number: 'decimal', bool: 'boolean', boolean: 'boolean', enumeration: 'string', date: 'date',
  datetime: 'datetimetz', phone_number: 'string', object_coordinates: 'string', json: 'json',
};

/** Properties API (GET /crm/v3/properties/{type}) → FieldInfo, custom properties flagged. */
export function readProperties(body: unknown, stream: string): FieldInfo[] {
  const props = parse(PropertiesSchema, body, stream);
  return props.results.map((p) => ({
    name: p.name,
    type: TYPE_MAP[p.type] ?? 'string',
    nullable: true,
    sourceType: `${p.type}/${p.fieldType}`,
    custom: p.hubspotDefined !== true,
    picklistValues: p.type === 'enumeration' ? (p.options ?? []).filter((o) => !o.hidden).map((o) => o.value) : undefined,
    references: p.referencedObjectType ? [p.referencedObjectType.toLowerCase()] : undefined,
  }));
}
