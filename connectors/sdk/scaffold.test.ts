/**
 * `nexus-migrate new-connector`: scaffolded into a temporary copy of the repository (its tracked and
 * unignored files, node_modules symlinked), through the real CLI, the new connector passes the
 * conformance suite there before any hand edit: its emulator serves the scaffold's sample stream.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../agent/core/testing/processes.ts';
import { scaffoldConnector, ScaffoldError } from './scaffold.ts';

const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'nexus-scaffold-'));
  temps.push(d);
  return d;
};

function copyOfRepository(): string {
  const copy = tempDir();
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(listed.status, listed.stderr).toBe(0);
  for (const f of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(REPO_ROOT, f))) continue;
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(copy, f));
  }
  symlinkSync(realpathSync(join(REPO_ROOT, 'node_modules')), join(copy, 'node_modules'));
  return copy;
}

const run = (cwd: string, args: string[]) =>
  spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NEXUS_CLI_FROM_SOURCE: '1', NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 170_000 });

describe('new-connector', () => {
  it('given `nexus-migrate new-connector acme-crm` in a copy of the repository, then the folder and its registry line pass the conformance suite there as generated', () => {
    const copy = copyOfRepository();
    const made = run(copy, ['bin/nexus-migrate.mjs', 'new-connector', 'acme-crm']);
    expect(made.status, made.stderr).toBe(0);
    for (const f of ['definition.ts', 'index.ts', 'emulator/index.ts', 'emulator/sample.ts', 'mapping.yaml', 'README.md', 'fixtures/SOURCES.md']) {
      expect(made.stdout).toContain(`created connectors/acme-crm/${f}`);
    }
    expect(readFileSync(join(copy, 'connectors/registry.ts'), 'utf8')).toMatch(/\n {2}'acme-crm': \{ label: "Acme Crm", connector: .*\n\};\n/);
    const suite = run(copy, ['node_modules/vitest/vitest.mjs', 'run', 'connectors/conformance.test.ts', '-t', 'conformance: acme-crm']);
    const out = suite.stdout + suite.stderr;
    expect(suite.status, out.slice(-3000)).toBe(0);
    expect(out).toContain('[conformance] acme-crm: every section applies');
    expect(out).toMatch(/Tests\s+9 passed/);
  }, 180_000);

  it.each([
    ['Acme_CRM', /not a connector name/],
    ['hubspot', /already exists/],
  ])('given the name %s, then nothing is written and the error says why', (name, message) => {
    const root = tempDir();
    mkdirSync(join(root, 'connectors/hubspot'), { recursive: true });
    const registry = 'export const registry = {\n  hubspot: {},\n};\n\nexport class UnknownVendorError {}\n';
    writeFileSync(join(root, 'connectors/registry.ts'), registry);
    expect(() => scaffoldConnector(root, name)).toThrow(ScaffoldError);
    expect(() => scaffoldConnector(root, name)).toThrow(message);
    expect(readFileSync(join(root, 'connectors/registry.ts'), 'utf8')).toBe(registry);
  });

  it('given a style without a template, then the error lists the styles there are', () => {
    const root = tempDir();
    mkdirSync(join(root, 'connectors'), { recursive: true });
    writeFileSync(join(root, 'connectors/registry.ts'), 'export const registry = {\n};\n\nexport class UnknownVendorError {}\n');
    expect(() => scaffoldConnector(root, 'acme', { style: 'soap' })).toThrow(/style "soap" has no template yet; available: rest/);
    expect(existsSync(join(root, 'connectors/acme'))).toBe(false);
  });
});
