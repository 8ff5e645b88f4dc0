/**
 * The narrow interface between the local UI (and the Electron shell) and the agent core.
 * The agent core implements it; the UI server only calls these methods and the secret store.
 * No method takes or returns a secret except `enroll`'s one-time token, which the core must
 * register with the redactor and never persist in plaintext.
 */

export const SOURCE_TYPES = ['sqlserver', 'postgres', 'mysql'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export interface AgentStatus {
  enrolled: boolean;
  /** The outbound WebSocket link to the control plane is up. */
  connected: boolean;
  agentId: string | null;
  controlPlaneUrl: string | null;
  /** Agent version, shown in the page footer. */
  version: string;
}

/** Source connection settings as the core stores them: the password lives in the secret store. */
export interface SourceSettings {
  type: SourceType;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Database schema holding the tables (PostgreSQL search_path, SQL Server schema); the server's default when absent. */
  schema?: string;
  /** Secret store account holding the password, e.g. "connection:default". */
  passwordAccount: string;
}

/** Counts are records: extracted from the source, spooled for sending, acknowledged by the control plane. */
export interface EntityProgress {
  entity: string;
  extracted: number;
  sent: number;
  acked: number;
}

export const JOB_STATES = ['queued', 'running', 'paused', 'done', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobProgress {
  jobId: string;
  state: JobState;
  entities: EntityProgress[];
  /** ISO timestamp of the last change. */
  updatedAt: string;
}

export interface SpoolLevel {
  bytes: number;
  limit: number;
}

export interface OfflineBundle {
  /** Absolute path of the written bundle on the agent machine. */
  path: string;
  bytes: number;
}

export interface AgentApi {
  status(): Promise<AgentStatus>;
  /** Exchange a one-time enrollment token with the control plane; resolves to the new status. */
  enroll(controlPlaneUrl: string, token: string): Promise<AgentStatus>;
  /** The saved source settings, or null before the first save. */
  sourceSettings(): Promise<SourceSettings | null>;
  saveSourceSettings(settings: SourceSettings): Promise<void>;
  jobProgress(): Promise<JobProgress[]>;
  spoolLevel(): Promise<SpoolLevel>;
  exportOfflineBundle(): Promise<OfflineBundle>;
}

/**
 * Thrown by an AgentApi implementation for a problem the person at the UI can fix
 * (a rejected enrollment token, an unreachable control plane URL). The UI shows it as a 400.
 * Any other error is shown as a 500 with a redacted message.
 */
export class AgentInputError extends Error {
  override name = 'AgentInputError';
}

/**
 * Contract with the process that hosts the UI server (`nexus-migrate agent start`): once the UI
 * listens it prints one stdout line `{"uiReady":true,"url":…,"loginUrl":…}`. The Electron shell
 * reads that line to open its window. The bearer token itself is not printed on that line.
 */
export interface UiReadyLine {
  uiReady: true;
  url: string;
  loginUrl: string;
}

export function formatUiReadyLine(ready: { url: string; loginUrl: string }): string {
  const line: UiReadyLine = { uiReady: true, url: ready.url, loginUrl: ready.loginUrl };
  return JSON.stringify(line);
}
