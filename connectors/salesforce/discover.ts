/**
 * Discovery: describeGlobal lists the org's objects (standard and custom __c), sObject describe lists
 * each object's fields. From a describe come the StreamInfo, the SOQL field list (component fields,
 * never compound address/location or base64 blobs) and the type map the readers use.
 */
import type { FieldInfo, StreamInfo } from '../../shared/connector.ts';
import { z } from 'zod';
import type { SfTypeMap } from './readers.ts';

const GlobalSchema = z.object({
  sobjects: z.array(z.object({ name: z.string(), custom: z.boolean().default(false), queryable: z.boolean().default(true), label: z.string().optional() }).passthrough()),
}).passthrough();

const FieldSchema = z.object({
  name: z.string(),
  type: z.string(),
  nillable: z.boolean().optional(),
  length: z.number().optional(),
  custom: z.boolean().optional(),
  calculated: z.boolean().optional(),
  compoundFieldName: z.string().nullable().optional(),
  picklistValues: z.array(z.object({ value: z.string(), active: z.boolean().optional() }).passthrough()).optional(),
  referenceTo: z.array(z.string()).optional(),
}).passthrough();

const DescribeSchema = z.object({
  name: z.string(),
  custom: z.boolean().optional(),
  queryable: z.boolean().optional(),
  fields: z.array(FieldSchema),
}).passthrough();
export type SObjectDescribe = z.infer<typeof DescribeSchema>;

export function parseGlobal(body: unknown): Array<{ name: string; custom: boolean; queryable: boolean }> {
  return GlobalSchema.parse(body).sobjects.map((s) => ({ name: s.name, custom: s.custom, queryable: s.queryable }));
}

export function parseDescribe(body: unknown): SObjectDescribe {
  return DescribeSchema.parse(body);
}

const NORMAL: Record<string, string> = {
  id: 'string', reference: 'string', string: 'string', picklist: 'string', multipicklist: 'string', combobox: 'string', phone: 'string',
  email: 'string', url: 'string', textarea: 'string', encryptedstring: 'string', boolean: 'boolean', int: 'integer', long: 'integer',
  double: 'number', currency: 'decimal', percent: 'decimal', date: 'date', datetime: 'datetimetz', time: 'string', address: 'json',
  location: 'json', base64: 'binary', anyType: 'string',
};

/** Compound fields (BillingAddress, geolocation) are unsupported by Bulk queries; read their components. */
export function isSelectable(f: SObjectDescribe['fields'][number]): boolean {
  return f.type !== 'address' && f.type !== 'location' && f.type !== 'base64';
}

export function selectFields(d: SObjectDescribe, only?: string[]): string[] {
  const names = d.fields.filter(isSelectable).map((f) => f.name);
  if (!only?.length) return names;
  const want = new Set(only.map((n) => n.toLowerCase()));
  for (const must of ['Id', 'SystemModstamp', 'LastModifiedDate', 'IsDeleted']) want.add(must.toLowerCase());
  return names.filter((n) => want.has(n.toLowerCase()));
}

export function typeMap(d: SObjectDescribe): SfTypeMap {
  return Object.fromEntries(d.fields.map((f) => [f.name, f.type]));
}

/** The incremental cursor: SystemModstamp (covers system changes too), else LastModifiedDate. */
export function cursorFieldOf(d: SObjectDescribe): string | undefined {
  return ['SystemModstamp', 'LastModifiedDate'].find((n) => d.fields.some((f) => f.name === n));
}

export function supportsDeletes(d: SObjectDescribe): boolean {
  return d.fields.some((f) => f.name === 'IsDeleted');
}

export function streamInfo(d: SObjectDescribe, estimatedCount?: number): StreamInfo {
  const fields: FieldInfo[] = d.fields.map((f) => ({
    name: f.name,
    type: NORMAL[f.type] ?? 'string',
    nullable: f.nillable ?? true,
    ...(f.length ? { maxLength: f.length } : {}),
    sourceType: f.type,
    custom: f.custom ?? f.name.endsWith('__c'),
    ...(f.picklistValues?.length ? { picklistValues: f.picklistValues.map((p) => p.value) } : {}),
    ...(f.referenceTo?.length ? { references: f.referenceTo } : {}),
  }));
  const cursor = cursorFieldOf(d);
  return {
    entity: d.name, primaryKey: ['Id'], fields, ...(cursor ? { cursorField: cursor } : {}),
    supportsIncremental: cursor !== undefined, supportsDeletes: supportsDeletes(d),
    ...(estimatedCount !== undefined ? { estimatedCount } : {}),
  };
}

/** Objects Bulk API 2.0 refuses (documented list, plus what the org answers INVALIDENTITY for at run time). */
export const BULK_UNSUPPORTED = new Set([
  'CaseStatus', 'ContractStatus', 'KnowledgeArticle', 'KnowledgeArticleVersion', 'KnowledgeArticleVersionHistory', 'KnowledgeArticleViewStat',
  'KnowledgeArticleVoteStat', 'LeadStatus', 'OpportunityStage', 'PartnerRole', 'RecentlyViewed', 'SolutionStatus', 'TaskPriority', 'TaskStatus',
  'UserRecordAccess',
]);

/** Standard objects the Logic Nexus mapping covers; custom objects (__c) are added from describeGlobal. */
export const DEFAULT_ENTITIES = ['User', 'Account', 'Contact', 'Lead', 'Opportunity', 'Task', 'Event'];
