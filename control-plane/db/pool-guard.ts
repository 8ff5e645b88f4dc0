/**
 * Faults never kill a process: a pg Pool emits 'error' for an idle client whose backend died, and a
 * checked-out client emits 'error' when its backend is terminated (pg_terminate_backend, restart).
 * Without a listener either is an uncaught exception. The failing query still rejects to its caller.
 */
import type pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';

export function guardPool(pool: pg.Pool, log: Logger, what: string): pg.Pool {
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn(`${what} client error`, { error: err.message }));
  });
  pool.on('error', (err) => log.warn(`${what} idle client error`, { error: err.message }));
  return pool;
}
