/**
 * EntityDefinitions metadata in the Dataverse Web API shape: entity definitions, their
 * Attributes (typed AttributeMetadata with `@odata.type`), and option sets through the
 * Picklist/State/Status attribute type casts. Lookups also get the read-only `<lookup>name`
 * attributes (AttributeOf set) that real orgs report and that must not be selected.
 */
import { mix32, hashString } from './generate.ts';
import type { AttrSpec, EntitySpec } from './entity-types.ts';
import { allAttributes, isLookup } from './serialize.ts';

const label = (text: string) => ({
  LocalizedLabels: [{ Label: text, LanguageCode: 1033 }],
  UserLocalizedLabel: { Label: text, LanguageCode: 1033 },
});

function metadataId(...parts: string[]): string {
  const h = (k: number): string => mix32(hashString(parts.join('/')) ^ k).toString(16).padStart(8, '0');
  const a = h(1), b = h(2), c = h(3), d = h(4);
  return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-a${c.slice(1, 4)}-${c.slice(4)}${d}`;
}

const schemaName = (logical: string): string =>
  logical.startsWith('new_') ? `new_${logical.slice(4, 5).toUpperCase()}${logical.slice(5)}` : logical.charAt(0).toUpperCase() + logical.slice(1);

const TYPE_NAMES: Record<string, [odataType: string, typeName: string]> = {
  Uniqueidentifier: ['UniqueIdentifierAttributeMetadata', 'UniqueidentifierType'],
  String: ['StringAttributeMetadata', 'StringType'],
  Memo: ['MemoAttributeMetadata', 'MemoType'],
  Integer: ['IntegerAttributeMetadata', 'IntegerType'],
  BigInt: ['BigIntAttributeMetadata', 'BigIntType'],
  Money: ['MoneyAttributeMetadata', 'MoneyType'],
  Decimal: ['DecimalAttributeMetadata', 'DecimalType'],
  Double: ['DoubleAttributeMetadata', 'DoubleType'],
  DateTime: ['DateTimeAttributeMetadata', 'DateTimeType'],
  Boolean: ['BooleanAttributeMetadata', 'BooleanType'],
  Picklist: ['PicklistAttributeMetadata', 'PicklistType'],
  State: ['StateAttributeMetadata', 'StateType'],
  Status: ['StatusAttributeMetadata', 'StatusType'],
  Lookup: ['LookupAttributeMetadata', 'LookupType'],
  Customer: ['LookupAttributeMetadata', 'CustomerType'],
  Owner: ['LookupAttributeMetadata', 'OwnerType'],
  Virtual: ['AttributeMetadata', 'VirtualType'],
};

function attributeJson(spec: EntitySpec, a: AttrSpec & { attributeOf?: string; virtual?: boolean }): Record<string, unknown> {
  const type = a.virtual ? 'Virtual' : a.type;
  const [odataType, typeName] = TYPE_NAMES[type]!;
  const json: Record<string, unknown> = {
    '@odata.type': `#Microsoft.Dynamics.CRM.${odataType}`,
    MetadataId: metadataId(spec.logicalName, a.name),
    LogicalName: a.name,
    SchemaName: schemaName(a.name),
    EntityLogicalName: spec.logicalName,
    AttributeType: type,
    AttributeTypeName: { Value: typeName },
    AttributeOf: a.attributeOf ?? null,
    IsCustomAttribute: a.custom === true,
    IsPrimaryId: a.name === spec.primaryId,
    IsPrimaryName: a.name === spec.primaryName,
    IsValidForRead: true,
    IsLogical: false,
    RequiredLevel: { Value: a.required ? 'ApplicationRequired' : a.name === spec.primaryId ? 'SystemRequired' : 'None', CanBeChanged: true },
    DisplayName: label(a.name),
  };
  if (a.maxLength !== undefined) json.MaxLength = a.maxLength;
  if (isLookup(a)) json.Targets = a.targets ?? [];
  if (a.type === 'DateTime' && !a.virtual) {
    json.Format = a.dateOnly ? 'DateOnly' : 'DateAndTime';
    json.DateTimeBehavior = { Value: a.dateOnly ? 'DateOnly' : 'UserLocal' };
  }
  if (a.type === 'Money') json.Precision = 2;
  return json;
}

