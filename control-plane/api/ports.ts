/**
 * What the API depends on outside its folder, as narrow interfaces: the engine, connectors, the
 * agent gateway and report rendering. server.ts wires the real implementations (engine-port.ts);
 * tests may pass their own.
 */
import type pg from 'pg';
import type { SourceConnector } from '../../shared/connector.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { RunReport } from '../report/types.ts';

/** The engine's own option and event types: the API passes them through unchanged. */
export type { ProgressEvent, RunOptions } from '../engine/run.ts';
import type { ProgressEvent, RunOptions } from '../engine/run.ts';

export interface PreviewRow { source: Record<string, unknown>; target: Record<string, unknown> | null; errors: string[] }

export interface EnginePort {
  runMigration(opts: RunOptions): Promise<RunReport>;
  /** One entity of a run, handed out as a unit to any worker (control-plane/jobs/units.ts). */
  runUnit?(opts: RunOptions & { runId: string; entity: string }): Promise<{ done: boolean }>;
  rollbackRun(pool: pg.Pool, opts: { controlSchema: string; targetSchema: string; runId: string }): Promise<{ deleted: number; restored: number }>;
  previewRecords(opts: { pool: pg.Pool; targetSchema: string; source: SourceConnector; mappingYaml: string; vars: Record<string, string>; tenantId: string; entity: string; limit: number }): Promise<PreviewRow[]>;
}

export interface ConnectorInfo { name: string; label: string; hasEmulator: boolean; mappingTemplate: string | null; credentialFields: string[] }

export interface ConnectorPort {
  list(): Promise<ConnectorInfo[]>;
  create(sourceSystem: string, opts: { credentials: Record<string, string>; baseUrl?: string; tokenUrl?: string; logger?: Logger; fetch?: typeof fetch }): Promise<SourceConnector>;
  /** Mapping template text of a connector, or null. */
  mappingTemplate(sourceSystem: string): Promise<string | null>;
}

export interface AgentInfo { id: string; name: string; online: boolean; version: string | null; lastSeenAt: string | null; revoked: boolean }

export interface AgentStatusEvent { tenantId: string; agentId: string; online: boolean; version?: string | null }

export interface AgentGatewayPort {
  issueEnrollmentToken(tenantId: string, opts: { name?: string; ttlMinutes?: number }): Promise<{ token: string; expiresAt: string }>;
  listAgents(tenantId: string): Promise<AgentInfo[]>;
  revokeAgent(tenantId: string, agentId: string): Promise<boolean>;
  sendCommand(tenantId: string, agentId: string, command: { type: string; args?: Record<string, unknown> }): Promise<unknown>;
  onStatus?(listener: (e: AgentStatusEvent) => void): () => void;
}

export interface ReportPort {
  renderPdf(report: RunReport): Promise<Buffer>;
}
