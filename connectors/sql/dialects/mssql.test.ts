import { Parser } from 'node-sql-parser';
import { describe, expect, it } from 'vitest';
import { discoverPlatform } from '../discovery.ts';
import { loadPlatformDescription, PLATFORMS } from '../platform-description.ts';
import type { NormalType, ReadPlan, TableMeta } from '../types.ts';
import { MSSQL_INTROSPECTION, mssqlCompiler } from './mssql.ts';
import { describeMssqlConfig, tediousConfig } from './mssql-config.ts';
import { convertTediousValue, normalTypeOfTedious } from './mssql-values.ts';

const parser = new Parser();
const parses = (sql: string): void => {
  parser.astify(sql, { database: 'transactsql' });
};

const SQLSERVER_TYPE: Record<NormalType, string> = {
  string: 'nvarchar', integer: 'int', bigint: 'bigint', number: 'float', decimal: 'decimal', boolean: 'bit', date: 'date',
  datetime: 'datetime2', datetimetz: 'datetimeoffset', uuid: 'uniqueidentifier', json: 'nvarchar', binary: 'varbinary', rowversion: 'rowversion',
};

/** Tables as sys.columns would describe a platform database on SQL Server. */
function sqlServerTables(platform: string): TableMeta[] {
  return loadPlatformDescription(platform).entities.map((e) => ({
    name: e.table,
    primaryKey: e.key,
    columns: e.columns.map((c, i) => ({
      table: e.table, name: c.name, dbType: SQLSERVER_TYPE[c.type], type: c.type, nullable: c.nullable, ordinal: i + 1,
    })),
  }));
}

function samplePlans(): ReadPlan[] {
  const plans: ReadPlan[] = [];
  for (const p of PLATFORMS) {
    const d = discoverPlatform(sqlServerTables(p), loadPlatformDescription(p), 'dbo');
    expect(d.schema.warnings).toEqual([]);
    plans.push(...d.plans.values());
  }
  // A rowversion cursor and a datetimeoffset column, which the platforms do not use.
  plans.push({
    entity: 'Versioned', table: 'Versioned', schema: 'dbo', lookups: [], derived: [],
    key: [{ column: 'Id', field: 'Id', type: 'bigint' }],
    modified: { column: 'RowVer', field: 'RowVer', type: 'rowversion' },
    columns: [
      { column: 'Id', field: 'Id', type: 'bigint' },
      { column: 'RowVer', field: 'RowVer', type: 'rowversion' },
      { column: 'At', field: 'At', type: 'datetimetz' },
      { column: 'Amount', field: 'Amount', type: 'decimal' },
    ],
  });
  return plans;
}

const sampleValue = (t: NormalType): string | number => {
  switch (t) {
    case 'integer': case 'bigint': return 42;
    case 'uuid': return '6f1d7c2e-8a4b-4f3e-9c5d-2b7a1e0f9d31';
    case 'datetime': return '2024-03-01T10:00:00.1234567';
    case 'rowversion': return '0x00000000000007D1';
    case 'decimal': return '20240301100000';
    default: return 'ABC';
  }
};

