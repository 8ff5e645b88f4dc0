/**
 * The folder a file source reads. `path` is set only by a local operator (the CLI's --path, the
 * agent's configured folder); through the registry (the control-plane API) a folder must lie under
 * the import root, like the CSV source's (NEXUS_CSV_ROOT), so an API user cannot read arbitrary files.
 */
import { mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectorFactoryOptions } from './factory.ts';

export class FolderNotAvailableError extends Error {
  override readonly name = 'FolderNotAvailableError';
}

export function importRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.NEXUS_CSV_ROOT ?? path.join(env.NEXUS_DATA_DIR ?? path.join(os.homedir(), '.nexus-migrate'), 'imports'));
}

export async function localFolder(vendor: string, options: ConnectorFactoryOptions): Promise<string> {
  if (options.path) {
    const s = await stat(options.path).catch(() => null);
    if (!s?.isDirectory()) throw new FolderNotAvailableError(`${vendor} connector: --path ${JSON.stringify(options.path)} is not a folder`);
    return path.resolve(options.path);
  }
  const dir = options.credentials['folder'] ?? options.baseUrl;
  if (!dir) throw new FolderNotAvailableError(`${vendor} connector: a folder is required (--path DIR, or credentials.folder under the import root)`);
  const root = importRoot();
  await mkdir(root, { recursive: true, mode: 0o700 });
  const realRoot = await realpath(root);
  const real = await realpath(path.resolve(realRoot, dir)).catch(() => null);
  if (!real || (real !== realRoot && !real.startsWith(realRoot + path.sep))) {
    throw new FolderNotAvailableError(`${vendor} connector: folder ${JSON.stringify(dir)} is not an import folder (a folder under the server's import root, NEXUS_CSV_ROOT)`);
  }
  return real;
}
