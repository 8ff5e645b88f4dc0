/** A small structured logger. Every line passes through redaction before it is written. */
import { redact, redactText } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogEntry {
  ts: string;
  level: LogLevel;
  msg: string;
  [key: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function stderrSink(entry: LogEntry): void {
  process.stderr.write(JSON.stringify(entry) + '\n');
}

export function createLogger(opts: { level?: LogLevel; sinks?: LogSink[]; base?: Record<string, unknown> } = {}): Logger {
  const min = ORDER[opts.level ?? ((process.env.NEXUS_LOG_LEVEL as LogLevel | undefined) ?? 'info')] ?? 20;
  const sinks = opts.sinks ?? [stderrSink];
  const base = opts.base ?? {};
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const entry = { ts: new Date().toISOString(), level, msg: redactText(msg), ...redact({ ...base, ...fields }) } as LogEntry;
    for (const s of sinks) s(entry);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ level: opts.level, sinks, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = createLogger({ sinks: [] });
