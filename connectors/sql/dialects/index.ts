/** Dialect lookup by name. */
import type { SqlDialect } from '../dialect.ts';
import { SqlConfigError } from '../errors.ts';
import type { DialectName } from '../types.ts';
import { mssqlDialect } from './mssql.ts';
import { mysqlDialect } from './mysql.ts';
import { postgresDialect } from './postgres.ts';

const DIALECTS: Record<DialectName, SqlDialect> = { postgres: postgresDialect, mysql: mysqlDialect, mssql: mssqlDialect };

export function dialectFor(name: string): SqlDialect {
  const d = DIALECTS[name as DialectName];
  if (!d) throw new SqlConfigError(`unknown SQL dialect "${name}"; known: ${Object.keys(DIALECTS).join(', ')}`);
  return d;
}

/** Infer the dialect from a URL scheme (postgres://, mysql://, mariadb://, mssql://, sqlserver://). */
export function dialectFromUrl(url: string): DialectName {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  if (scheme === 'mssql' || scheme === 'sqlserver') return 'mssql';
  throw new SqlConfigError(`cannot infer a SQL dialect from the URL scheme "${scheme}"`);
}
