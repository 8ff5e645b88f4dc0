/**
 * Build the console with Vite when its dist folder is missing or older than its sources
 * (serve and the browser test call this; a build takes a few seconds).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const CONSOLE_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function consoleIsStale(): boolean {
  const index = path.join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return Math.max(newestSource(path.join(CONSOLE_ROOT, 'src')), statSync(path.join(CONSOLE_ROOT, 'index.html')).mtimeMs) > built;
}

export async function ensureConsoleBuilt(force = false): Promise<string> {
  if (!force && !consoleIsStale()) return CONSOLE_DIST;
  const { build } = await import('vite');
  await build({ configFile: path.join(CONSOLE_ROOT, 'vite.config.ts'), root: CONSOLE_ROOT, logLevel: 'warn' });
  return CONSOLE_DIST;
}
