/**
 * SQL Server connection settings → a tedious ConnectionConfiguration. Encryption is on by
 * default, the server certificate is trusted only when asked, ApplicationIntent=ReadOnly is on
 * unless turned off, SQL or Windows (NTLM) authentication, snapshot or read-committed isolation.
 */
import { ISOLATION_LEVEL } from 'tedious';
import type { ConnectionConfiguration } from 'tedious';
import { registerSecret } from '../../../shared/log/redact.ts';
import { SqlConfigError } from '../errors.ts';
import type { SqlConnectionConfig } from '../types.ts';

export function tediousConfig(config: SqlConnectionConfig): ConnectionConfiguration {
  if (!config.host) throw new SqlConfigError('mssql source needs a host');
  if (!config.user) throw new SqlConfigError(`mssql source on ${config.host} needs a user`);
  registerSecret(config.password);
  const authentication: ConnectionConfiguration['authentication'] =
    config.auth === 'ntlm'
      ? { type: 'ntlm', options: { userName: config.user, password: config.password ?? '', domain: config.domain ?? '' } }
      : { type: 'default', options: { userName: config.user, password: config.password ?? '' } };
  if (config.auth === 'ntlm' && !config.domain) throw new SqlConfigError(`NTLM authentication to ${config.host} needs a domain`);
  return {
    server: config.host,
    authentication,
    options: {
      port: config.port ?? 1433,
      database: config.database,
      encrypt: config.encrypt ?? true,
      trustServerCertificate: config.trustServerCertificate === true,
      readOnlyIntent: config.readOnlyIntent ?? true,
      connectionIsolationLevel: config.isolation === 'read-committed' ? ISOLATION_LEVEL.READ_COMMITTED : ISOLATION_LEVEL.SNAPSHOT,
      requestTimeout: config.queryTimeoutMs ?? 300_000,
      connectTimeout: config.connectTimeoutMs ?? 30_000,
      useUTC: true,
      useColumnNames: false,
      rowCollectionOnRequestCompletion: false,
      appName: 'nexus-migrate-agent',
    },
  };
}

/** A description of the settings that is safe to print (no password). */
export function describeMssqlConfig(config: SqlConnectionConfig): Record<string, unknown> {
  return {
    host: config.host,
    port: config.port ?? 1433,
    database: config.database,
    user: config.user,
    auth: config.auth ?? 'sql',
    encrypt: config.encrypt ?? true,
    trustServerCertificate: config.trustServerCertificate === true,
    applicationIntent: (config.readOnlyIntent ?? true) ? 'ReadOnly' : 'ReadWrite',
    isolation: config.isolation ?? 'snapshot',
  };
}
