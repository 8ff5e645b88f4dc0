/**
 * `--help` and `-h` on every command print that command's usage and do nothing else: DATABASE_URL
 * points at a listener that records every connection, and none arrives; no file is written to the
 * data folder; nothing keeps running. Unknown commands say what is unknown, with a "did you mean".
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from './commands/index.ts';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import { spawnCli } from '../../test/support/cli-spawn.ts';

interface Ran { code: number | null; stdout: string; stderr: string }

let listener: net.Server;
let port = 0;
let connections = 0;
let home: string;

/** The compiled CLI is what users run (bin/build-cli.mjs via `npm ci`'s prepare): build it unless it is fresh. */
function compiledIsFresh(): boolean {
  try {
    const info = JSON.parse(readFileSync(path.join(REPO_ROOT, 'dist/cli/build-info.json'), 'utf8')) as { builtAt: number; inputs: string[] };
    return info.inputs.every((f) => statSync(path.join(REPO_ROOT, f)).mtimeMs <= info.builtAt);
  } catch {
    return false;
  }
}

beforeAll(async () => {
  if (!compiledIsFresh()) {
    const b = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/build-cli.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`bin/build-cli.mjs failed: ${b.stderr}`);
  }
  expect(compiledIsFresh()).toBe(true);
  listener = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as net.AddressInfo).port;
  home = mkdtempSync(path.join(tmpdir(), 'cli-help-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(home, { recursive: true, force: true });
});

const SPAWN_RECORDER = path.join(REPO_ROOT, 'test/support/spawn-recorder.mjs');
let spawnLogs = 0;

/** The real bin, with every child process it starts recorded (test/support/spawn-recorder.mjs): `spawned` lists them. */
async function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<Ran & { spawned: string[] }> {
  const log = path.join(tmpdir(), `cli-help-spawns-${process.pid}-${++spawnLogs}.log`);
  try {
    const r = await spawnCli(args, {
      cwd: home,
      execArgv: ['--import', SPAWN_RECORDER],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, NEXUS_DATA_DIR: path.join(home, 'data'), NEXUS_AGENT_DATA_DIR: path.join(home, 'agent'),
        DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`, TEST_DATABASE_URL: `postgres://nobody@127.0.0.1:${port}/none`,
        NEXUS_TEST_SPAWN_LOG: log,
        ...extraEnv,
      },
    });
    return { ...r, spawned: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [] };
  } finally {
    rmSync(log, { force: true });
  }
}

const cases = commands.flatMap((c) => [
  { name: c.name, flag: '--help', args: [...c.name.split(' '), '--help'] },
  { name: c.name, flag: '-h', args: [...c.name.split(' '), '--source', 'csv', '-h'] },
]);

