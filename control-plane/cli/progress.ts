/**
 * Progress people can read, on stderr. On a terminal: one cli-progress bar per entity with the
 * records read of the total (the source's count or estimate), percent, rate and ETA, each redrawn
 * as its batches land. Otherwise (a log file, CI): one line per entity that moved, every few
 * seconds (NEXUS_PROGRESS_INTERVAL_MS, default 5000), and a last line per entity at the end.
 */
import type { ProgressEvent } from '../engine/run.ts';
import type { SourceConnector } from '../../shared/connector.ts';
import cliProgress from 'cli-progress';

export interface ProgressPrinter {
  update(e: ProgressEvent): void;
  /** Totals by entity (the source's count or estimate); an entity without one shows no percent. */
  setTotals(totals: Record<string, number>): void;
  /** The run ended: `complete` when every entity was read to its end (totals become exact). */
  done(complete?: boolean): void;
}


const n = (v: number) => v.toLocaleString('en-US');

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The numbers a bar or a line shows for one entity. */
export function entityFigures(e: ProgressEvent, estimate: number | undefined, finished: boolean): { read: number; total: number | null; estimated: boolean; percent: number | null; rate: number; eta: string; loaded: number } {
  const read = e.extracted;
  const total = finished ? read : estimate === undefined ? null : Math.max(estimate, read);
  const estimated = !finished && total !== null && total !== read;
  const percent = total === null ? null : total === 0 ? 100 : Math.min(100, Math.floor((read / total) * 100));
  const rate = e.recordsPerSecond;
  const left = total === null ? null : total - read;
  const eta = finished || left === 0 ? 'done' : left === null || rate <= 0 ? 'unknown' : formatDuration(left / rate);
  return { read, total, estimated, percent, rate, eta, loaded: e.created + e.updated + e.unchanged };
}

export function progressLine(e: ProgressEvent, estimate: number | undefined, finished = false): string {
  const f = entityFigures(e, estimate, finished);
  const of = f.total === null ? ' (total unknown)' : ` of ${f.estimated ? '~' : ''}${n(f.total)} (${f.percent}%)`;
  return `${e.entity}: read ${n(f.read)}${of}, loaded ${n(f.loaded)}, quarantined ${n(e.quarantined)}, ${n(f.rate)} rec/s, ETA ${f.eta}`;
}

/** The source's counts or estimates by entity, from discovery; {} when it cannot say. */
export async function sourceTotals(source: Pick<SourceConnector, 'discover'>): Promise<Record<string, number>> {
  try {
    const schema = await source.discover();
    return Object.fromEntries(schema.streams.filter((s) => typeof s.estimatedCount === 'number' && s.estimatedCount > 0).map((s) => [s.entity, s.estimatedCount!]));
  } catch {
    return {};
  }
}

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, opts: { intervalMs?: number } = {}): ProgressPrinter {
  return stream.isTTY ? ttyPrinter(stream) : linePrinter(stream, opts.intervalMs ?? (Number(process.env.NEXUS_PROGRESS_INTERVAL_MS) || 5000));
}

function linePrinter(stream: NodeJS.WritableStream, intervalMs: number): ProgressPrinter {
  const entities = new Map<string, ProgressEvent>();
  let totals: Record<string, number> = {};
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let finished = false;
  const flush = () => {
    for (const name of changed) stream.write(`${progressLine(entities.get(name)!, totals[name])}\n`);
    changed = new Set();
  };
  return {
    setTotals(t) {
      totals = { ...t };
    },
    update(e) {
      if (finished) return;
      const first = !entities.has(e.entity);
      entities.set(e.entity, e);
      changed.add(e.entity);
      // An entity's first batch shows at once; then every entity that moved, once per interval.
      if (first) {
        stream.write(`${progressLine(e, totals[e.entity])}\n`);
        changed.delete(e.entity);
      }
      if (!timer) {
        timer = setInterval(flush, intervalMs);
        timer.unref();
      }
    },
    done(complete = false) {
      if (finished) return;
      finished = true;
      if (timer) clearInterval(timer);
      for (const [name, e] of entities) stream.write(`${progressLine(e, totals[name], complete)}\n`);
    },
  };
}

function ttyPrinter(stream: NodeJS.WriteStream): ProgressPrinter {
  const bars = new Map<string, { bar: cliProgress.SingleBar; e: ProgressEvent }>();
  let totals: Record<string, number> = {};
  let finished = false;
  const width = 24;
  const draw = (p: { e: ProgressEvent; finished: boolean }) => {
    const f = entityFigures(p.e, totals[p.e.entity], p.finished);
    const filled = f.percent === null ? 0 : Math.round((f.percent / 100) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const head = f.total === null ? `${n(f.read)} read, total unknown` : `${n(f.read)}/${f.estimated ? '~' : ''}${n(f.total)} ${String(f.percent).padStart(3)}%`;
    return `${p.e.entity.padEnd(14)} ${bar} ${head} | ${n(f.rate)} rec/s | ETA ${f.eta} | loaded ${n(f.loaded)}, quarantined ${n(p.e.quarantined)}`;
  };
  const multi = new cliProgress.MultiBar({
    stream, hideCursor: true, clearOnComplete: false, gracefulExit: false, fps: 10, autopadding: false, linewrap: false,
    format: ((_o: unknown, _p: unknown, payload: { e: ProgressEvent; finished: boolean }) => draw(payload)) as never,
  });
  const apply = (e: ProgressEvent, fin = false) => {
    const total = entityFigures(e, totals[e.entity], fin).total ?? e.extracted;
    const known = bars.get(e.entity);
    if (known) {
      known.e = e;
      known.bar.setTotal(total);
      known.bar.update(e.extracted, { e, finished: fin });
    } else bars.set(e.entity, { bar: multi.create(total, e.extracted, { e, finished: fin }), e });
  };
  return {
    setTotals(t) {
      totals = { ...t };
    },
    update(e) {
      if (!finished) apply(e);
    },
    done(complete = false) {
      if (finished) return;
      finished = true;
      for (const { e } of bars.values()) apply(e, complete);
      // Draw the last frame now, while line wrapping is still off: stop() turns wrapping back on
      // first and then cuts each redrawn line to the terminal's width, so a final frame it drew
      // on a narrow terminal would lose its tail. Unchanged lines are not redrawn by stop().
      (multi as unknown as { update(): void }).update();
      multi.stop();
    },
  };
}
