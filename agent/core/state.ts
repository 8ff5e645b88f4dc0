/**
 * The agent's local state in better-sqlite3: identity, named source connections (no secrets),
 * jobs with per-entity checkpoints, and the outbound spool of sealed batches. A spooled batch
 * and the checkpoint that follows it are committed in one transaction, so a kill -9 at any
 * point resumes exactly after the last spooled batch.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Checkpoint } from '../../shared/record-batch.ts';
import type { SourceSettings } from '../ui/agent-api.ts';

export type AgentJobState = 'running' | 'paused' | 'cancelled' | 'completed' | 'failed';

export interface Identity {
  agentId: string;
  tenantId: string;
  serverUrl: string;
  publicKey: string;
  transportPublicKey: string | null;
}

export interface JobRow {
  id: string;
  connection: string;
  sourceSystem: string;
  entities: string[];
  state: AgentJobState;
  settings: { batchSize: number };
  wrappedKey: unknown;
  extracted: number;
  error: string | null;
  readDone: boolean;
  updatedAt: string;
}

export interface JobEntityRow {
  entity: string;
  nextSeq: number;
  checkpoint: Checkpoint | undefined;
  done: boolean;
  extracted: number;
}

export interface SpoolRow {
  id: number;
  jobId: string;
  entity: string;
  seq: number;
  final: boolean;
  records: number;
  sealed: Buffer;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS identity (k INTEGER PRIMARY KEY CHECK (k = 1), agent_id TEXT NOT NULL, tenant_id TEXT NOT NULL,
  server_url TEXT NOT NULL, public_key TEXT NOT NULL, transport_public_key TEXT, enrolled_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS connections (name TEXT PRIMARY KEY, settings TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, connection TEXT NOT NULL, source_system TEXT NOT NULL, entities TEXT NOT NULL,
  state TEXT NOT NULL, settings TEXT NOT NULL, wrapped_key TEXT NOT NULL, extracted INTEGER NOT NULL DEFAULT 0, error TEXT,
  read_done INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_entities (job_id TEXT NOT NULL, entity TEXT NOT NULL, position INTEGER NOT NULL,
  next_seq INTEGER NOT NULL DEFAULT 0, checkpoint TEXT, done INTEGER NOT NULL DEFAULT 0, extracted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, entity));
CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, entity TEXT NOT NULL, seq INTEGER NOT NULL,
  final INTEGER NOT NULL, records INTEGER NOT NULL, sealed BLOB NOT NULL, UNIQUE (job_id, entity, seq));
`;

const now = (): string => new Date().toISOString();

export class AgentState {
  private readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new Database(path.join(dataDir, 'agent.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  // ── identity ──
  identity(): Identity | null {
    const r = this.db.prepare('SELECT agent_id, tenant_id, server_url, public_key, transport_public_key FROM identity WHERE k = 1').get() as
      | { agent_id: string; tenant_id: string; server_url: string; public_key: string; transport_public_key: string | null }
      | undefined;
    return r ? { agentId: r.agent_id, tenantId: r.tenant_id, serverUrl: r.server_url, publicKey: r.public_key, transportPublicKey: r.transport_public_key } : null;
  }

  saveIdentity(i: Identity): void {
    this.db
      .prepare(
        `INSERT INTO identity (k, agent_id, tenant_id, server_url, public_key, transport_public_key, enrolled_at) VALUES (1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (k) DO UPDATE SET agent_id = excluded.agent_id, tenant_id = excluded.tenant_id, server_url = excluded.server_url,
         public_key = excluded.public_key, transport_public_key = excluded.transport_public_key`,
      )
      .run(i.agentId, i.tenantId, i.serverUrl, i.publicKey, i.transportPublicKey, now());
  }

  setTransportKey(key: string): void {
    this.db.prepare('UPDATE identity SET transport_public_key = ? WHERE k = 1').run(key);
  }

  // ── connections (settings only; the password lives in the SecretStore) ──
  connection(name: string): SourceSettings | null {
    const r = this.db.prepare('SELECT settings FROM connections WHERE name = ?').get(name) as { settings: string } | undefined;
    return r ? (JSON.parse(r.settings) as SourceSettings) : null;
  }

  /** Every named connection with its settings (no secret is stored here). */
  connections(): { name: string; settings: SourceSettings & { schema?: string; platform?: string }; updatedAt: string }[] {
    const rows = this.db.prepare('SELECT name, settings, updated_at FROM connections ORDER BY name').all() as { name: string; settings: string; updated_at: string }[];
    return rows.map((r) => ({ name: r.name, settings: JSON.parse(r.settings) as SourceSettings & { schema?: string; platform?: string }, updatedAt: r.updated_at }));
  }

  saveConnection(name: string, settings: SourceSettings & { schema?: string; platform?: string }): void {
    this.db
      .prepare('INSERT INTO connections (name, settings, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at')
      .run(name, JSON.stringify(settings), now());
  }

  // ── jobs ──
  createJob(j: { id: string; connection: string; sourceSystem: string; entities: string[]; batchSize: number; wrappedKey: unknown }): void {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO jobs (id, connection, source_system, entities, state, settings, wrapped_key, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`)
        .run(j.id, j.connection, j.sourceSystem, JSON.stringify(j.entities), JSON.stringify({ batchSize: j.batchSize }), JSON.stringify(j.wrappedKey), now(), now());
      const ins = this.db.prepare('INSERT INTO job_entities (job_id, entity, position) VALUES (?, ?, ?)');
      j.entities.forEach((e, i) => ins.run(j.id, e, i));
    });
    tx();
  }

  job(id: string): JobRow | null {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? toJob(r) : null;
  }

  jobs(): JobRow[] {
    return (this.db.prepare('SELECT * FROM jobs ORDER BY created_at').all() as Record<string, unknown>[]).map(toJob);
  }

  setJobState(id: string, state: AgentJobState, error: string | null = null): void {
    this.db.prepare('UPDATE jobs SET state = ?, error = ?, updated_at = ? WHERE id = ?').run(state, error, now(), id);
  }

  setJobSettings(id: string, settings: { batchSize: number }): void {
    this.db.prepare('UPDATE jobs SET settings = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(settings), now(), id);
  }

  markReadDone(id: string): void {
    this.db.prepare('UPDATE jobs SET read_done = 1, updated_at = ? WHERE id = ?').run(now(), id);
  }

  jobEntities(jobId: string): JobEntityRow[] {
    const rows = this.db.prepare('SELECT entity, next_seq, checkpoint, done, extracted FROM job_entities WHERE job_id = ? ORDER BY position').all(jobId) as {
      entity: string; next_seq: number; checkpoint: string | null; done: number; extracted: number;
    }[];
    return rows.map((r) => ({ entity: r.entity, nextSeq: r.next_seq, checkpoint: r.checkpoint ? (JSON.parse(r.checkpoint) as Checkpoint) : undefined, done: r.done === 1, extracted: r.extracted }));
  }

  // ── spool ──
  /** Spool a sealed batch and advance the entity's checkpoint, atomically. */
  spoolBatch(b: { jobId: string; entity: string; seq: number; final: boolean; records: number; sealed: Buffer; checkpoint: Checkpoint }): void {
    const tx = this.db.transaction(() => {
      this.db.prepare('INSERT INTO spool (job_id, entity, seq, final, records, sealed) VALUES (?, ?, ?, ?, ?, ?)').run(b.jobId, b.entity, b.seq, b.final ? 1 : 0, b.records, b.sealed);
      this.db
        .prepare('UPDATE job_entities SET next_seq = ?, checkpoint = ?, done = ?, extracted = extracted + ? WHERE job_id = ? AND entity = ?')
        .run(b.seq + 1, JSON.stringify(b.checkpoint), b.final ? 1 : 0, b.records, b.jobId, b.entity);
      this.db.prepare('UPDATE jobs SET extracted = extracted + ?, updated_at = ? WHERE id = ?').run(b.records, now(), b.jobId);
    });
    tx();
  }

  /** The oldest spooled batches with id > afterId, in spool order. */
  spoolAfter(afterId: number, limit: number): SpoolRow[] {
    const rows = this.db.prepare('SELECT id, job_id, entity, seq, final, records, sealed FROM spool WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as {
      id: number; job_id: string; entity: string; seq: number; final: number; records: number; sealed: Buffer;
    }[];
    return rows.map((r) => ({ id: r.id, jobId: r.job_id, entity: r.entity, seq: r.seq, final: r.final === 1, records: r.records, sealed: r.sealed }));
  }

  /** Remove an acknowledged batch. Returns the bytes freed (0 when it was already gone). */
  ackBatch(jobId: string, entity: string, seq: number): number {
    const r = this.db.prepare('DELETE FROM spool WHERE job_id = ? AND entity = ? AND seq = ? RETURNING length(sealed) AS n').get(jobId, entity, seq) as { n: number } | undefined;
    return r?.n ?? 0;
  }

  dropJobSpool(jobId: string): void {
    this.db.prepare('DELETE FROM spool WHERE job_id = ?').run(jobId);
  }

  spoolCount(jobId?: string): number {
    const r = (jobId ? this.db.prepare('SELECT count(*) AS n FROM spool WHERE job_id = ?').get(jobId) : this.db.prepare('SELECT count(*) AS n FROM spool').get()) as { n: number };
    return r.n;
  }

  spoolBytes(): number {
    return (this.db.prepare('SELECT coalesce(sum(length(sealed)), 0) AS n FROM spool').get() as { n: number }).n;
  }

  /** Per entity: batches and records still in the spool (not yet acknowledged). */
  spoolPending(jobId: string): { entity: string; count: number; records: number }[] {
    return this.db.prepare('SELECT entity, count(*) AS count, sum(records) AS records FROM spool WHERE job_id = ? GROUP BY entity').all(jobId) as { entity: string; count: number; records: number }[];
  }
}

function toJob(r: Record<string, unknown>): JobRow {
  return {
    id: r.id as string,
    connection: r.connection as string,
    sourceSystem: r.source_system as string,
    entities: JSON.parse(r.entities as string) as string[],
    state: r.state as AgentJobState,
    settings: JSON.parse(r.settings as string) as { batchSize: number },
    wrappedKey: JSON.parse(r.wrapped_key as string) as unknown,
    extracted: r.extracted as number,
    error: (r.error as string | null) ?? null,
    readDone: r.read_done === 1,
    updatedAt: r.updated_at as string,
  };
}
