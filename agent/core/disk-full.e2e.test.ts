/**
 * Issue 11, defect 7: the agent's spool on a 16 MB filesystem during a 200k-record job, through real
 * processes (serve, a worker, an enrolled `agent start --headless` whose data folder is on a tmpfs
 * this test mounts). The disk is filled mid-job: the job pauses with a visible reason in the API,
 * the agent stays up, the space is freed, the job resumes by itself, and the target equals a run
 * of the same migration without the full disk (rolled back and run again).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchViaAgentProcesses, type JourneyHandle } from '../bench-procs.ts';
import { until } from './testing/harness.ts';

const RECORDS = 200_000;
let mnt = '';

beforeAll(() => {
  mnt = mkdtempSync(path.join(tmpdir(), 'nexus-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0700', 'tmpfs', mnt], { stdio: 'pipe' });
  } catch (err) {
    rmdirSync(mnt);
    mnt = '';
    const why = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    throw new Error(`this test mounts a 16 MB tmpfs for the agent's data folder and needs root (CI runs as root); the mount was refused: ${why}`);
  }
});

afterAll(() => {
  if (!mnt) return;
  execFileSync('umount', [mnt], { stdio: 'pipe' });
  rmdirSync(mnt);
});

/** Write a file until the filesystem says ENOSPC; returns its path. */
function fillDisk(dir: string): string {
  const file = path.join(dir, 'ballast');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  return file;
}

/** Every table's rows, without the columns the database fills in at load time (defaults of now()). */
async function targetContent(url: string, schema: string): Promise<Record<string, string>> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const { rows: tables } = await pool.query<{ table_name: string; cols: string[] }>(
      `SELECT table_name, array_agg(quote_ident(column_name) ORDER BY ordinal_position) FILTER (WHERE coalesce(column_default, '') NOT LIKE '%now()%') AS cols
         FROM information_schema.columns WHERE table_schema = $1 AND table_name <> 'nexus_schema_migrations' GROUP BY table_name ORDER BY 1`,
      [schema],
    );
    const out: Record<string, string> = {};
    for (const t of tables) {
      const cols = t.cols.join(', ');
      const r = await pool.query<{ n: string; sum: string }>(
        `SELECT count(*) AS n, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS sum FROM (SELECT ${cols} FROM "${schema}"."${t.table_name}") x`,
      );
      out[t.table_name] = `${r.rows[0]!.n}:${r.rows[0]!.sum}`;
    }
    return out;
  } finally {
    await pool.end();
  }
}

describe('agent spool on a full disk', () => {
  it('given the 16 MB disk under the agent fills mid-job, then the job pauses saying so, resumes when space is freed, and the target equals an uninterrupted run', async () => {
    const pauses: string[] = [];
    let agentStatus: Record<string, unknown> = {};
    let first: Record<string, string> = {};
    let second: Record<string, string> = {};
    const paused = async (h: JourneyHandle): Promise<void> => {
      const progress = (): Promise<{ entities: { state: string; error: string | null; extracted: number }[] }> => h.api('GET', `/migrations/${h.migrationId}/agent-progress`);
      await until(async () => ((await progress()).entities.some((e) => e.extracted > 0) ? true : null), 'the agent extracting', 120_000, 50);
      const ballast = fillDisk(mnt);
      const shown = await until(async () => {
        const e = (await progress()).entities.find((x) => x.state === 'paused' && x.error?.startsWith('disk full on the agent'));
        return e?.error ?? null;
      }, 'the job paused for disk space', 60_000, 100);
      pauses.push(shown);
      agentStatus = (await h.api('POST', `/agents/${h.agentId}/commands`, { type: 'status' })) as Record<string, unknown>;
      expect((await h.api('GET', `/migrations/${h.migrationId}`)).status).toBe('running');
      rmSync(ballast);
    };
    const result = await benchViaAgentProcesses({
      records: RECORDS, workers: 1, batchSize: 1000, agentDataDir: path.join(mnt, 'agent'), during: paused,
      afterLoad: async (url, targetSchema, h) => {
        first = await targetContent(url, targetSchema);
        await h.api('POST', `/migrations/${h.migrationId}/rollback`);
        await h.wait('rolled_back');
        await h.api('POST', `/migrations/${h.migrationId}/dry-run`);
        await h.wait('awaiting_approval');
        await h.api('POST', `/migrations/${h.migrationId}/approve`);
        await h.api('POST', `/migrations/${h.migrationId}/start`);
        await h.wait('completed');
        second = await targetContent(url, targetSchema);
      },
    });
    expect(pauses[0]).toMatch(/^disk full on the agent: \d+\.\d MB free, needs \d+\.\d MB$/);
    expect(JSON.stringify(agentStatus)).toContain('disk full on the agent');
    expect(result.loaded).toBeGreaterThan(100_000);
    expect(Object.values(first).some((v) => !v.startsWith('0:'))).toBe(true);
    expect(first).toEqual(second);
  }, 600_000);
});
