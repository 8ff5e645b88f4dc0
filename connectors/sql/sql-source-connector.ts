/**
 * SqlSourceConnector: the SourceConnector over a SQL database (SQL Server, PostgreSQL,
 * MySQL/MariaDB). Discovery recognises CargoWise / SAP TM / OTM from their tables; read() runs
 * a full keyset pass (then incremental passes from its high-water mark), or one partition of a
 * full pass. Each read() holds its own session (snapshot per pass) and closes it in `finally`.
 */
import type { CheckResult, DiscoveredSchema, ReadOptions, SourceConnector } from '../../shared/connector.ts';
import { rejectRecord, type Checkpoint, type RecordBatch, type SourceRecord } from '../../shared/record-batch.ts';
import { redactText } from '../../shared/log/redact.ts';
import { fromCheckpoint, toCheckpoint } from './checkpoint.ts';
import type { SqlDialect } from './dialect.ts';
import { dialectFor } from './dialects/index.ts';
import { discoverGeneric, discoverPlatform, recognisePlatform, type DiscoveryResult } from './discovery.ts';
import { SqlSourceError, UnknownEntityError } from './errors.ts';
import { incrementalPages, keysetPages, type Page } from './keyset-reader.ts';
import { partitionBoundaries, partitionCheckpoints } from './partitions.ts';
import { loadPlatformDescription, PLATFORMS, type PlatformDescription } from './platform-description.ts';
import type { ReadPlan, Row, SqlConnectionConfig } from './types.ts';
import { rowProblems } from './values.ts';

export interface SqlSourceOptions {
  connection: SqlConnectionConfig;
  /** A platform name, a description, 'auto' (recognise among the known platforms, default) or 'none'. */
  platform?: string | PlatformDescription;
  /** RecordBatch.sourceSystem; defaults to the recognised platform, else 'sql'. */
  sourceSystem?: string;
}

export class SqlSourceConnector implements SourceConnector {
  readonly dialect: SqlDialect;
  private discovered?: DiscoveryResult;
  private system: string;

  constructor(private readonly options: SqlSourceOptions) {
    this.dialect = dialectFor(options.connection.dialect);
    const p = options.platform;
    this.system = options.sourceSystem ?? (typeof p === 'string' && p !== 'auto' && p !== 'none' ? p : typeof p === 'object' ? p.platform : 'sql');
  }

  get sourceSystem(): string {
    return this.system;
  }

  private connect() {
    return this.dialect.connect(this.options.connection);
  }

  async check(): Promise<CheckResult> {
    let session;
    try {
      session = await this.connect();
      const info = await this.dialect.introspector.serverInfo(session);
      return { ok: true, message: `connected to ${info.database} (${info.version.split('\n')[0]})`, details: { ...info } };
    } catch (err) {
      return { ok: false, message: redactText((err as Error).message) };
    } finally {
      await session?.close().catch(() => undefined);
    }
  }

  async discover(): Promise<DiscoveredSchema> {
    return (await this.discovery()).schema;
  }

  private async discovery(): Promise<DiscoveryResult> {
    if (this.discovered) return this.discovered;
    const session = await this.connect();
    try {
      const tables = await this.dialect.introspector.tables(session);
      const dbSchema = this.dialect.defaultSchema(this.options.connection);
      const p = this.options.platform ?? 'auto';
      let result: DiscoveryResult;
      if (p === 'none') result = discoverGeneric(tables, dbSchema, this.system);
      else {
        const candidates = typeof p === 'object' ? [p] : p === 'auto' ? PLATFORMS.map((n) => loadPlatformDescription(n)) : [loadPlatformDescription(p)];
        const rec = recognisePlatform(tables, candidates);
        if (!rec) {
          result = discoverGeneric(tables, dbSchema, this.system);
          result.schema.warnings.unshift(`no known platform recognised (looked for ${candidates.map((c) => c.platform).join(', ')}); every table with a primary key is an entity`);
        } else {
          const d = candidates.find((c) => c.platform === rec.platform)!;
          if (this.options.sourceSystem === undefined) this.system = d.platform;
          result = discoverPlatform(tables, d, dbSchema, rec.version);
          result.schema.sourceSystem = this.system;
          if (rec.score < 1) result.schema.warnings.unshift(`${d.platform} recognised from ${Math.round(rec.score * 100)}% of its marker tables`);
        }
      }
      this.discovered = result;
      return result;
    } finally {
      await session.close();
    }
  }