describe('mssql dialect: every generated T-SQL statement parses', () => {
  const plans = samplePlans();
  const statements: { name: string; sql: string }[] = [];
  for (const plan of plans) {
    const after = plan.key.map((k) => sampleValue(k.type));
    statements.push({ name: `${plan.entity} keyset first page`, sql: mssqlCompiler.keysetPage(plan, null, undefined, 501).sql });
    statements.push({ name: `${plan.entity} keyset next page in a partition`, sql: mssqlCompiler.keysetPage(plan, after, { lo: sampleValue(plan.key[0]!.type), hi: sampleValue(plan.key[0]!.type) }, 501).sql });
    if (plan.modified) {
      statements.push({ name: `${plan.entity} incremental first page`, sql: mssqlCompiler.incrementalPage(plan, null, 501).sql });
      statements.push({ name: `${plan.entity} incremental next page`, sql: mssqlCompiler.incrementalPage(plan, { modified: sampleValue(plan.modified.type), key: after }, 501).sql });
    }
    statements.push({ name: `${plan.entity} key bounds`, sql: mssqlCompiler.keyBounds(plan).sql });
    statements.push({ name: `${plan.entity} key at position`, sql: mssqlCompiler.keyAtPosition(plan, 1000).sql });
    statements.push({ name: `${plan.entity} count`, sql: mssqlCompiler.count(plan).sql });
  }
  for (const [name, sql] of Object.entries(MSSQL_INTROSPECTION)) statements.push({ name: `introspection ${name}`, sql });

  it('given all platforms, then there are statements for every entity', () => {
    expect(statements.length).toBeGreaterThan(100);
  });

  it.each(statements)('given $name, then node-sql-parser accepts it as T-SQL', ({ sql }) => {
    expect(() => parses(sql)).not.toThrow();
    expect(sql).not.toMatch(/\bLIMIT\b/);
  });

  it('given an incremental page, then it uses the compound (modified, key) cursor with typed conversions and bound parameters', () => {
    const plan = plans.find((p) => p.entity === 'Shipment' && p.table === 'JobShipment')!;
    const q = mssqlCompiler.incrementalPage(plan, { modified: '2024-03-01T10:00:00', key: ['6f1d7c2e-8a4b-4f3e-9c5d-2b7a1e0f9d31'] }, 101);
    expect(q.sql).toContain('SELECT TOP (101)');
    expect(q.sql).toContain('([t].[JS_SystemLastEditTimeUtc] > CONVERT(datetime2(7), @p0, 126) OR ([t].[JS_SystemLastEditTimeUtc] = CONVERT(datetime2(7), @p1, 126) AND [t].[JS_PK] > CONVERT(uniqueidentifier, @p2)))');
    expect(q.sql).toMatch(/ORDER BY \[t\]\.\[JS_SystemLastEditTimeUtc\], \[t\]\.\[JS_PK\]$/);
    expect(q.sql).toContain('CONVERT(varchar(64), [t].[JS_ActualWeight]) AS [JS_ActualWeight]');
    expect(q.params).toEqual(['2024-03-01T10:00:00', '2024-03-01T10:00:00', '6f1d7c2e-8a4b-4f3e-9c5d-2b7a1e0f9d31']);
    expect(q.paramTypes).toEqual(['datetime', 'datetime', 'uuid']);
  });

  it('given a hostile identifier, then it is quoted, not injected', () => {
    expect(mssqlCompiler.quote('a]; DROP TABLE x; --')).toBe('[a]]; DROP TABLE x; --]');
  });
});

