/** blujay: BluJay / e2open TMS scheduled exports: X12 204/990/214 files and fixed-width shipment flat files (.dat, .fw). */
import { EdiFolderConnector } from '../edi-x12/index.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { localFolder } from '../sdk/local-folder.ts';
import { bluJayDefinition } from './definition.ts';

export { bluJayDefinition } from './definition.ts';

export async function createConnector(options: ConnectorFactoryOptions): Promise<EdiFolderConnector<unknown>> {
  return new EdiFolderConnector(bluJayDefinition, await localFolder('blujay', options)) as EdiFolderConnector<unknown>;
}
