/**
 * Starts the headless agent core as a child process and waits for its loopback UI ready line
 * (`{"uiReady":true,"url":…,"loginUrl":…}`, see agent/ui/agent-api.ts). The shell never imports the
 * core: the core runs without Electron, so it is the same program the systemd/Windows service runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

export interface CoreReady {
  url: string;
  loginUrl: string;
}

export class AgentCoreStartError extends Error {
  override name = 'AgentCoreStartError';
}

export interface CoreProcess {
  ready: Promise<CoreReady>;
  stop(): Promise<void>;
}

export interface StartCoreOptions {
  /** Root of the application files (repo root in development, resources/app when packaged). */
  appRoot: string;
  packaged: boolean;
  /** Extra lines of core output go here (already redacted by the core's logger). */
  onLog(line: string): void;
  /** Called when the core exits without stop() having been called (a crash or a fatal error). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  timeoutMs?: number;
}

/** The CLI the shell launches: `agent start` without --headless serves the local UI and prints its ready line. */
export const CORE_ARGS = ['agent', 'start'];

export function startAgentCore(opts: StartCoreOptions): CoreProcess {
  const cli = path.join(opts.appRoot, 'bin', 'nexus-migrate.mjs');
  // Packaged: Electron's own Node runtime runs the core (native modules are rebuilt for it by
  // electron-builder). Development: the system node that built the repo's native modules.
  const nodeBin = process.env.NEXUS_AGENT_NODE ?? (opts.packaged ? process.execPath : 'node');
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
  const child: ChildProcess = spawn(nodeBin, [cli, ...CORE_ARGS], { cwd: opts.appRoot, env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });

  const ready = new Promise<CoreReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new AgentCoreStartError(`agent core did not report its UI within ${opts.timeoutMs ?? 60_000} ms (${cli})`)), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new AgentCoreStartError(`could not start the agent core with ${nodeBin}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new AgentCoreStartError(`agent core exited before its UI was ready (code ${code}, signal ${signal})`));
    });
    const out = readline.createInterface({ input: child.stdout! });
    out.on('line', (line) => {
      const parsed = parseReadyLine(line);
      if (parsed) {
        clearTimeout(timer);
        resolve(parsed);
      } else opts.onLog(line);
    });
    readline.createInterface({ input: child.stderr! }).on('line', opts.onLog);
  });
  // The 'exit' rejection after a successful start is expected and must not surface as unhandled.
  ready.catch(() => undefined);
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) opts.onUnexpectedExit?.(code, signal);
  });

  return {
    ready,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function parseReadyLine(line: string): CoreReady | null {
  if (!line.startsWith('{"uiReady":true')) return null;
  try {
    const msg = JSON.parse(line) as { url?: unknown; loginUrl?: unknown };
    if (typeof msg.url !== 'string' || typeof msg.loginUrl !== 'string') return null;
    const url = new URL(msg.url);
    // The shell only ever opens the loopback UI.
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') return null;
    if (new URL(msg.loginUrl).origin !== url.origin) return null;
    return { url: url.origin, loginUrl: msg.loginUrl };
  } catch {
    return null;
  }
}
