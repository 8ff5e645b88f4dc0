/**
 * Live events across processes: a worker publishes progress and status with pg_notify, and every
 * `serve` process listens and hands them to its in-process bus (SSE). So the console sees a run
 * live whichever machine's worker runs it. Payloads stay far below NOTIFY's 8,000-byte limit.
 */
import pg from 'pg';
import type { Logger } from '../../shared/log/logger.ts';
import type { EventBus, LiveEvent } from '../api/events/bus.ts';

export const LIVE_CHANNEL = 'nexus_live';

interface Envelope { s: string; t: string; e: LiveEvent }

export interface LivePublisher {
  publish(tenantId: string, e: LiveEvent): void;
  flush(): Promise<void>;
}

/** Publishes through the pool; events of one publisher keep their order. */
export function livePublisher(pool: pg.Pool, controlSchema: string, log: Logger): LivePublisher {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    publish(tenantId, e) {
      const payload = JSON.stringify({ s: controlSchema, t: tenantId, e } satisfies Envelope);
      chain = chain.then(() => pool.query('SELECT pg_notify($1, $2)', [LIVE_CHANNEL, payload])).catch((err: Error) => log.debug('live event not sent', { error: err.message }));
    },
    flush: () => chain.then(() => undefined),
  };
}

/**
 * Listens on a dedicated connection (not from the pool) and re-listens after the connection is
 * lost, with backoff. Returns a stop function.
 */
export function listenLiveEvents(connectionConfig: pg.ClientConfig, controlSchema: string, bus: EventBus, log: Logger): () => Promise<void> {
  let stopped = false;
  let client: pg.Client | null = null;
  let delay = 250;
  let timer: NodeJS.Timeout | null = null;
  const retry = (): void => {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, 5000);
  };
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client(connectionConfig);
    c.on('error', (err) => log.warn('live event listener lost its connection', { error: err.message }));
    c.on('end', () => {
      if (client === c) client = null;
      retry();
    });
    c.on('notification', (n) => {
      if (n.channel !== LIVE_CHANNEL || !n.payload) return;
      try {
        const env = JSON.parse(n.payload) as Envelope;
        if (env.s === controlSchema) bus.publish(env.t, env.e);
      } catch {
        /* not ours */
      }
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${LIVE_CHANNEL}`);
      client = c;
      delay = 250;
    } catch (err) {
      log.warn('live event listener could not connect; retrying', { error: (err as Error).message });
      await c.end().catch(() => undefined);
      retry();
    }
  };
  void connect();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await client?.end().catch(() => undefined);
  };
}

/** The connection settings of a pool, for the dedicated connections (listener, leases). */
export function poolConnectionConfig(pool: pg.Pool): pg.ClientConfig {
  return (pool as unknown as { options: pg.ClientConfig }).options;
}
