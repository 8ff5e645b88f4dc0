/** Fetch helpers for the console: cookie session, CSRF header on writes, JSON errors. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly fields?: Record<string, string>) {
    super(message);
  }
}

function csrf(): string {
  const m = /(?:^|;\s*)nexus_csrf=([^;]+)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : '';
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrf();
  const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { message?: string; fields?: Record<string, string> };
  if (!res.ok) throw new HttpError(res.status, data.message ?? `HTTP ${res.status}`, data.fields);
  return data as T;
}

export interface Me { tenantId: string; role: 'admin' | 'engineer' | 'customer-admin' | 'viewer'; actor: string }

export interface MigrationDto {
  id: string; name: string; sourceSystem: string; status: string; config: Record<string, unknown>; mappingYaml?: string | null;
  credentialNames: string[]; approvedBy: string | null; active: boolean; waitingFor?: string | null;
  outcome: Outcome | null; outcomeReason: string | null; outcomeRunId: string | null; outcomeMode: string | null;
  runs?: { id: string; mode: string; status: string; startedAt: string; finishedAt: string | null; error: string | null; outcome: Outcome | null; outcomeReason: string | null; retryOf: string | null; retryEntity: string | null }[];
  entities?: { entity: string; extracted: number; created: number; updated: number; unchanged: number; quarantined: number; skipped: number; state: 'ok' | 'issues' | 'failed' | 'running' }[];
}

export type Outcome = 'completed' | 'completed_with_issues' | 'failed';

/** Outcome → colour class (amber for issues, red for failed) and words; never green for a bad run. */
export const outcomeTone = (o: Outcome | null | undefined): string => (o === 'failed' ? 'red' : o === 'completed_with_issues' ? 'amber' : o === 'completed' ? 'ok' : '');
export const outcomeText = (o: Outcome | null | undefined): string => (o === 'completed_with_issues' ? 'completed with issues' : o ?? '');
export const STATE_MARK: Record<string, string> = { ok: '✓', issues: '!', failed: '✗', running: '…' };

export const can = {
  write: (r: Me['role']) => r === 'admin' || r === 'engineer',
  approve: (r: Me['role']) => r === 'admin' || r === 'customer-admin',
};
