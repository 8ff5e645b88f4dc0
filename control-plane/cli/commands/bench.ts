/**
 * bench: `npm run bench -- --records N` (engine, from in-memory batches), `--via agent` (source DB →
 * agent → WebSocket → control plane → COPY) or `--source <vendor>` (SaaS emulator rate efficiency).
 * The last line is the machine-readable RESULT.
 */
import { defineCommand, JSON_OPTION } from '../command.ts';
import { registry } from '../../../connectors/registry.ts';
import { UsageError, unknownSourceMessage } from '../engine-options.ts';

const BENCH_SOURCES = Object.keys(registry).filter((v) => registry[v]?.bench).sort();

export const benchCommand = defineCommand({
  name: 'bench',
  summary: 'benchmark against the physical limit (psql \\copy of the same rows) measured in the same run',
  options: {
    records: { type: 'string', value: 'N', default: '100000', description: 'synthetic records to load' },
    'batch-size': { type: 'string', value: 'N', description: 'records per batch' },
    parallelism: { type: 'string', value: 'N', default: '1', description: 'entities of one dependency level loaded at once (each holds two connections)' },
    'compare-paths': { type: 'boolean', description: 'also time the COPY-then-merge load path' },
    via: { type: 'string', choices: ['agent'], description: 'source DB → agent → WebSocket → control plane → COPY' },
    workers: { type: 'string', value: 'N', description: 'with --via agent: through real serve --no-worker + N worker processes and an enrolled `agent start --headless`, the migration driven through the API with parallelism N' },
    source: {
      type: 'string', value: '<vendor>', description: `extraction rate against a vendor emulator: ${BENCH_SOURCES.join(', ')}`,
      check: (v) => { if (!BENCH_SOURCES.includes(v)) throw new UsageError(unknownSourceMessage(v, BENCH_SOURCES, ' (the sources with a rate benchmark)')); },
    },
    seconds: { type: 'string', value: 'S', description: 'how long the --source benchmark runs' },
    'cli-start': { type: 'boolean', description: 'median of 5 starts of `nexus-migrate --help` and `run --help`, in ms' },
    ...JSON_OPTION,
  },
  notes: 'The last line is the machine-readable RESULT (with --json: one JSON document instead).',
  async run({ flags }) {
    if (flags['cli-start']) {
      const { benchCliStart } = await import('../../bench/cli-start.ts');
      return benchCliStart({ json: flags.json === true });
    }
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
    const [{ openDatabase }, { benchEngine }, { progressPrinter }] = await Promise.all([import('../../db/embedded.ts'), import('../../bench/engine-bench.ts'), import('../progress.ts')]);
    const parallelism = Number(flags.parallelism ?? 1);
    if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 8) throw new UsageError(`--parallelism needs a whole number from 1 to 8, got ${String(flags.parallelism)}`);
    // Each entity loading at once holds two connections.
    const db = await openDatabase({ maxConnections: 2 + parallelism * 2 });
    const progress = progressPrinter();
    try {
      process.stderr.write(`bench: ${records.toLocaleString()} synthetic records → ${db.embedded ? 'embedded PostgreSQL' : 'DATABASE_URL'}\n`);
      const r = await benchEngine({ pool: db.pool, url: db.url, records, batchSize: flags['batch-size'] ? Number(flags['batch-size']) : undefined, parallelism, onProgress: (e) => progress.update(e) });
      progress.done();
      if (flags.json) {
        const m = flags['compare-paths'] ? await benchEngine({ pool: db.pool, url: db.url, records, loadPath: 'merge', baseline: false }) : null;
        process.stdout.write(JSON.stringify({ records: r.records, loaded: r.loaded, quarantined: r.quarantined, seconds: r.seconds, copySeconds: r.copySeconds, ratio: r.ratio, peakRssMb: r.peakRssMb, ...(m ? { mergeSeconds: m.seconds } : {}) }) + '\n');
        return 0;
      }
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
});
