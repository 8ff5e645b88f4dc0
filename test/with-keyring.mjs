#!/usr/bin/env node
/**
 * Run a command inside a D-Bus session with an unlocked gnome-keyring Secret Service, so every
 * test (and the agent processes they start) uses the real OS keychain through keytar, never a
 * stand-in. Already inside such a session (NEXUS_KEYRING_SESSION=1), it just runs the command.
 *   node test/with-keyring.mjs vitest run
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length === 0) {
  process.stderr.write('usage: node test/with-keyring.mjs <command> [args...]\n');
  process.exit(2);
}
const inSession = process.env.NEXUS_KEYRING_SESSION === '1';
for (const tool of inSession ? [] : ['dbus-run-session', 'gnome-keyring-daemon']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    process.stderr.write(`${tool} is missing: install the Debian packages dbus and gnome-keyring (CI's .ci/run does)\n`);
    process.exit(2);
  }
}
// The keyring's unlock password only protects this throwaway test keyring.
const script = 'printf "nexus-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null && NEXUS_KEYRING_SESSION=1 exec "$@"';
const keyringHome = `${process.env.TMPDIR ?? '/tmp'}/nexus-test-keyring-${process.pid}`;
const child = inSession
  ? spawn(args[0], args.slice(1), { stdio: 'inherit', shell: false })
  : spawn('dbus-run-session', ['--', 'sh', '-c', script, 'sh', ...args], {
      stdio: 'inherit',
      env: { ...process.env, XDG_DATA_HOME: keyringHome },
    });
child.on('exit', (code, signal) => {
  if (!inSession) rmSync(keyringHome, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