  async entities(): Promise<string[]> {
    return [...(await this.discovery()).plans.keys()];
  }

  async plan(entity: string): Promise<ReadPlan> {
    const d = await this.discovery();
    const plan = d.plans.get(entity);
    if (!plan) throw new UnknownEntityError(`entity ${entity} is not readable from this ${this.system} source; known: ${[...d.plans.keys()].join(', ')}`);
    return plan;
  }

  async *read(entity: string, options: ReadOptions): AsyncIterable<RecordBatch> {
    const plan = await this.plan(entity);
    const start = fromCheckpoint(options.checkpoint);
    const session = await this.connect();
    try {
      const o = { batchSize: Math.max(1, options.batchSize), signal: options.signal };
      let pages: AsyncGenerator<Page>;
      if (start?.mode === 'incremental') {
        if (!plan.modified) throw new SqlSourceError(`${entity} (${plan.table}) has no modified column; cannot resume an incremental checkpoint`);
        // A finished pass is followed by a new one that overlaps its boundary timestamp.
        pages = incrementalPages(session, this.dialect.compiler, plan, start.modified === null ? null : { modified: start.modified, key: start.done ? [] : start.key }, o);
      } else if (start?.mode === 'keyset' && start.done) {
        if (!plan.modified) {
          yield { v: 1, sourceSystem: this.system, entity, seq: 0, records: [], checkpoint: toCheckpoint(start), final: true };
          return;
        }
        pages = incrementalPages(session, this.dialect.compiler, plan, start.hw ? { modified: start.hw.modified, key: [] } : null, o);
      } else {
        pages = keysetPages(session, this.dialect.compiler, plan, start ?? { mode: 'keyset', after: null, hw: null, done: false }, o);
      }
      let seq = 0;
      for await (const page of pages) {
        yield { v: 1, sourceSystem: this.system, entity, seq: seq++, records: page.rows.map((r) => this.record(plan, r)), checkpoint: toCheckpoint(page.checkpoint), final: page.final };
      }
    } finally {
      await session.close().catch(() => undefined);
    }
  }

  /** Initial checkpoints for N parallel readers of one entity's full pass. */
  async partitions(entity: string, n: number): Promise<Checkpoint[]> {
    const plan = await this.plan(entity);
    const session = await this.connect();
    try {
      return partitionCheckpoints(await partitionBoundaries(session, this.dialect.compiler, plan, n));
    } finally {
      await session.close();
    }
  }

  async sample(entity: string, limit: number): Promise<RecordBatch> {
    for await (const batch of this.read(entity, { batchSize: limit })) return { ...batch, final: true };
    return { v: 1, sourceSystem: this.system, entity, seq: 0, records: [], checkpoint: {}, final: true };
  }

  private record(plan: ReadPlan, row: Row): SourceRecord {
    const badKey = rowProblems(row).find((p) => plan.key.some((k) => k.field === p.column));
    // Keyset paging continues after the last key read: a key that cannot be decoded cannot be paged past.
    if (badKey) throw new SqlSourceError(`${plan.table}: a primary key value in column ${badKey.column} ${badKey.reason}; the read stops here (fix the key in the source)`);
    const key = plan.key.map((k) => row[k.field] ?? null);
    const missing = plan.key.filter((k, i) => key[i] === null || String(key[i]).trim() === '').map((k) => k.field);
    const sourceId = missing.length > 0 ? '' : key.length === 1 ? String(key[0]) : JSON.stringify(key);
    if (missing.length > 0) return rejectRecord(sourceId, `missing key: ${plan.table} row has no ${missing.join(', ')}`, missing[0]!, row);
    const bad = rowProblems(row);
    if (bad.length > 0) return rejectRecord(sourceId, bad.map((p) => `${plan.table} ${sourceId}: column ${p.column} ${p.reason}`).join('; '), bad[0]!.column, row);
    for (const d of plan.derived) {
      const labels: string[] = [];
      for (const [f, label] of Object.entries(d.flags)) {
        const v = row[f];
        if (v !== null && v !== undefined && v !== false && v !== 0 && v !== '' && v !== '0' && !labels.includes(label)) labels.push(label);
      }
      row[d.field] = d.mode === 'all' ? labels : (labels[0] ?? null);
    }
    return { sourceId, op: 'upsert', fields: row };
  }

  async close(): Promise<void> {
    this.discovered = undefined;
  }
}
