/** Build the console with Vite when its dist folder is missing (serve and the browser test call this). */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CONSOLE_ROOT = fileURLToPath(new URL('.', import.meta.url));
export const CONSOLE_DIST = fileURLToPath(new URL('./dist/', import.meta.url));

export async function ensureConsoleBuilt(force = false): Promise<string> {
  if (!force && existsSync(`${CONSOLE_DIST}index.html`)) return CONSOLE_DIST;
  const { build } = await import('vite');
  await build({ configFile: `${CONSOLE_ROOT}vite.config.ts`, root: CONSOLE_ROOT, logLevel: 'warn' });
  return CONSOLE_DIST;
}
