#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx, so the command works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../control-plane/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Every command has closed what it opened; a socket a library keeps alive (an HTTP keep-alive pool)
// must not keep a finished command, or a stopped service, running. The timer does not itself hold
// the process: it fires only when something else still does.
setTimeout(() => process.exit(), 3000).unref();
