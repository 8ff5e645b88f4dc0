/** The CSV source: a folder of CSV files, one per entity. */
import { mkdir, realpath } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { CsvConnector } from './connector.ts';

export { CsvConnector, UnknownCsvEntityError, type CsvConnectorOptions } from './connector.ts';
export { CsvFormatError } from './row-reader.ts';
export { CsvManifestError, loadCsvFolder } from './manifest.ts';

export class CsvFolderOutsideRootError extends Error {
  override readonly name = 'CsvFolderOutsideRootError';
}

/**
 * The only folder tree a CSV source reached through the registry (the control-plane API) may read:
 * NEXUS_CSV_ROOT, default <data dir>/imports. Without it, any API user could read any CSV file the
 * server process can.
 */
export function csvImportRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.NEXUS_CSV_ROOT ?? path.join(env.NEXUS_DATA_DIR ?? path.join(os.homedir(), '.nexus-migrate'), 'imports'));
}

function notAvailable(dir: string): CsvFolderOutsideRootError {
  return new CsvFolderOutsideRootError(`csv connector: folder ${JSON.stringify(dir)} is not an import folder (a folder under the server's import root, NEXUS_CSV_ROOT)`);
}

/** Registry factory: credentials.folder (or baseUrl) is the folder, relative to or inside the import root. */
export async function createConnector(options: ConnectorFactoryOptions): Promise<CsvConnector> {
  const dir = options.credentials['folder'] ?? options.baseUrl;
  if (!dir) throw new Error('csv connector: credentials.folder (the folder of CSV files) is required');
  const root = csvImportRoot();
  await mkdir(root, { recursive: true, mode: 0o700 });
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(path.resolve(realRoot, dir));
  } catch {
    throw notAvailable(dir);
  }
  // "Missing" and "outside the root" read the same and name no server path: neither is an oracle.
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw notAvailable(dir);
  return new CsvConnector({ dir: real }).open();
}
