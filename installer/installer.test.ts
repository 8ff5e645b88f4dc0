import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { assertKeyringTools, lastJsonLine, REPO_ROOT, runInKeyringSession } from '../agent/secrets/testing/keyring-session.ts';

const UNIT = join(REPO_ROOT, 'installer/linux/nexus-migrate-agent.service');
const repoPath = (p: string): string => join(REPO_ROOT, p);

/** Minimal systemd unit parser: section -> key -> all values in order. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  let section = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = new Map();
      out.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1)]);
  }
  return out;
}

function requireTool(tool: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
    throw new Error(`${tool} not found on PATH; install it (Debian: apt-get install ${pkg}) to verify the installer`);
  }
}

describe('systemd unit for the headless agent', () => {
  let tmp: string;
  beforeAll(() => {
    requireTool('systemd-analyze', 'systemd');
    tmp = mkdtempSync(join(tmpdir(), 'nexus-installer-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('given the shipped unit, then systemd-analyze verify accepts it without a single warning', () => {
    const res = spawnSync('systemd-analyze', ['verify', '--man=no', UNIT], { encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr.trim()).toBe('');
  });

  it('given a unit with a typo, then the same verification reports it (the check bites)', () => {
    const broken = join(tmp, 'nexus-migrate-agent.service');
    writeFileSync(broken, readFileSync(UNIT, 'utf8').replace('Restart=always', 'Restart=sometimes'));
    const res = spawnSync('systemd-analyze', ['verify', '--man=no', broken], { encoding: 'utf8' });
    expect(res.stderr).toContain('sometimes');
  });

  it('given the shipped unit, then systemd rates its exposure as OK (below 3.0)', () => {
    const res = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', UNIT], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(res.stdout);
    expect(m, res.stdout.slice(-500) + res.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(3);
  });

  it.each([
    ['User', 'nexus-migrate'],
    ['Restart', 'always'],
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ReadWritePaths', '/var/lib/nexus-migrate'],
    ['StateDirectory', 'nexus-migrate'],
    ['Environment', 'NEXUS_AGENT_DATA_DIR=/var/lib/nexus-migrate'],
    ['CapabilityBoundingSet', ''],
    ['SocketBindDeny', 'any'],
    ['LoadCredential', 'keyring-password:/etc/nexus-migrate/keyring-password'],
  ])('given the shipped unit, then [Service] %s includes %j', (key, value) => {
    const service = parseUnit(readFileSync(UNIT, 'utf8')).get('Service')!;
    expect(service.get(key)).toContain(value);
  });

  it('given the shipped unit, then it runs the headless CLI inside a keyring session and opens no socket of its own', () => {
    const unit = parseUnit(readFileSync(UNIT, 'utf8'));
    expect(unit.get('Service')!.get('ExecStart')).toEqual([
      '/usr/bin/dbus-run-session -- /usr/libexec/nexus-migrate/with-keyring /usr/bin/nexus-migrate agent start --headless',
    ]);
    expect(unit.has('Socket')).toBe(false);
    expect(unit.get('Install')!.get('WantedBy')).toEqual(['multi-user.target']);
  });
});

describe('Linux service helpers', () => {
  let tmp: string;
  beforeAll(() => {
    assertKeyringTools();
    tmp = mkdtempSync(join(tmpdir(), 'nexus-installer-helpers-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('given the keyring-password credential, then with-keyring unlocks a real keyring and the agent secret store works', async () => {
    const creds = join(tmp, 'credentials');
    mkdirSync(creds, { mode: 0o700 });
    writeFileSync(join(creds, 'keyring-password'), 'service-keyring-pw', { mode: 0o600 });
    const secret = `svc-${randomBytes(10).toString('hex')}`;
    const run = await runInKeyringSession('agent/secrets/testing/roundtrip-child.ts', {
      home: join(tmp, 'home'),
      wrapper: [repoPath('installer/linux/with-keyring')],
      stdin: secret,
      env: { CREDENTIALS_DIRECTORY: creds, NEXUS_AGENT_DATA_DIR: join(tmp, 'data') },
    });
    expect(lastJsonLine(run.stdout), run.stderr).toMatchObject({ roundTrip: true, deleted: true, afterDelete: null });
  });

  it('given no credential, then with-keyring refuses to start with EX_CONFIG and says what is missing', async () => {
    const run = await runInKeyringSession('agent/secrets/testing/roundtrip-child.ts', {
      home: join(tmp, 'home2'),
      wrapper: [repoPath('installer/linux/with-keyring')],
      env: { CREDENTIALS_DIRECTORY: join(tmp, 'none'), NEXUS_AGENT_DATA_DIR: join(tmp, 'data2') },
    });
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('keyring-password credential missing');
  });

  it('given the installed layout, then the nexus-migrate launcher runs the bundled CLI', () => {
    // Stand-in for /opt/Nexus Migrate Agent: node plays the Electron binary (ELECTRON_RUN_AS_NODE).
    const app = join(tmp, 'opt', 'Nexus Migrate Agent');
    mkdirSync(join(app, 'resources'), { recursive: true });
    symlinkSync(process.execPath, join(app, 'nexus-migrate-agent'));
    symlinkSync(REPO_ROOT, join(app, 'resources', 'app'));
    const res = spawnSync(repoPath('installer/linux/nexus-migrate'), ['--help'], {
      encoding: 'utf8',
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NEXUS_APP_DIR: app },
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('Usage: nexus-migrate');
  });

  it.each(['with-keyring', 'nexus-migrate', 'after-install.sh', 'after-remove.sh'])('given installer/linux/%s, then it is executable and parses as sh', (name) => {
    const file = repoPath(`installer/linux/${name}`);
    accessSync(file, constants.X_OK);
    expect(spawnSync('sh', ['-n', file]).status).toBe(0);
  });
});

describe('electron-builder configuration', () => {
  const config = YAML.parse(readFileSync(repoPath('installer/electron-builder.yml'), 'utf8')) as Record<string, any>;

  it('given the config, then it names the product and every required installer target', () => {
    expect(config.appId).toBe('ai.logicnexus.migrate.agent');
    expect(config.productName).toBe('Nexus Migrate Agent');
    expect(config.win.target).toEqual(expect.arrayContaining(['nsis', 'msi']));
    expect(config.linux.target).toEqual(expect.arrayContaining(['deb', 'rpm', 'AppImage']));
    expect(config.mac.target).toEqual(expect.arrayContaining(['dmg']));
  });

  it('given the main entry, then its TypeScript source, preload and tray icon exist in agent/electron', () => {
    const main = config.extraMetadata.main as string;
    expect(main).toBe('agent/electron/dist/main.js');
    const shell = JSON.parse(readFileSync(repoPath('agent/electron/package.json'), 'utf8'));
    expect(`agent/electron/${shell.main}`).toBe(main);
    for (const f of ['agent/electron/main.ts', 'agent/electron/preload.ts', 'agent/electron/core-process.ts', 'agent/electron/assets/tray.png']) {
      expect(existsSync(repoPath(f)), f).toBe(true);
    }
    const tsconfig = JSON.parse(readFileSync(repoPath('agent/electron/tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.outDir).toBe('dist');
    expect(tsconfig.include).toEqual(expect.arrayContaining(['main.ts', 'preload.ts']));
  });

  it('given the Electron version pinned for the build, then it matches the shell package', () => {
    const shell = JSON.parse(readFileSync(repoPath('agent/electron/package.json'), 'utf8'));
    expect(shell.devDependencies.electron).toBe(config.electronVersion);
    const root = JSON.parse(readFileSync(repoPath('package.json'), 'utf8'));
    expect(root.dependencies?.electron ?? root.devDependencies?.electron).toBeUndefined();
  });

  it('given the packaged files, then the agent core entry points are included and test code is not', () => {
    const files = config.files as string[];
    expect(existsSync(repoPath('bin/nexus-migrate.mjs'))).toBe(true);
    for (const glob of ['bin/**/*', 'agent/**/*', 'shared/**/*', 'connectors/**/*', 'package.json']) expect(files).toContain(glob);
    for (const glob of ['!**/*.test.ts', '!**/testing/**', '!agent/electron/node_modules/**']) expect(files).toContain(glob);
    // The Electron shell launches exactly this CLI with these arguments.
    const core = readFileSync(repoPath('agent/electron/core-process.ts'), 'utf8');
    expect(core).toContain("path.join(opts.appRoot, 'bin', 'nexus-migrate.mjs')");
    expect(core).toContain("CORE_ARGS = ['agent', 'start'];");
  });

  it('given every path the config refers to, then it exists in the repo', () => {
    const paths = [
      config.icon,
      config.directories.buildResources,
      config.nsis.include,
      config.deb.afterInstall,
      config.deb.afterRemove,
      config.rpm.afterInstall,
      config.rpm.afterRemove,
      ...(config.extraResources as { from: string }[]).map((r) => r.from),
    ] as string[];
    for (const p of paths) expect(existsSync(repoPath(p)), p).toBe(true);
    const icon = readFileSync(repoPath(config.icon));
    expect(icon.subarray(1, 4).toString()).toBe('PNG');
    expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
  });

  it('given the Debian package, then it depends on the Secret Service stack the keychain needs', () => {
    expect(config.deb.depends).toEqual(expect.arrayContaining(['libsecret-1-0', 'gnome-keyring', 'dbus']));
    expect(config.rpm.depends).toEqual(expect.arrayContaining(['libsecret', 'gnome-keyring']));
  });
});

