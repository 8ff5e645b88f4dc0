/** The CLI options connectionFromFlags (connection-flags.ts) reads, declared once for every command that takes them. */
import type { Options } from '../../control-plane/cli/command.ts';

export const CONNECTION_OPTIONS = {
  url: { type: 'string', value: 'URL', description: 'connection URL (mssql://, postgres://, mysql://); the password is not read from it' },
  dialect: { type: 'string', choices: ['mssql', 'postgres', 'mysql'], description: 'which database (else from --url)' },
  host: { type: 'string', value: 'H', description: 'database host' },
  port: { type: 'string', value: 'P', description: 'database port' },
  database: { type: 'string', value: 'D', description: 'database name' },
  schema: { type: 'string', value: 'S', description: 'schema to read' },
  user: { type: 'string', value: 'U', description: 'database user' },
  auth: { type: 'string', choices: ['sql', 'ntlm'], description: 'SQL Server authentication' },
  domain: { type: 'string', value: 'DOM', description: 'Windows domain (--auth ntlm)' },
  password: { type: 'string', value: '(refused)', description: 'never: a password on the command line lands in shell history; use --password-env' },
  'password-env': { type: 'string', value: 'VAR', description: 'environment variable holding the password (default NEXUS_SOURCE_PASSWORD)' },
  'trust-server-certificate': { type: 'boolean', description: "accept the server's self-signed certificate" },
  'no-encrypt': { type: 'boolean', description: 'do not encrypt the connection (SQL Server)' },
  'read-write': { type: 'boolean', description: 'do not ask for read-only intent' },
  isolation: { type: 'string', choices: ['snapshot', 'read-committed'], description: 'transaction isolation for extraction' },
  'timeout-ms': { type: 'string', value: 'MS', description: 'query timeout' },
} as const satisfies Options;
