/**
 * checkSource: what a customer runs against their own server before a migration. Connects with
 * the given settings, then reports the server version, whether the session is read-only (and
 * whether read-only intent was asked for), the isolation, the recognised platform and version,
 * and row counts per entity. The password never appears in the result or in its errors.
 */
import { redact, redactText, registerSecret } from '../../shared/log/redact.ts';
import { dialectFor } from './dialects/index.ts';
import { describeMssqlConfig } from './dialects/mssql-config.ts';
import { discoverPlatform, recognisePlatform } from './discovery.ts';
import { loadPlatformDescription, PLATFORMS } from './platform-description.ts';
import type { SqlConnectionConfig } from './types.ts';

export interface CheckSourceReport {
  ok: boolean;
  dialect: string;
  connection: Record<string, unknown>;
  server?: { version: string; database: string; readOnly: boolean; isolation: string };
  readOnlyIntentRequested: boolean;
  platform: { name: string; version?: string; confidence: number } | null;
  entities: { entity: string; table: string; rows: number | null; rowsAre: 'exact' | 'estimate' }[];
  warnings: string[];
  error?: string;
}

function describeConnection(config: SqlConnectionConfig): Record<string, unknown> {
  if (config.dialect === 'mssql') return describeMssqlConfig(config);
  let where: Record<string, unknown> = { host: config.host, port: config.port, database: config.database, user: config.user };
  if (config.url) {
    const u = new URL(config.url);
    where = { host: u.hostname, port: u.port || undefined, database: u.pathname.slice(1) || undefined, user: decodeURIComponent(u.username) || undefined };
  }
  return { ...where, schema: config.schema, isolation: config.isolation ?? 'snapshot', readOnly: config.readOnlyIntent ?? true };
}

export async function checkSource(config: SqlConnectionConfig, opts: { platform?: string; exactCounts?: boolean } = {}): Promise<CheckSourceReport> {
  registerSecret(config.password);
  if (config.url) {
    try {
      registerSecret(decodeURIComponent(new URL(config.url).password));
    } catch {
      // not a URL: the dialect reports it
    }
  }
  const report: CheckSourceReport = {
    ok: false,
    dialect: config.dialect,
    connection: describeConnection(config),
    readOnlyIntentRequested: config.readOnlyIntent ?? true,
    platform: null,
    entities: [],
    warnings: [],
  };
  const dialect = dialectFor(config.dialect);
  let session;
  try {
    session = await dialect.connect(config);
    const info = await dialect.introspector.serverInfo(session);
    report.server = { version: info.version.split('\n')[0]!, database: info.database, readOnly: info.readOnly, isolation: info.isolation };
    if (!info.readOnly) report.warnings.push('the session is not read-only: ask for a read-only login (or a read-only replica) before migrating');
    const tables = await dialect.introspector.tables(session);
    const candidates = !opts.platform || opts.platform === 'auto' ? PLATFORMS.map((p) => loadPlatformDescription(p)) : [loadPlatformDescription(opts.platform)];
    const rec = recognisePlatform(tables, candidates);
    if (!rec) {
      report.warnings.push(`no known platform recognised among ${tables.length} tables (looked for ${candidates.map((c) => c.platform).join(', ')})`);
    } else {
      report.platform = { name: rec.platform, version: rec.version, confidence: rec.score };
      const d = candidates.find((c) => c.platform === rec.platform)!;
      const found = discoverPlatform(tables, d, dialect.defaultSchema(config), rec.version);
      report.warnings.push(...found.schema.warnings);
      for (const [entity, plan] of found.plans) {
        const meta = tables.find((t) => t.name === plan.table);
        if (opts.exactCounts) {
          const [r] = await session.all(dialect.compiler.count(plan));
          report.entities.push({ entity, table: plan.table, rows: Number(r?.n ?? 0), rowsAre: 'exact' });
        } else report.entities.push({ entity, table: plan.table, rows: meta?.estimatedRows ?? null, rowsAre: 'estimate' });
      }
    }
    report.ok = true;
  } catch (err) {
    report.error = redactText(err instanceof Error ? err.message : String(err));
  } finally {
    await session?.close().catch(() => undefined);
  }
  return redact(report);
}

/** Human-readable lines for the CLI. */
export function formatCheckSource(r: CheckSourceReport): string {
  const lines = [`${r.ok ? 'OK' : 'FAILED'}  ${r.dialect} ${JSON.stringify(r.connection)}`];
  if (r.error) lines.push(`error: ${r.error}`);
  if (r.server) {
    lines.push(`server: ${r.server.version}`, `database: ${r.server.database}`);
    lines.push(`read-only session: ${r.server.readOnly ? 'yes' : 'no'} (read-only intent requested: ${r.readOnlyIntentRequested ? 'yes' : 'no'})`);
    lines.push(`isolation: ${r.server.isolation}`);
  }
  lines.push(`platform: ${r.platform ? `${r.platform.name}${r.platform.version ? ` (${r.platform.version})` : ''}` : 'not recognised'}`);
  for (const e of r.entities) lines.push(`  ${e.entity.padEnd(22)} ${e.table.padEnd(28)} ${e.rows ?? '?'}${e.rowsAre === 'estimate' ? ' (estimate)' : ''}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  return redactText(lines.join('\n'));
}
