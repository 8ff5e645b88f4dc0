/**
 * Which failures a run waits out and retries from its checkpoint, and which end it. A lost
 * database connection, a restarting PostgreSQL, a lost agent or vendor connection are waited for;
 * a wrong mapping or bad credentials are not (a person must act).
 */
export interface WaitReason {
  /** Shown as the run's status: "waiting for …". */
  waitingFor: string;
}

const PG_TRANSIENT = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '08000', '08001', '08003', '08004', '08006', '08007', 'XX000']);
const NET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Errors any module may throw to say "wait and retry": set `transient = true` and a `waitingFor`. */
export interface TransientError extends Error { transient: true; waitingFor?: string }

export function waitReason(err: unknown): WaitReason | null {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; transient?: unknown; waitingFor?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  if (e.transient === true) return { waitingFor: typeof e.waitingFor === 'string' ? e.waitingFor : String(e.message) };
  const code = typeof e.code === 'string' ? e.code : '';
  const msg = typeof e.message === 'string' ? e.message : '';
  if (PG_TRANSIENT.has(code) && code !== 'XX000') return { waitingFor: 'the target database (connection lost or restarting)' };
  if (/Connection terminated|terminating connection|the database system is (starting up|shutting down)|Client has encountered a connection error|Connection ended unexpectedly/i.test(msg)) {
    return { waitingFor: 'the target database (connection lost or restarting)' };
  }
  if (e.name === 'RunLeaseLostError') return { waitingFor: 'another worker (the lease was lost)' };
  if (e.name === 'AgentNotConnectedError' || e.name === 'AgentOfflineError' || e.name === 'AgentCommandTimeoutError') return { waitingFor: msg || 'the agent' };
  if (e.name === 'RetriesExhaustedError') return { waitingFor: `the source (${msg})` };
  if (NET_CODES.has(code)) return { waitingFor: `the network (${code})` };
  if (e.cause && e.cause !== err) return waitReason(e.cause);
  return null;
}

/** Delay before retry n (1-based): 2, 4, 8, 16, 30, 30 … seconds. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(30, 2 ** Math.max(1, attempt));
}

export const MAX_ATTEMPTS = Number(process.env.NEXUS_RUN_MAX_ATTEMPTS ?? 50);
