/**
 * Tests must run on a fresh clone: no test file, nor a test helper (test/support/, …/testing/), may
 * read a path outside the repository (the shared workspace, a sibling folder climbed to with `../`,
 * or a home directory).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', '.git', 'dist', 'build', 'coverage']);

function testFiles(dir: string, helpers = false): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.isSymbolicLink()) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p, helpers || (dir === join(ROOT, 'test') && e.name === 'support') || e.name === 'testing'));
    else if (e.name.endsWith('.test.ts') || (helpers && /\.m?[jt]s$/.test(e.name))) out.push(p);
  }
  return out;
}

/** Quoted literals that name a place outside the repository. */
const OUTSIDE: { name: string; re: RegExp }[] = [
  { name: 'the shared workspace', re: /['"`]\/work\/(shared|main)\b/ },
  { name: 'a ../shared folder', re: /['"`](\.\.\/)+shared\/(fixtures|spec)\b/ },
  { name: 'a home directory', re: /['"`]\/(home|root)\// },
];

/** Relative literals that climb above the repository root from the test file's folder. */
function climbsOut(file: string, source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/['"`]((?:\.\.\/)+)[^'"`\s]*['"`]/g)) {
    const target = resolve(dirname(file), m[1] ?? '');
    if (relative(ROOT, target).startsWith('..')) found.push(m[0]);
  }
  return found;
}

/** A line may send a path as hostile input (never read); it says so with this marker. */
const PAYLOAD = 'repo-paths: hostile payload, never read';

export function outsidePaths(file: string, text: string): string[] {
  const source = text.split('\n').filter((l) => !l.includes(PAYLOAD)).join('\n');
  const hits = OUTSIDE.filter((o) => o.re.test(source)).map((o) => o.name);
  return [...hits, ...climbsOut(file, source)];
}

// The sample sources below quote their paths with Q so that this file itself names no outside path.
const Q = "'";

describe('test files read only inside the repository', () => {
  it.each([
    [`const F = ${Q}/work/shared/fixtures/hubspot${Q};`, true],
    ["readFileSync('../../shared/fixtures/x.json')", true],
    [`const h = ${Q}/home/alice/data.csv${Q};`, true],
    [`const h = ${Q}/root/.config/x${Q};`, true],
    ["new URL('./fixtures', import.meta.url)", false],
  ])('given the source %s, then flagged is %s', (source, flagged) => {
    expect(outsidePaths(join(ROOT, 'connectors/x/a.test.ts'), source).length > 0).toBe(flagged);
  });

  it('given a relative path climbing above the repository root, then it is flagged', () => {
    expect(outsidePaths(join(ROOT, 'connectors/x/a.test.ts'), "import '../../../elsewhere/y.ts'")).toHaveLength(1);
    expect(outsidePaths(join(ROOT, 'connectors/x/a.test.ts'), "import '../../shared/connector.ts'")).toHaveLength(0);
  });

  it('given a climbing path sent as hostile input on a line marked as such, then it is not flagged, and unmarked it is', () => {
    const line = "send('../../../../etc/passwd');";
    expect(outsidePaths(join(ROOT, 'connectors/x/a.test.ts'), line)).toHaveLength(1);
    expect(outsidePaths(join(ROOT, 'connectors/x/a.test.ts'), `${line} // ${PAYLOAD}`)).toHaveLength(0);
  });

  it('given every test file and test helper in the repository, then none names a path outside it', () => {
    const self = fileURLToPath(import.meta.url);
    const files = testFiles(ROOT).filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.endsWith(join('test', 'support', 'engine.ts'))), 'test helpers are scanned too').toBe(true);
    const offenders = files.flatMap((f) => outsidePaths(f, readFileSync(f, 'utf8')).map((why) => `${relative(ROOT, f)}: ${why}`));
    expect(offenders).toEqual([]);
  });
});
