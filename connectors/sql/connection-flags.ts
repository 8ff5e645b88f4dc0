/** CLI flags → SqlConnectionConfig (shared by `agent check-source` and connector factories). */
import { registerSecret } from '../../shared/log/redact.ts';
import { dialectFromUrl } from './dialects/index.ts';
import { SqlConfigError } from './errors.ts';
import type { DialectName, SqlConnectionConfig } from './types.ts';

/**
 * Accepts: --url, --dialect, --host, --port, --database, --schema, --user, --auth sql|ntlm,
 * --domain, --trust-server-certificate, --no-encrypt, --read-write, --isolation, --timeout-ms.
 * The password comes from the environment variable named by --password-env (default
 * NEXUS_SOURCE_PASSWORD), never from a flag, so it does not land in shell history.
 */
export function connectionFromFlags(flags: Readonly<Record<string, string | boolean | string[] | undefined>>, env: NodeJS.ProcessEnv = process.env): SqlConnectionConfig {
  const str = (k: string): string | undefined => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  if (flags.password !== undefined) throw new SqlConfigError('do not pass --password on the command line; put it in an environment variable and name it with --password-env');
  const url = str('url');
  const dialect = (str('dialect') ?? (url ? dialectFromUrl(url) : undefined)) as DialectName | undefined;
  if (!dialect) throw new SqlConfigError('say which database: --dialect mssql|postgres|mysql or --url');
  const password = env[str('password-env') ?? 'NEXUS_SOURCE_PASSWORD'];
  registerSecret(password);
  const isolation = str('isolation');
  if (isolation && isolation !== 'snapshot' && isolation !== 'read-committed') throw new SqlConfigError(`--isolation must be snapshot or read-committed, got ${isolation}`);
  const auth = str('auth');
  if (auth && auth !== 'sql' && auth !== 'ntlm') throw new SqlConfigError(`--auth must be sql or ntlm, got ${auth}`);
  return {
    dialect,
    url,
    host: str('host'),
    port: str('port') ? Number(str('port')) : undefined,
    database: str('database'),
    schema: str('schema'),
    user: str('user'),
    password,
    auth: auth as 'sql' | 'ntlm' | undefined,
    domain: str('domain'),
    encrypt: flags['no-encrypt'] === true ? false : undefined,
    trustServerCertificate: flags['trust-server-certificate'] === true,
    readOnlyIntent: flags['read-write'] === true ? false : true,
    isolation: isolation as 'snapshot' | 'read-committed' | undefined,
    queryTimeoutMs: str('timeout-ms') ? Number(str('timeout-ms')) : undefined,
  };
}
