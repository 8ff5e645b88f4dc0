/** The CSV source: a folder of CSV files, one per entity. */
import type { ConnectorFactoryOptions } from '../registry.ts';
import { CsvConnector } from './connector.ts';

export { CsvConnector, ERROR_FIELD, UnknownCsvEntityError, type CsvConnectorOptions } from './connector.ts';
export { CsvFormatError } from './row-reader.ts';
export { CsvManifestError, loadCsvFolder } from './manifest.ts';

/** Registry factory: credentials.folder (or baseUrl) is the folder path. */
export async function createConnector(options: ConnectorFactoryOptions): Promise<CsvConnector> {
  const dir = options.credentials['folder'] ?? options.baseUrl;
  if (!dir) throw new Error('csv connector: credentials.folder (the folder of CSV files) is required');
  return new CsvConnector({ dir }).open();
}
