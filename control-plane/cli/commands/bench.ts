/**
 * bench: `npm run bench -- --records N` (engine, from in-memory batches), `--via agent` (source DB →
 * agent → WebSocket → control plane → COPY) or `--source <vendor>` (SaaS emulator rate efficiency).
 * The last line is the machine-readable RESULT.
 */
import type { Command } from '../command.ts';
import { parseFlags } from '../command.ts';
import { openDatabase } from '../../db/embedded.ts';
import { benchEngine } from '../../bench/engine-bench.ts';
import { progressPrinter } from '../progress.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'benchmark against the physical limit (psql \\copy of the same rows) measured in the same run',
  usage: 'nexus-migrate bench [--records N] [--batch-size N] [--parallelism 2] [--compare-paths] [--via agent] [--source <vendor>]',
  async run(args) {
    const { flags } = parseFlags(args);
    const records = Number(flags.records ?? 100_000);
    if (!Number.isInteger(records) || records < 1) throw new Error('--records must be a positive integer');
    if (flags.via === 'agent') {
      const { benchViaAgentCli } = await import('./bench-agent.ts');
      return benchViaAgentCli(records, flags);
    }
    if (typeof flags.source === 'string') {
      const { benchSourceCli } = await import('./bench-source.ts');
      return benchSourceCli(flags.source, records, flags);
    }
    const parallelism = flags.parallelism === undefined ? 2 : Number(flags.parallelism);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 8) throw new Error(`--parallelism needs a whole number from 1 to 8, got ${String(flags.parallelism)}`);
    // Each entity loading at once holds two connections.
    const db = await openDatabase({ maxConnections: 2 + parallelism * 2 });
    const progress = progressPrinter();
    try {
      process.stderr.write(`bench: ${records.toLocaleString()} synthetic records → ${db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}\n`);
      const r = await benchEngine({ pool: db.pool, url: db.url, records, batchSize: flags['batch-size'] ? Number(flags['batch-size']) : undefined, parallelism, onProgress: (e) => progress.update(e) });
      progress.done();
      process.stdout.write(`engine: ${r.records} records (${r.loaded} loaded, ${r.quarantined} quarantined) in ${r.seconds.toFixed(2)} s = ${Math.round(r.records / r.seconds).toLocaleString()} rec/s\n`);
      process.stdout.write(`psql \\copy of the same rows into an identical empty schema: ${r.copySeconds.toFixed(2)} s\n`);
      if (flags['compare-paths']) {
        // The same load forced through COPY-then-merge (staging table + INSERT … ON CONFLICT), which the
        // engine uses for re-runs and conflicts, against the direct COPY it picks for first loads.
        const m = await benchEngine({ pool: db.pool, url: db.url, records, loadPath: 'merge', baseline: false });
        process.stdout.write(`load paths: direct COPY ${r.seconds.toFixed(2)} s, COPY-then-merge ${m.seconds.toFixed(2)} s (${(m.seconds / r.seconds).toFixed(2)}×)\n`);
      }
      process.stdout.write(`RESULT records=${r.records} seconds=${r.seconds.toFixed(2)} copy_seconds=${r.copySeconds.toFixed(2)} ratio=${r.ratio.toFixed(2)} peak_rss_mb=${r.peakRssMb}\n`);
      return 0;
    } finally {
      progress.done();
      await db.close();
    }
  },
};