describe('nexus-migrate --help', () => {
  it('given the commands the parser knows, then every one of them is in the table, with --help and -h', () => {
    // The parser's own registry (commands/index.ts) is what main dispatches on; the top-level help lists the same names.
    const listed = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/nexus-migrate.mjs'), '--help'], { cwd: home, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: home } }).stdout;
    for (const c of commands) expect(listed).toContain(`  ${c.name} `);
    expect(new Set(cases.map((c) => `${c.name} ${c.flag}`)).size).toBe(commands.length * 2);
  });

  it('given a command that does start processes (bench --cli-start), then the recorder sees them: an empty record means none', async () => {
    const r = await cli(['bench', '--cli-start']);
    expect(r.code).toBe(0);
    expect(r.spawned.length).toBeGreaterThanOrEqual(5);
    expect(r.spawned[0]).toMatch(/ spawnSync \S*node \[".*bin\/nexus-migrate\.mjs","--help"\]/);
  }, 60_000);

  it.concurrent.each(cases)('given `$name $flag`, then it prints that usage, connects nowhere, starts no process, writes nothing and exits 0', async ({ name, args }) => {
    const before = connections;
    const r = await cli(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^Usage: nexus-migrate ${name.replace(/ /g, ' ')}`));
    const cmd = commands.find((c) => c.name === name)!;
    expect(r.stdout).toContain(cmd.summary);
    // The usage is generated from the declarations: every declared option is in it.
    for (const option of Object.keys(cmd.options)) expect(r.stdout).toContain(`--${option}`);
    expect(r.code).toBe(0);
    expect(connections).toBe(before);
    expect(r.spawned).toEqual([]);
    expect(readdirSync(home).filter((f) => f !== '.cache' && f !== '.npm')).toEqual([]);
  });

  const wrong: { args: string[]; message: RegExp }[] = [
    { args: ['serv'], message: /unknown command "serv"; did you mean "serve"\?/ },
    { args: ['dryrun'], message: /unknown command "dryrun"; did you mean "dry-run"\?/ },
    { args: ['agent', 'strat'], message: /unknown command "agent strat"; did you mean "agent start"\?/ },
    { args: ['agent'], message: /"agent" needs a subcommand: start, enroll, connection add, status, check-source/ },
    { args: ['frobnicate'], message: /unknown command "frobnicate"\. Run `nexus-migrate --help`/ },
  ];
  it.concurrent.each(wrong)('given `$args`, then it names what is unknown and exits 2', async ({ args, message }) => {
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
  });

  it('given the TypeScript sources instead of the compiled CLI (NEXUS_CLI_FROM_SOURCE=1), then `run --help` prints the same usage', async () => {
    const [compiled, source] = await Promise.all([cli(['run', '--help']), cli(['run', '--help'], { NEXUS_CLI_FROM_SOURCE: '1' })]);
    expect(compiled.code).toBe(0);
    expect(source.code).toBe(0);
    expect(source.stdout).toBe(compiled.stdout);
    expect(compiled.stdout).toContain('--source NAME');
  });

  const badFlags: { args: string[]; message: RegExp }[] = [
    { args: ['run', '--sorce', 'csv', '--path', '.'], message: /unknown option --sorce for "run"; did you mean --source\?/ },
    { args: ['agent', 'start', '--headles'], message: /unknown option --headles for "agent start"; did you mean --headless\?/ },
    { args: ['bundle', 'export', '--tenat', 't', '--source', 'demo', '--out', 'x'], message: /unknown option --tenat for "bundle export"; did you mean --tenant\?/ },
    { args: ['audit', 'verify', '--jsno'], message: /unknown option --jsno for "audit verify"; did you mean --json\?/ },
    { args: ['demo', '-x'], message: /unknown option -x for "demo"/ },
    { args: ['serve', '--port'], message: /--port needs a value/ },
    { args: ['serve', '--port', '--insecure-dev-key'], message: /--port needs a value, but the next argument is the option --insecure-dev-key/ },
    { args: ['agent', 'start', '--headless=yes'], message: /--headless is a switch and takes no value/ },
    { args: ['run', '--source', 'sfdc', '--tenant', 't'], message: /unknown source 'sfdc'; did you mean 'salesforce'\? Known sources: csv, .*\bcargowise, .*\bdynamics, hubspot, .*\bsalesforce\b/ },
    { args: ['preview', '--source', 'hubspt', '--entity', 'Contact'], message: /unknown source 'hubspt'; did you mean 'hubspot'\?/ },
    { args: ['bench', '--source', 'cargowise'], message: /unknown source 'cargowise'\. Known sources: dynamics, hubspot, (\w+, )*salesforce(, \w+)* \(the sources with a rate benchmark\)/ },
    { args: ['run', '--path', '.'], message: /--source is required/ },
    { args: ['preview', '--source', 'csv'], message: /--entity is required/ },
    { args: ['agent', 'enroll', '--url', 'http://x'], message: /--token is required/ },
    { args: ['sample-db', '--platform', 'cargowse', '--dialect', 'postgres', '--url', 'postgres://x'], message: /--platform must be one of cargowise, sap-tm, oracle-tm, got "cargowse"; did you mean cargowise\?/ },
    { args: ['rollback', 'a', 'b'], message: /unexpected argument "b"; "rollback" takes <runId>/ },
    { args: ['bundle', 'import', '--tenant', 't'], message: /missing <file>/ },
    { args: ['audit', 'anchor', 'now'], message: /"audit anchor" takes no arguments, got "now"/ },
  ];
  it.concurrent.each(badFlags)('given `$args`, then it says which flag is wrong, connects nowhere and exits 2', async ({ args, message }) => {
    const before = connections;
    const r = await cli(args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`Run \`nexus-migrate ${args.filter((a) => /^[a-z]/.test(a)).slice(0, args[0] === 'agent' || args[0] === 'bundle' || args[0] === 'audit' ? 2 : 1).join(' ')} --help\``);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(connections).toBe(before);
  });
});
