/**
 * What the CLI prints for an error: what was wrong, with which value, and what to do, instead of
 * raw driver text (ENOENT, ECONNREFUSED, `invalid input syntax for type uuid`). The raw cause
 * stays available: main prints it too with --verbose.
 */
import { connectFailureText } from '../../shared/errors/connect-failure.ts';

interface RawError {
  code?: string; path?: string; syscall?: string; address?: string; port?: number; hostname?: string;
  message?: string; errors?: unknown[]; user?: string;
}

const UUID_EXAMPLE = '123e4567-e89b-12d3-a456-426614174000';

function pgMessage(e: RawError): string | null {
  const msg = e.message ?? '';
  switch (e.code) {
    case '22P02': {
      const m = /invalid input syntax for type (\w+): "(.*)"/.exec(msg);
      if (m?.[1] === 'uuid') return `"${m[2]}" is not a valid id: ids are UUIDs like ${UUID_EXAMPLE}; check --tenant, --franchise or the run id`;
      return m ? `"${m[2]}" is not a valid ${m[1]} value` : null;
    }
    case '28P01': case '28000': return `${connectFailureText(e, { passwordFrom: 'the password' })}, in DATABASE_URL`;
    case '3D000': return `${msg.replace(/^database "(.*)" does not exist$/, 'the database "$1" does not exist')}: create it, or fix the database name in DATABASE_URL`;
    case '42501': return `the database user lacks a privilege (${msg}): grant it, or use another user in DATABASE_URL`;
    case '53300': return 'the database has no free connections: close other clients or raise max_connections';
    default: return null;
  }
}

export function humanError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & RawError;
  if (err.name === 'AggregateError' && Array.isArray(e.errors) && e.errors[0] instanceof Error) return humanError(e.errors[0]);
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : '';
  switch (e.code) {
    case 'ENOENT': return e.path ? `no such file or folder: ${e.path} (check the path; a relative path starts from ${process.cwd()})` : `a file or program was not found: ${e.message}`;
    case 'EACCES': case 'EPERM': return `permission denied${e.path ? `: ${e.path}` : ''} (check the file's owner and mode, or run as a user who may ${e.syscall ?? 'use'} it)`;
    case 'EISDIR': return `${e.path ?? 'the path'} is a folder; a file was expected here`;
    case 'ENOTDIR': return `${e.path ?? 'the path'} is not a folder; a folder was expected here`;
    case 'EEXIST': return `${e.path ?? 'the file'} already exists; remove it or choose another name`;
    case 'ECONNREFUSED': return `nothing is listening at ${where || 'the address'}: is the database or server running, and is the address right (DATABASE_URL, --url, --base-url)?`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `the host name ${e.hostname ?? ''} cannot be resolved: check the URL, or this machine's DNS`.replace('  ', ' ');
    case 'ETIMEDOUT': case 'ECONNRESET': case 'EHOSTUNREACH': case 'ENETUNREACH':
      return `the network connection${where ? ` to ${where}` : ''} failed (${e.code === 'ETIMEDOUT' ? 'timed out' : e.code === 'ECONNRESET' ? 'was reset' : 'no route'}): check the network, a firewall or proxy, then try again`;
    case 'EADDRINUSE': return `the port ${e.port ?? ''} is already in use: stop what uses it, or pass another --port`.replace('  ', ' ');
    default: break;
  }
  const pg = pgMessage(e);
  if (pg) return pg;
  if (err instanceof SyntaxError && /JSON/.test(err.message)) return `not valid JSON (${err.message})`;
  return err.message;
}
