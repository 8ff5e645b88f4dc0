/**
 * SQL Server value conversion from tedious column metadata (`metadata.type.name` as tedious
 * reports it: DateTime2, DateTimeOffset, DecimalN, UniqueIdentifier, NVarChar, Binary, …).
 * The compiler already projects decimals, datetime2, datetimeoffset and rowversion as text
 * (tedious would turn decimals into floats and drop sub-millisecond digits); this converter
 * handles both that text and tedious's native values.
 */
import type { FieldValue } from '../../../shared/record-batch.ts';
import type { NormalType } from '../types.ts';
import { dateOnlyFromUtcFields, naiveIsoFromUtcFields, normaliseValue } from '../values.ts';

export interface TediousColumnMeta {
  colName: string;
  type: { name: string };
  dataLength?: number;
  precision?: number;
  scale?: number;
}

/** Normalised type of a tedious column. rowversion/timestamp arrives as Binary with dataLength 8. */
export function normalTypeOfTedious(meta: TediousColumnMeta): NormalType {
  switch (meta.type.name) {
    case 'DateTime2': case 'DateTime': case 'DateTimeN': case 'SmallDateTime': return 'datetime';
    case 'DateTimeOffset': return 'datetimetz';
    case 'Date': return 'date';
    case 'Decimal': case 'DecimalN': case 'Numeric': case 'NumericN': case 'Money': case 'MoneyN': case 'SmallMoney': return 'decimal';
    case 'UniqueIdentifier': return 'uuid';
    case 'Bit': case 'BitN': return 'boolean';
    case 'Int': case 'SmallInt': case 'TinyInt': return 'integer';
    case 'IntN': return meta.dataLength === 8 ? 'bigint' : 'integer';
    case 'BigInt': return 'bigint';
    case 'Float': case 'FloatN': case 'Real': return 'number';
    case 'Binary': return meta.dataLength === 8 ? 'rowversion' : 'binary';
    case 'VarBinary': case 'Image': return 'binary';
    default: return 'string';
  }
}

/** Convert one tedious value. `declared` (from introspection) wins over the wire type when given. */
export function convertTediousValue(value: unknown, meta: TediousColumnMeta, declared?: NormalType): FieldValue {
  if (value === null || value === undefined) return null;
  const type = declared ?? normalTypeOfTedious(meta);
  switch (type) {
    case 'datetime':
      if (value instanceof Date) return naiveIsoFromUtcFields(value);
      return String(value).replace(' ', 'T');
    case 'datetimetz':
      if (value instanceof Date) return value.toISOString();
      return String(value).trim().replace(' ', 'T').replace(/\+00:00$/, 'Z');
    case 'date':
      return value instanceof Date ? dateOnlyFromUtcFields(value) : String(value);
    case 'decimal':
      // Only exact when projected as text; a native float keeps at most 15-17 digits.
      return typeof value === 'number' ? String(value) : String(value).trim();
    case 'uuid':
      return String(value).toLowerCase();
    case 'rowversion':
      return typeof value === 'string' ? value.toUpperCase().replace(/^0X/, '0x') : normaliseValue(value, 'rowversion');
    default:
      return normaliseValue(value, type);
  }
}