/** The attribute list a real org reports: primary id, the spec's attributes, system dates, `<x>name` shadows. */
export function attributeList(spec: EntitySpec): Array<AttrSpec & { attributeOf?: string; virtual?: boolean }> {
  const list: Array<AttrSpec & { attributeOf?: string; virtual?: boolean }> = [
    { name: spec.primaryId, type: 'Uniqueidentifier' },
    ...allAttributes(spec),
  ];
  for (const a of spec.attributes) {
    if (isLookup(a)) list.push({ name: `${a.name}name`, type: 'String', attributeOf: a.name, maxLength: 100 });
    if (a.type === 'Picklist' || a.type === 'State' || a.type === 'Status' || a.type === 'Boolean') {
      list.push({ name: `${a.name}name`, type: a.type, attributeOf: a.name, virtual: true });
    }
  }
  return list;
}

export function attributesJson(spec: EntitySpec): Array<Record<string, unknown>> {
  return attributeList(spec).map((a) => attributeJson(spec, a));
}

export function entityJson(spec: EntitySpec, withAttributes: boolean, changeTracking = true): Record<string, unknown> {
  const json: Record<string, unknown> = {
    MetadataId: metadataId(spec.logicalName),
    LogicalName: spec.logicalName,
    SchemaName: schemaName(spec.logicalName),
    EntitySetName: spec.entitySetName,
    LogicalCollectionName: spec.entitySetName,
    CollectionSchemaName: `${schemaName(spec.logicalName)}s`,
    PrimaryIdAttribute: spec.primaryId,
    PrimaryNameAttribute: spec.primaryName,
    ObjectTypeCode: spec.objectTypeCode,
    IsCustomEntity: false,
    IsActivity: ['task', 'appointment', 'phonecall'].includes(spec.logicalName),
    IsValidForAdvancedFind: true,
    ChangeTrackingEnabled: changeTracking,
    OwnershipType: spec.attributes.some((a) => a.type === 'Owner') ? 'UserOwned' : 'BusinessOwned',
    DisplayName: label(spec.displayName),
    DisplayCollectionName: label(spec.displayCollectionName),
  };
  if (withAttributes) json.Attributes = attributesJson(spec);
  return json;
}

/** `…/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata` (and State/Status): attributes with their OptionSet. */
export function optionSetAttributesJson(spec: EntitySpec, cast: 'Picklist' | 'State' | 'Status'): Array<Record<string, unknown>> {
  return spec.attributes
    .filter((a) => a.type === cast)
    .map((a) => ({
      ...attributeJson(spec, a),
      OptionSet: {
        MetadataId: metadataId(spec.logicalName, a.name, 'optionset'),
        Name: `${spec.logicalName}_${a.name}`,
        IsGlobal: false,
        OptionSetType: cast,
        Options: (a.options ?? []).map((o) => ({
          Value: o.value,
          Label: label(o.label),
          ...(cast === 'Status' ? { State: o.state ?? 0 } : {}),
          ...(cast === 'State' ? { DefaultStatus: (spec.attributes.find((s) => s.type === 'Status')?.options ?? []).find((s) => s.state === o.value)?.value ?? null } : {}),
        })),
      },
    }));
}

/** Apply a `$select` list to a metadata object (top-level properties). */
export function projectJson(json: Record<string, unknown>, select: string | null): Record<string, unknown> {
  if (!select) return json;
  const keep = new Set(select.split(',').map((s) => s.trim()));
  keep.add('MetadataId');
  return Object.fromEntries(Object.entries(json).filter(([k]) => keep.has(k) || k.startsWith('@odata') || k === 'Attributes' || k === 'OptionSet'));
}
