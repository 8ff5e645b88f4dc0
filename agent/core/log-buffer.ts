/** The agent's recent log lines (already redacted by the logger), served to the control plane on request. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry, LogSink } from '../../shared/log/logger.ts';

export class LogBuffer {
  private readonly entries: LogEntry[] = [];

  constructor(private readonly capacity = 500) {}

  readonly sink: LogSink = (entry) => {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  };

  recent(limit: number): LogEntry[] {
    return this.entries.slice(-Math.max(1, Math.min(limit, this.capacity)));
  }
}

/**
 * Append JSON lines to <dataDir>/logs/agent.log. A line that cannot be written (a full disk) is
 * dropped, not thrown: the agent goes on, and the next line that can be written says how many were lost.
 */
export function fileSink(dataDir: string): LogSink {
  const dir = path.join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'agent.log');
  let dropped = 0;
  return (entry) => {
    try {
      const note = dropped ? JSON.stringify({ ts: entry.ts, level: 'warn', msg: 'log lines dropped: the disk was full', dropped }) + '\n' : '';
      appendFileSync(file, note + JSON.stringify(entry) + '\n');
      dropped = 0;
    } catch {
      dropped += 1;
    }
  };
}
