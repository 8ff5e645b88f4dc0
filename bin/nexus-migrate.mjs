#!/usr/bin/env node
// Entry point. Runs the compiled CLI (dist/cli, built by `npm run build`, which `npm ci` runs as
// `prepare`) when it is there and no source file changed since; else the TypeScript through tsx.
// NEXUS_CLI_FROM_SOURCE=1 forces the TypeScript.
import { readFileSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

function compiledIsFresh() {
  if (process.env.NEXUS_CLI_FROM_SOURCE === '1') return false;
  try {
    const info = JSON.parse(readFileSync(new URL('dist/cli/build-info.json', root), 'utf8'));
    if (!Array.isArray(info.inputs) || info.inputs.length === 0) return false;
    for (const f of info.inputs) if (statSync(new URL(f, root)).mtimeMs > info.builtAt) return false;
    return true;
  } catch {
    return false;
  }
}

let main;
if (compiledIsFresh()) ({ main } = await import(new URL('dist/cli/main.mjs', root).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../control-plane/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
// Every command has closed what it opened; a socket a library keeps alive (an HTTP keep-alive pool)
// must not keep a finished command, or a stopped service, running. The timer does not itself hold
// the process: it fires only when something else still does.
setTimeout(() => process.exit(), 3000).unref();