describe('mssql dialect: value conversion from tedious column metadata', () => {
  const cases: { name: string; meta: { colName: string; type: { name: string }; dataLength?: number; precision?: number; scale?: number }; value: unknown; expected: unknown; normal: NormalType }[] = [
    { name: 'datetime2 as a Date (useUTC)', meta: { colName: 'c', type: { name: 'DateTime2' } }, value: new Date(Date.UTC(2024, 2, 1, 10, 0, 0, 123)), expected: '2024-03-01T10:00:00.123', normal: 'datetime' },
    { name: 'datetime2 projected as text (style 126)', meta: { colName: 'c', type: { name: 'VarChar' } }, value: '2024-03-01T10:00:00.1234567', expected: '2024-03-01T10:00:00.1234567', normal: 'string' },
    { name: 'datetimeoffset as a Date', meta: { colName: 'c', type: { name: 'DateTimeOffset' } }, value: new Date(Date.UTC(2024, 2, 1, 8, 0, 0)), expected: '2024-03-01T08:00:00.000Z', normal: 'datetimetz' },
    { name: 'legacy datetime', meta: { colName: 'c', type: { name: 'DateTimeN' }, dataLength: 8 }, value: new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 997)), expected: '1999-12-31T23:59:59.997', normal: 'datetime' },
    { name: 'date', meta: { colName: 'c', type: { name: 'Date' } }, value: new Date(Date.UTC(2024, 1, 29)), expected: '2024-02-29', normal: 'date' },
    { name: 'decimal(38,10) projected as text keeps every digit', meta: { colName: 'c', type: { name: 'DecimalN' }, precision: 38, scale: 10 }, value: '1234567890123456789012345678.0123456789', expected: '1234567890123456789012345678.0123456789', normal: 'decimal' },
    { name: 'money', meta: { colName: 'c', type: { name: 'MoneyN' } }, value: 12.5, expected: '12.5', normal: 'decimal' },
    { name: 'uniqueidentifier upper case', meta: { colName: 'c', type: { name: 'UniqueIdentifier' } }, value: '6F1D7C2E-8A4B-4F3E-9C5D-2B7A1E0F9D31', expected: '6f1d7c2e-8a4b-4f3e-9c5d-2b7a1e0f9d31', normal: 'uuid' },
    { name: 'nvarchar with non-Latin text', meta: { colName: 'c', type: { name: 'NVarChar' } }, value: 'Müller 東京 Ω', expected: 'Müller 東京 Ω', normal: 'string' },
    { name: 'rowversion (binary(8)) as a buffer', meta: { colName: 'c', type: { name: 'Binary' }, dataLength: 8 }, value: Buffer.from('00000000000007d1', 'hex'), expected: '0x00000000000007D1', normal: 'rowversion' },
    { name: 'rowversion projected as text (style 1)', meta: { colName: 'c', type: { name: 'VarChar' } }, value: '0x00000000000007d1', expected: '0x00000000000007D1', normal: 'string' },
    { name: 'varbinary text decoded as UTF-8 (not base64)', meta: { colName: 'c', type: { name: 'VarBinary' } }, value: Buffer.from('héllo'), expected: 'héllo', normal: 'binary' },
    { name: 'bit', meta: { colName: 'c', type: { name: 'BitN' } }, value: true, expected: true, normal: 'boolean' },
    { name: 'bigint beyond 2^53 as text', meta: { colName: 'c', type: { name: 'BigInt' } }, value: '9007199254740993', expected: '9007199254740993', normal: 'bigint' },
    { name: 'intn(8) small', meta: { colName: 'c', type: { name: 'IntN' }, dataLength: 8 }, value: '42', expected: 42, normal: 'bigint' },
    { name: 'null', meta: { colName: 'c', type: { name: 'NVarChar' } }, value: null, expected: null, normal: 'string' },
  ];

  it.each(cases)('given $name, then it converts to $expected', ({ meta, value, expected, normal }) => {
    expect(normalTypeOfTedious(meta)).toBe(normal);
    const declared = meta.type.name === 'VarChar' && String(value).startsWith('0x') ? 'rowversion' : meta.type.name === 'VarChar' ? 'datetime' : undefined;
    expect(convertTediousValue(value, meta, declared)).toEqual(expected);
  });
});

describe('mssql dialect: connection settings', () => {
  it('given defaults, then the connection is encrypted, does not trust the certificate, asks for read-only intent and snapshot isolation', () => {
    const c = tediousConfig({ dialect: 'mssql', host: 'cw-sql01', user: 'reader', password: 'Sup3r$ecret', database: 'OdysseyDB' });
    expect(c.options).toMatchObject({ encrypt: true, trustServerCertificate: false, readOnlyIntent: true, port: 1433, database: 'OdysseyDB', useUTC: true });
    expect(c.options!.connectionIsolationLevel).toBe(5); // SNAPSHOT
    expect(c.authentication).toMatchObject({ type: 'default', options: { userName: 'reader' } });
  });

  it('given NTLM, trust and read committed, then tedious gets exactly those', () => {
    const c = tediousConfig({ dialect: 'mssql', host: 'h', user: 'svc', password: 'pw123456', auth: 'ntlm', domain: 'CORP', trustServerCertificate: true, isolation: 'read-committed', readOnlyIntent: false });
    expect(c.authentication).toMatchObject({ type: 'ntlm', options: { userName: 'svc', domain: 'CORP' } });
    expect(c.options).toMatchObject({ trustServerCertificate: true, readOnlyIntent: false });
    expect(c.options!.connectionIsolationLevel).toBe(2); // READ_COMMITTED
  });

  it('given NTLM without a domain, then configuration fails with a message naming the host', () => {
    expect(() => tediousConfig({ dialect: 'mssql', host: 'h1', user: 'u', password: 'p', auth: 'ntlm' })).toThrow(/NTLM authentication to h1 needs a domain/);
  });

  it('given a password, then the printable description never contains it', () => {
    const d = describeMssqlConfig({ dialect: 'mssql', host: 'h', user: 'u', password: 'Sup3r$ecret' });
    expect(JSON.stringify(d)).not.toContain('Sup3r$ecret');
    expect(d).toMatchObject({ applicationIntent: 'ReadOnly', encrypt: true, trustServerCertificate: false });
  });
});
