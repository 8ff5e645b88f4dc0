/**
 * Test support: run a TypeScript script inside a private D-Bus session with a real, unlocked
 * gnome-keyring Secret Service, isolated from the user's own keyring through HOME/XDG dirs.
 * Missing tools fail loudly: CI installs dbus, gnome-keyring and libsecret.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

export function assertKeyringTools(): void {
  for (const tool of ['dbus-run-session', 'gnome-keyring-daemon']) {
    const probe = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `${tool} not found on PATH: the secret store tests need a real Secret Service. ` +
          'Install it (Debian/Ubuntu: apt-get install dbus gnome-keyring libsecret-1-0) and re-run.',
      );
    }
  }
}

export interface KeyringSessionOptions {
  /** Directory used as HOME and XDG base for the keyring files; created if missing. */
  home: string;
  /** Extra environment for the script. */
  env?: Record<string, string>;
  /** Keyring unlock password; a fixed test value by default. */
  keyringPassword?: string;
  /** false: run the script with no D-Bus session and no keyring at all. */
  keyring?: boolean;
  /**
   * Run this command inside dbus-run-session instead of unlocking the keyring here; the command
   * must start the keyring itself (e.g. installer/linux/with-keyring). The script path is appended.
   */
  wrapper?: string[];
}

/** Spawn `node --import tsx <script>` inside dbus-run-session with gnome-keyring unlocked. */
export function spawnInKeyringSession(script: string, opts: KeyringSessionOptions): ChildProcessWithoutNullStreams {
  for (const d of ['data', 'config', 'cache', 'runtime']) mkdirSync(join(opts.home, d), { recursive: true, mode: 0o700 });
  const inner =
    'printf "%s" "$KEYRING_PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97; ' +
    'unset KEYRING_PW; exec node --import tsx "$0"';
  const [cmd, args] =
    opts.keyring === false
      ? ['node', ['--import', 'tsx', script]]
      : opts.wrapper
        ? ['dbus-run-session', ['--', ...opts.wrapper, 'node', '--import', 'tsx', script]]
        : ['dbus-run-session', ['--', 'sh', '-c', inner, script]];
  return spawn(cmd, args, {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: opts.home,
      XDG_DATA_HOME: join(opts.home, 'data'),
      XDG_CONFIG_HOME: join(opts.home, 'config'),
      XDG_CACHE_HOME: join(opts.home, 'cache'),
      XDG_RUNTIME_DIR: join(opts.home, 'runtime'),
      KEYRING_PW: opts.keyringPassword ?? 'keyring-test-pw',
      NEXUS_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Run a script to completion in a keyring session, feeding `stdin`, and collect its output. */
export async function runInKeyringSession(
  script: string,
  opts: KeyringSessionOptions & { stdin?: string; timeoutMs?: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnInKeyringSession(script, opts);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    const code = await new Promise<number | null>((res, rej) => {
      child.once('error', rej);
      child.once('close', (c) => res(c));
    });
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** The last line of stdout that parses as a JSON object. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  const last = lines.at(-1);
  if (!last) throw new Error(`no JSON line in child output: ${stdout.slice(0, 500)}`);
  return JSON.parse(last) as Record<string, unknown>;
}

/**
 * A keyring session that outlives a single script: returns its D-Bus address for processes the
 * test spawns itself. stop() closes the holder's stdin, which ends the session, the bus and the
 * keyring daemon together.
 */
export async function startKeyringSession(home: string): Promise<{ env: Record<string, string>; stop(): Promise<void> }> {
  for (const d of ['data', 'runtime']) mkdirSync(join(home, d), { recursive: true, mode: 0o700 });
  const env = { HOME: home, XDG_DATA_HOME: join(home, 'data'), XDG_RUNTIME_DIR: join(home, 'runtime') };
  const holder = spawn(
    'dbus-run-session',
    ['--', 'sh', '-c', 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 97; echo "BUS=$DBUS_SESSION_BUS_ADDRESS"; exec cat >/dev/null'],
    { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((r) => holder.once('close', () => r()));
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    holder.once('error', reject);
    holder.once('close', (code) => reject(new Error(`keyring session ended early (${code})`)));
    holder.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /BUS=(\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
  });
  return {
    env: { ...env, DBUS_SESSION_BUS_ADDRESS: address },
    async stop() {
      holder.stdin.end();
      const timer = setTimeout(() => holder.kill('SIGKILL'), 10_000);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
