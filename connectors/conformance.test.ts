/**
 * The conformance suite: one pass over connectors/registry.ts. Every registered connector gets the
 * sections its `conformance` block declares (auth and token refresh, paging to the end with the loop
 * guard, rate limits with Retry-After, error classification, a full migration that reconciles, an
 * incremental run, a resumable checkpoint), run against its own emulator through a recording proxy
 * and a real Postgres; every file in its fixtures/ must parse. Sections that do not apply are printed.
 * A new connector gets all of this by being registered.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLValidator } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { runMigration } from '../control-plane/engine/run.ts';
import type { RunReport } from '../control-plane/report/types.ts';
import { createEngineEnv, type EngineEnv } from '../test/support/engine.ts';
import type { SourceConnector } from '../shared/connector.ts';
import { registry, type RegistryEntry } from './registry.ts';
import { ALL_CAPABILITIES, type Capability, type ConformanceSpec } from './sdk/conformance.ts';
import type { EmulatorHandle, FaultOptions, SandboxControl } from './sdk/emulator-types.ts';
import { startRecordingProxy, type RecordingProxy } from './sdk/emulator/recording-proxy.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

interface Sandbox {
  em: EmulatorHandle;
  control: SandboxControl;
  proxy: RecordingProxy;
  connector(credentials?: Record<string, string>): Promise<SourceConnector>;
}

async function sandbox(entry: RegistryEntry, spec: ConformanceSpec, records: number, faults: FaultOptions = {}, rateLimits = false): Promise<Sandbox> {
  const start = await entry.emulator!();
  const em = await start({ records, seed: spec.seed ?? 7, faults, rateLimits });
  cleanup.push(() => em.close());
  if (!em.control) throw new Error('the emulator handle has no control (connectors/sdk/emulator-types.ts SandboxControl)');
  const proxy = await startRecordingProxy(em.url);
  cleanup.push(() => proxy.close());
  const factory = await entry.connector();
  return {
    em, control: em.control, proxy,
    async connector(credentials = em.credentials) {
      const c = await factory({ ...(spec.options ?? {}), credentials, baseUrl: proxy.url, tokenUrl: em.tokenUrl.replace(em.url, proxy.url) } as never);
      cleanup.push(() => c.close());
      return c;
    },
  };
}

async function readAll(c: SourceConnector, entity: string, batchSize: number, onBatch?: (n: number) => void): Promise<string[]> {
  const ids: string[] = [];
  for await (const batch of c.read(entity, { batchSize })) {
    for (const r of batch.records) ids.push(r.sourceId);
    onBatch?.(ids.length);
  }
  return ids;
}

function parseFixture(file: string, text: string): void {
  switch (extname(file).toLowerCase()) {
    case '.json': JSON.parse(text); return;
    case '.csv': parseCsv(text, { columns: true, relax_column_count: false }); return;
    case '.xml': {
      const v = XMLValidator.validate(text);
      if (v !== true) throw new Error(`invalid XML: ${v.err.msg} (line ${v.err.line})`);
      return;
    }
    case '.txt': case '.edi': case '.x12': if (!text.trim()) throw new Error('empty fixture'); return;
    default: throw new Error(`no codec for ${extname(file) || 'files without an extension'}`);
  }
}

/** The OAuth subset of the emulator's credentials (a vendor may also hand out a static token). */
const pickCredentials = (em: EmulatorHandle, spec: ConformanceSpec): Record<string, string> =>
  spec.oauthCredentialKeys ? Object.fromEntries(spec.oauthCredentialKeys.map((k) => [k, em.credentials[k]!])) : em.credentials;

const withinSeconds = <T>(p: Promise<T>, s: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`still running after ${s} s`)), s * 1000))]);

