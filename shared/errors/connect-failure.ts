/**
 * Why a database connection failed, in words a person can act on, instead of the driver's text
 * ("connect ECONNREFUSED 127.0.0.1:1", "Access denied for user …", pg's 28P01). The SQL source
 * dialects and the CLI's humanError both use it; the raw error stays the `cause`.
 */
interface DriverError { code?: string; errno?: number; address?: string; port?: number; hostname?: string; message?: string; errors?: unknown[] }

export function connectFailureText(err: unknown, who: { user?: string; passwordFrom?: string } = {}): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & DriverError;
  if (err.name === 'AggregateError' && Array.isArray(e.errors) && e.errors[0] instanceof Error) return connectFailureText(e.errors[0], who);
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : '';
  const pw = who.passwordFrom ?? 'the password';
  const user = who.user ?? /user ['"]?([^'"@\s]+)/.exec(e.message ?? '')?.[1] ?? /role "([^"]+)"/.exec(e.message ?? '')?.[1];
  switch (e.code) {
    case 'ECONNREFUSED': return `nothing is listening at ${where || 'the address'}: is the database or server running, and are the host and port right?`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `the host name ${e.hostname ?? '(empty)'} cannot be resolved: check the host name, or this machine's DNS`;
    case 'ETIMEDOUT': case 'ECONNRESET': case 'EHOSTUNREACH': case 'ENETUNREACH':
      return `the network connection${where ? ` to ${where}` : ''} failed (${e.code === 'ETIMEDOUT' ? 'timed out' : e.code === 'ECONNRESET' ? 'was reset' : 'no route'}): check the network, a firewall or proxy, then try again`;
    // PostgreSQL
    case '28P01': return `the database refused the password for user ${user ?? '(unknown)'}: check the user name and ${pw}`;
    case '28000': return /role "[^"]+" does not exist/.test(e.message ?? '')
      ? `the database has no user ${user}: check the user name, or create the user`
      : `the database does not accept user ${user ?? '(unknown)'} from this machine: check the user name and the server's pg_hba.conf`;
    case '3D000': return `${(e.message ?? '').replace(/^database "(.*)" does not exist$/, 'the database "$1" does not exist')}: create it, or fix the database name`;
    // MySQL / MariaDB
    // MariaDB answers an unknown user either way, with or without "(using password: …)" (1045, 1698).
    case 'ER_ACCESS_DENIED_ERROR': case 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR':
      return `the database refused user ${user ?? '(unknown)'}${/using password: NO/.test(e.message ?? '') ? ' without a password' : ' with this password'} (wrong password, or the user may not connect from this machine): check the user name and ${pw}`;
    case 'ER_BAD_DB_ERROR': return `${(e.message ?? '').replace(/^Unknown database '(.*)'$/, 'the database "$1" does not exist')}: create it, or fix the database name`;
    case 'ER_DBACCESS_DENIED_ERROR': return `user ${user ?? '(unknown)'} may not use this database: grant it access, or connect as another user`;
    default:
      return /^Access denied for user /.test(e.message ?? '') ? connectFailureText(Object.assign(new Error(e.message), { code: 'ER_ACCESS_DENIED_ERROR' }), who) : null;
  }
}
