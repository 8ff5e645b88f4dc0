/**
 * Connector factory for database platforms (registry contract): credentials are plain strings
 * under these names: dialect (mssql|postgres|mysql), url or host/port/database, schema, user,
 * password, auth (sql|ntlm), domain, trustServerCertificate ("true"), isolation, readOnlyIntent ("false" to turn off).
 */
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import { registerSecret } from '../../shared/log/redact.ts';
import { dialectFromUrl } from './dialects/index.ts';
import { SqlConfigError } from './errors.ts';
import { SqlSourceConnector } from './sql-source-connector.ts';
import type { DialectName, SqlConnectionConfig } from './types.ts';

export function connectionFromCredentials(c: Record<string, string>): SqlConnectionConfig {
  const dialect = (c.dialect ?? (c.url ? dialectFromUrl(c.url) : undefined)) as DialectName | undefined;
  if (!dialect) throw new SqlConfigError('database credentials need a dialect (mssql, postgres, mysql) or a url');
  registerSecret(c.password);
  return {
    dialect,
    url: c.url,
    host: c.host,
    port: c.port ? Number(c.port) : undefined,
    database: c.database,
    schema: c.schema,
    user: c.user,
    password: c.password,
    auth: c.auth === 'ntlm' ? 'ntlm' : c.auth === undefined ? undefined : 'sql',
    domain: c.domain,
    trustServerCertificate: c.trustServerCertificate === 'true',
    encrypt: c.encrypt === 'false' ? false : undefined,
    readOnlyIntent: c.readOnlyIntent === 'false' ? false : true,
    isolation: c.isolation === 'read-committed' ? 'read-committed' : c.isolation === undefined ? undefined : 'snapshot',
  };
}

export function sqlConnectorFactory(platform: string): (o: ConnectorFactoryOptions) => SourceConnector {
  return (o) => new SqlSourceConnector({ connection: connectionFromCredentials(o.credentials), platform });
}