describe('Windows service wrapper (WinSW)', () => {
  const xml = readFileSync(repoPath('installer/windows/nexus-migrate-agent.xml'), 'utf8');
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const tag = (name: string): string[] => [...body.matchAll(new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!.trim());

  it('given the XML, then its elements are balanced', () => {
    const stack: string[] = [];
    for (const m of body.matchAll(/<(\/?)([A-Za-z][\w-]*)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
  });

  it('given the service definition, then it runs the headless CLI on the bundled runtime, restarts on failure and uses LocalService', () => {
    expect(tag('id')).toEqual(['nexus-migrate-agent']);
    expect(tag('executable')[0]).toBe('%BASE%\\..\\..\\Nexus Migrate Agent.exe');
    expect(tag('arguments')[0]).toBe('"%BASE%\\..\\app\\bin\\nexus-migrate.mjs" agent start --headless');
    expect(body).toContain('<env name="ELECTRON_RUN_AS_NODE" value="1"/>');
    expect(body).toMatch(/<onfailure action="restart"/);
    expect(tag('startmode')).toEqual(['Automatic']);
    expect(tag('username')).toEqual(['NT AUTHORITY\\LocalService']);
  });

  it('given the NSIS hook, then it installs and uninstalls the service with that XML', () => {
    const nsh = readFileSync(repoPath('installer/windows/installer.nsh'), 'utf8');
    expect(nsh).toMatch(/!macro customInstall[\s\S]*nexus-migrate-agent-service\.exe" install "\$INSTDIR\\resources\\windows\\nexus-migrate-agent\.xml"/);
    expect(nsh).toMatch(/!macro customUnInstall[\s\S]*" uninstall "/);
  });
});
