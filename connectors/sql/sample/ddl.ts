/** CREATE TABLE statements for a platform description in PostgreSQL or MySQL/MariaDB (no FKs: orphans are allowed data). */
import type { ColumnSpec, EntitySpec } from '../platform-description.ts';

export type SampleDialect = 'postgres' | 'mysql';

export function quoteIdent(dialect: SampleDialect, ident: string): string {
  return dialect === 'postgres' ? `"${ident.replace(/"/g, '""')}"` : `\`${ident.replace(/`/g, '``')}\``;
}

export function columnType(dialect: SampleDialect, c: ColumnSpec): string {
  const pg = dialect === 'postgres';
  switch (c.type) {
    case 'string': return c.length ? `varchar(${c.length})` : pg ? 'text' : 'LONGTEXT';
    case 'integer': return pg ? 'integer' : 'INT';
    case 'bigint': return pg ? 'bigint' : 'BIGINT';
    case 'number': return pg ? 'double precision' : 'DOUBLE';
    case 'decimal': return `${pg ? 'numeric' : 'DECIMAL'}(${c.precision ?? 18},${c.scale ?? 2})`;
    case 'boolean': return pg ? 'boolean' : 'TINYINT(1)';
    case 'date': return pg ? 'date' : 'DATE';
    case 'datetime': return pg ? 'timestamp(6)' : 'DATETIME(6)';
    case 'datetimetz': return pg ? 'timestamptz' : 'TIMESTAMP(6) NULL';
    case 'uuid': return pg ? 'uuid' : 'CHAR(36)';
    case 'json': return pg ? 'jsonb' : 'JSON';
    case 'binary': return pg ? 'bytea' : 'LONGBLOB';
    case 'rowversion': return pg ? 'bytea' : 'BINARY(8)';
  }
}

export function createTableSql(dialect: SampleDialect, e: EntitySpec): string[] {
  const q = (i: string): string => quoteIdent(dialect, i);
  const cols = e.columns.map((c) => `${q(c.name)} ${columnType(dialect, c)}${c.nullable && !e.key.includes(c.name) ? '' : ' NOT NULL'}`);
  cols.push(`PRIMARY KEY (${e.key.map(q).join(', ')})`);
  const tail = dialect === 'mysql' ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin' : '';
  const out = [`CREATE TABLE ${q(e.table)} (\n  ${cols.join(',\n  ')}\n)${tail}`];
  if (e.modified) out.push(`CREATE INDEX ${q(`ix_${e.table}_modified`)} ON ${q(e.table)} (${[e.modified, ...e.key].map(q).join(', ')})`);
  for (const c of e.columns) {
    if (c.references) out.push(`CREATE INDEX ${q(`ix_${e.table}_${c.name}`)} ON ${q(e.table)} (${q(c.name)})`);
  }
  return out;
}
