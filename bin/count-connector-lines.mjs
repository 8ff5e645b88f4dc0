#!/usr/bin/env node
/**
 * Lines of vendor-specific connector + emulator code (issue #12 acceptance): the .ts files of the given
 * vendor folders without tests, fixtures and docs, plus every connectors/sdk file that fewer than two
 * vendors reach through their imports (a kit file only one vendor uses is that vendor's code).
 *
 *   node bin/count-connector-lines.mjs [--json] [vendor …]     (default: salesforce dynamics hubspot)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const connectors = join(root, 'connectors');
const args = process.argv.slice(2);
const json = args.includes('--json');
const vendors = args.filter((a) => !a.startsWith('--'));
if (vendors.length === 0) vendors.push('salesforce', 'dynamics', 'hubspot');

const isCode = (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts');
function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'fixtures' && name !== 'node_modules') out.push(...walk(p)); }
    else if (isCode(p)) out.push(p);
  }
  return out;
}
const lines = (f) => readFileSync(f, 'utf8').split('\n').length - (readFileSync(f, 'utf8').endsWith('\n') ? 1 : 0);
const sdk = join(connectors, 'sdk');
const allVendors = readdirSync(connectors).filter((d) => d !== 'sdk' && statSync(join(connectors, d)).isDirectory());

/** Relative imports of a file: [{ target, names }] (names undefined = the whole module). */
function importsOf(file) {
  const src = readFileSync(file, 'utf8');
  const out = [];
  for (const m of src.matchAll(/(?:import|export)\s+(type\s+)?(?:\{([^}]*)\}|\*(?:\s+as\s+\w+)?|[\w$]+(?:\s*,\s*\{([^}]*)\})?)\s+from\s+'(\.[^']+)'/g)) {
    const names = (m[2] ?? m[3])?.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean);
    out.push({ target: resolve(dirname(file), m[4]), names });
  }
  for (const m of src.matchAll(/import\('(\.[^']+)'\)/g)) out.push({ target: resolve(dirname(file), m[1]) });
  return out;
}
/** Which sdk file defines a name re-exported by an index.ts. */
function reexportSource(indexFile, name) {
  for (const imp of importsOf(indexFile)) if (imp.names?.includes(name)) return imp.target;
  return undefined;
}
/** sdk files reached from a vendor's code, transitively. */
function sdkReach(vendor) {
  const seen = new Set();
  const queue = walk(join(connectors, vendor)).flatMap(importsOf);
  while (queue.length) {
    const { target, names } = queue.pop();
    if (!target.startsWith(sdk + '/')) continue;
    const files = target.endsWith('index.ts') && names ? names.map((n) => reexportSource(target, n) ?? target) : [target];
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      if (!f.endsWith('index.ts')) queue.push(...importsOf(f));
      else queue.push(...importsOf(f).filter((i) => !i.names));
    }
  }
  return seen;
}
const reach = Object.fromEntries(allVendors.map((v) => [v, sdkReach(v)]));
const sdkFiles = walk(sdk);
const rows = [];
for (const v of vendors) {
  const own = walk(join(connectors, v)).reduce((a, f) => a + lines(f), 0);
  const solo = sdkFiles.filter((f) => reach[v]?.has(f) && allVendors.filter((o) => reach[o].has(f)).length < 2);
  rows.push({ vendor: v, own, soloSdk: solo.map((f) => relative(root, f)), soloSdkLines: solo.reduce((a, f) => a + lines(f), 0) });
}
const total = rows.reduce((a, r) => a + r.own + r.soloSdkLines, 0);
const shared = sdkFiles.filter((f) => allVendors.filter((o) => reach[o].has(f)).length >= 2);
if (json) console.log(JSON.stringify({ total, vendors: rows, sharedSdkLines: shared.reduce((a, f) => a + lines(f), 0) }, null, 2));
else {
  for (const r of rows) console.log(`${r.vendor.padEnd(12)} ${String(r.own + r.soloSdkLines).padStart(6)}${r.soloSdk.length ? `  (incl. ${r.soloSdkLines} in sdk used by it alone: ${r.soloSdk.join(', ')})` : ''}`);
  console.log(`${'total'.padEnd(12)} ${String(total).padStart(6)}`);
  console.log(`shared kit (sdk files used by ≥2 vendors): ${shared.reduce((a, f) => a + lines(f), 0)} lines in ${shared.length} files`);
}
