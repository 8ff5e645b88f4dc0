/**
 * Raw generated record → Dataverse Web API JSON: lookups as `_x_value` with their
 * FormattedValue / associatednavigationproperty / lookuplogicalname annotations (annotations
 * precede the value, as Dataverse writes them), option-set labels, money and date formatting.
 */
import { formatDateOnly, formatDateTime, formatInteger, formatMoney, recordGuid } from './generate.ts';
import type { AttrSpec, EntitySpec, LookupRef, RawRecord, RawValue } from './entity-types.ts';
import type { RecordStore } from './store.ts';

export const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
export const NAV_PROP = 'Microsoft.Dynamics.CRM.associatednavigationproperty';
export const LOOKUP_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';

export type AnnotationFilter = (annotation: string) => boolean;

/** Parse the value of odata.include-annotations ("*", "A.B.*", "A.B.C", "-A.B.C", comma separated). */
export function annotationFilter(spec: string | undefined): AnnotationFilter {
  if (!spec) return () => false;
  const terms = spec.split(',').map((t) => t.trim()).filter(Boolean);
  const matches = (pattern: string, name: string): boolean =>
    pattern === '*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1)));
  return (name) => {
    if (terms.some((t) => t.startsWith('-') && matches(t.slice(1), name))) return false;
    return terms.some((t) => !t.startsWith('-') && matches(t, name));
  };
}

export const isLookup = (a: AttrSpec): boolean => a.type === 'Lookup' || a.type === 'Customer' || a.type === 'Owner';

/** The Web API property name of an attribute: `_ownerid_value` for lookups, the logical name otherwise. */
export function webName(a: AttrSpec): string {
  return isLookup(a) ? `_${a.name}_value` : a.name;
}

function navigationProperty(spec: EntitySpec, a: AttrSpec, target: string): string {
  if (a.type === 'Owner' || (a.targets?.length ?? 0) <= 1) return a.name;
  if (a.name === 'regardingobjectid') return `regardingobjectid_${target}_${spec.logicalName}`;
  return `${a.name}_${target}`;
}

function isLookupRef(v: RawValue): v is LookupRef {
  return typeof v === 'object' && v !== null && 'lookup' in v;
}

function formatted(a: AttrSpec, value: Exclude<RawValue, null | LookupRef>): string | undefined {
  switch (a.type) {
    case 'Picklist':
    case 'State':
    case 'Status':
      return a.options?.find((o) => o.value === value)?.label;
    case 'Boolean':
      return (a.booleanLabels ?? ['No', 'Yes'])[value ? 1 : 0];
    case 'Money':
      return formatMoney(Number(value));
    case 'Integer':
    case 'BigInt':
      return formatInteger(Number(value));
    case 'DateTime':
      return a.dateOnly ? formatDateOnly(String(value)) : formatDateTime(Date.parse(String(value)) / 1000);
    default:
      return undefined;
  }
}

export interface SerializeOptions {
  /** Selected Web API property names; undefined = all. */
  select?: Set<string>;
  include: AnnotationFilter;
}

/** Every attribute including the implicit ones the store adds. */
export function allAttributes(spec: EntitySpec): AttrSpec[] {
  return [
    ...spec.attributes,
    { name: 'createdon', type: 'DateTime' },
    { name: 'modifiedon', type: 'DateTime' },
    { name: 'versionnumber', type: 'BigInt' },
  ];
}

export function serializeRecord(store: RecordStore, spec: EntitySpec, raw: RawRecord, opts: SerializeOptions): Record<string, unknown> {
  const out: Record<string, unknown> = { '@odata.etag': `W/"${raw.versionnumber}"` };
  for (const a of allAttributes(spec)) {
    const name = webName(a);
    if (opts.select && !opts.select.has(name)) continue;
    const value = raw[a.name] ?? null;
    if (isLookupRef(value)) {
      const id = value.id ?? recordGuid(store.seed, value.lookup, value.index ?? 0);
      const target = store.spec(value.lookup);
      const display = value.name ?? (target ? target.name(store, value.index ?? 0) : undefined);
      if (display !== undefined && opts.include(FORMATTED)) out[`${name}@${FORMATTED}`] = display;
      if (opts.include(NAV_PROP)) out[`${name}@${NAV_PROP}`] = navigationProperty(spec, a, value.lookup);
      if (opts.include(LOOKUP_NAME)) out[`${name}@${LOOKUP_NAME}`] = value.lookup;
      out[name] = id;
      continue;
    }
    if (value !== null && opts.include(FORMATTED)) {
      const f = formatted(a, value);
      if (f !== undefined) out[`${name}@${FORMATTED}`] = f;
    }
    out[name] = value;
  }
  out[spec.primaryId] = raw[spec.primaryId];
  return out;
}
