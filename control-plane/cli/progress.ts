/** A one-line progress display on stderr: redrawn in place on a terminal, a line every few seconds otherwise. */
import type { ProgressEvent } from '../engine/run.ts';

export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update(e: ProgressEvent): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  let last = 0;
  let lastEntity = '';
  let width = 0;
  return {
    update(e) {
      const now = Date.now();
      if (!tty && now - last < 2000 && e.entity === lastEntity) return;
      if (!tty || now - last >= 100 || e.entity !== lastEntity) {
        const loaded = e.created + e.updated + e.unchanged;
        const bar = '█'.repeat(Math.min(20, Math.floor(Math.log10(Math.max(1, e.extracted)) * 4))).padEnd(20, '░');
        const line = `${bar} ${e.entity.padEnd(14)} read ${e.extracted.toLocaleString()}  loaded ${loaded.toLocaleString()}  quarantined ${e.quarantined}  ${e.recordsPerSecond.toLocaleString()} rec/s`;
        if (tty) {
          stream.write(`\r${line.padEnd(width)}`);
          width = line.length;
        } else stream.write(`${line}\n`);
        last = now;
        if (tty && e.entity !== lastEntity && lastEntity) stream.write('\n');
        lastEntity = e.entity;
      }
    },
    done() {
      if (tty && width) stream.write('\n');
    },
  };
}