for (const [vendor, entry] of Object.entries(registry)) {
  const spec = entry.conformance;
  const declared = new Set<Capability>(spec && entry.emulator ? spec.capabilities : []);
  const applies = (c: Capability): boolean => declared.has(c) && (c !== 'migration' && c !== 'incremental' && c !== 'checkpoint' ? true : Boolean(entry.mapping));
  const fixturesDir = new URL(`./${vendor}/fixtures/`, import.meta.url);
  const fixtures = existsSync(fixturesDir) ? readdirSync(fixturesDir).filter((f) => f !== 'SOURCES.md').sort() : [];

  describe(`conformance: ${vendor}`, () => {
    it(`given ${vendor}'s registry entry, then the sections that do not apply are named`, () => {
      const na = ALL_CAPABILITIES.filter((c) => !applies(c));
      if (!fixtures.length) na.push('fixtures' as Capability);
      console.log(`[conformance] ${vendor}: ${na.length ? `not applicable: ${na.join(', ')}` : 'every section applies'}`);
      for (const c of declared) expect(ALL_CAPABILITIES, `unknown capability ${c}`).toContain(c);
      if (spec) expect(entry.emulator, 'a conformance block needs an emulator').toBeDefined();
    });

    if (fixtures.length) {
      it(`given ${vendor}/fixtures, then every fixture parses and SOURCES.md names it`, () => {
        const sources = readFileSync(new URL('SOURCES.md', fixturesDir), 'utf8');
        for (const f of fixtures) {
          expect(() => parseFixture(f, readFileSync(new URL(f, fixturesDir), 'utf8')), f).not.toThrow();
          expect(sources, `SOURCES.md names ${f}`).toContain(f);
        }
      });
    }
    if (!spec || !entry.emulator) return;
    const records = spec.records ?? 20;

    if (applies('oauth-refresh')) {
      it(`given ${vendor} OAuth credentials and access tokens expiring mid-read, then the connector refreshes and reads every record`, async () => {
        const sb = await sandbox(entry, spec, 250);
        const creds = pickCredentials(sb.em, spec);
        const c = await sb.connector(creds);
        expect((await c.check()).ok).toBe(true);
        let expired = false;
        const ids = await readAll(c, spec.stream, 50, () => {
          if (!expired) sb.control.expireAccessTokens!();
          expired = true;
        });
        expect(new Set(ids).size).toBe(sb.control.count(spec.stream));
        const tokenPath = new URL(sb.em.tokenUrl).pathname;
        expect(sb.proxy.log.filter((x) => x.path === tokenPath && x.status === 200).length).toBeGreaterThanOrEqual(2);
      });
    }

    if (applies('paging')) {
      it(`given ${vendor} with several pages, then paging reaches the end with every record once; given a cursor that never advances, then the loop guard stops the read`, async () => {
        const sb = await sandbox(entry, spec, 250);
        const ids = await readAll(await sb.connector(), spec.stream, 100);
        expect(ids.length).toBe(250);
        expect(new Set(ids).size).toBe(250);
        sb.proxy.stuck = true;
        const err = (await withinSeconds(readAll(await sb.connector(), spec.stream, 100), 20).catch((e: unknown) => e)) as Error;
        expect(err).toBeInstanceOf(Error);
        expect(err.message).toMatch(/loop|repeat/i);
      });
    }

    if (applies('rate-limits')) {
      it(`given ${vendor} answering bursts of 429 with Retry-After, then the connector waits as told and still reads every record`, async () => {
        const sb = await sandbox(entry, spec, 1000, { rate429: 0.15, burst429Length: 2 });
        const ids = await readAll(await sb.connector(), spec.stream, 100);
        expect(new Set(ids).size).toBe(sb.control.count(spec.stream));
        const log = sb.proxy.log;
        const refusals = log.map((x, i) => [x, i] as const).filter(([x]) => x.status === 429);
        expect(refusals.length).toBeGreaterThan(0);
        for (const [x, i] of refusals) {
          const wait = Number(x.headers['retry-after'] ?? x.headers['Retry-After']);
          expect(wait, 'the emulator sends Retry-After').toBeGreaterThan(0);
          const next = log[i + 1];
          if (next) expect(next.at - x.at, `request after a 429 at ${x.path}`).toBeGreaterThanOrEqual(wait * 1000 - 100);
        }
      }, 60_000);
    }

    if (applies('error-classification')) {
      it(`given ${vendor} failing with transient 5xx, then they are retried; given a wrong secret, then the check fails as a configuration error without echoing it`, async () => {
        const sb = await sandbox(entry, spec, 250, { rate5xx: 0.3 });
        const ids = await readAll(await sb.connector(), spec.stream, 100);
        expect(new Set(ids).size).toBe(sb.control.count(spec.stream));
        expect(sb.proxy.log.some((x) => x.status >= 500)).toBe(true);
        const wrong = 'wrong-secret-4f9c1e';
        const bad = await sb.connector({ ...pickCredentials(sb.em, spec), [spec.secretKey ?? 'client_secret']: wrong });
        const res = await bad.check();
        expect(res.ok).toBe(false);
        expect(JSON.stringify(res)).not.toContain(wrong);
      }, 60_000);
    }

    const mappingYaml = entry.mapping ? readFileSync(entry.mapping, 'utf8') : '';
    const engine = async (sb: Sandbox): Promise<EngineEnv> => {
      const env = await createEngineEnv(sb.control.users?.() ?? []);
      cleanup.push(() => env.drop());
      return env;
    };
    const migrate = async (sb: Sandbox, env: EngineEnv, o: { incremental?: boolean; signal?: AbortSignal; onProgress?: () => void } = {}): Promise<RunReport> => {
      const source = await sb.connector();
      try {
        return await runMigration({
          pool: env.pool, source, mappingYaml, vars: { FRANCHISE_ID: env.franchiseId }, tenantId: env.tenantId,
          targetSchema: env.targetSchema, controlSchema: env.controlSchema, mode: 'run', batchSize: 10, ...o,
        });
      } finally {
        await source.close();
      }
    };

    if (applies('migration')) {
      it(`given ${vendor}'s emulator, then a full migration completes and every entity reconciles`, async () => {
        const sb = await sandbox(entry, spec, records);
        const env = await engine(sb);
        const report = await migrate(sb, env);
        expect(report.status).toBe('completed');
        expect(report.totals.reconciles).toBe(true);
        const top = report.entities.find((e) => e.entity === spec.stream)!;
        expect(top.extracted).toBe(sb.control.count(spec.stream));
      }, 120_000);
    }

    const inc = spec.incremental;
    if (applies('incremental') && inc) {
      it(`given ${vendor} edits after and tied with the high-water mark and a deletion, then the incremental run updates and deletes exactly those`, async () => {
        const sb = await sandbox(entry, spec, records);
        const env = await engine(sb);
        const full = await migrate(sb, env);
        expect(full.status).toBe('completed');
        const { rows } = await env.pool.query(`SELECT checkpoint FROM "${env.controlSchema}".entity_progress WHERE run_id = $1 AND entity = $2`, [full.runId, inc.entity]);
        const hw = String(rows[0].checkpoint.cursor);
        const last = sb.control.count(inc.entity) - 1;
        const tied = sb.control.modify(inc.entity, 4, { [inc.field]: 'Conformance Tied' }, hw);
        const later = sb.control.modify(inc.entity, 9, { [inc.field]: 'Conformance Later' }, Date.parse(hw) + 5_000);
        const boundary = sb.control.modify(inc.entity, last, { [inc.field]: 'Conformance Boundary' }, hw);
        const deleted = sb.control.remove(inc.deleteEntity, 1);
        const second = await migrate(sb, env, { incremental: true });
        expect(second.status).toBe('completed');
        expect(second.totals.reconciles).toBe(true);
        expect([second.totals.created, second.totals.quarantined]).toEqual([0, 0]);
        expect(second.entities.find((e) => e.entity === inc.entity)!.updated).toBe(3);
        expect(second.entities.find((e) => e.entity === inc.deleteEntity)!.deleted).toBe(1);
        expect(second.totals.updated).toBe(3);
        expect(second.totals.deleted).toBe(1);
        const t = env.targetSchema;
        const names = new Map((await env.pool.query(`SELECT source_id, ${inc.column} AS v FROM "${t}".${inc.table} WHERE source_id = ANY($1)`, [[tied, later, boundary]])).rows.map((r) => [r.source_id, r.v]));
        expect([names.get(tied), names.get(later), names.get(boundary)]).toEqual(['Conformance Tied', 'Conformance Later', 'Conformance Boundary']);
        expect((await env.pool.query(`SELECT 1 FROM "${t}".${inc.deleteTable} WHERE source_id = $1`, [deleted])).rows).toEqual([]);
      }, 120_000);
    }

    if (applies('checkpoint')) {
      it(`given a ${vendor} run killed mid-extraction, then the next run resumes from its checkpoint and reconciles with every record once`, async () => {
        const sb = await sandbox(entry, spec, records);
        const env = await engine(sb);
        const stop = new AbortController();
        let batches = 0;
        const first = await migrate(sb, env, { signal: stop.signal, onProgress: () => void (++batches === 3 && stop.abort('paused')) }).then(() => 'finished', () => 'stopped');
        expect(first).toBe('stopped');
        const { rows } = await env.pool.query(`SELECT status FROM "${env.controlSchema}".runs`);
        expect(rows.map((r) => r.status)).toEqual(['paused']);
        const resumed = await migrate(sb, env);
        expect(resumed.status).toBe('completed');
        expect(resumed.totals.reconciles).toBe(true);
        const top = resumed.entities.find((e) => e.entity === spec.stream)!;
        expect(top.created + top.updated + top.unchanged + top.quarantined).toBe(sb.control.count(spec.stream));
      }, 120_000);
    }
  });
}
