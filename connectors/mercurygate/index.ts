/** mercurygate: MercuryGate TMS through its EDI route, a folder of X12 204/990/214 files. */
import { EdiFolderConnector } from '../edi-x12/index.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { localFolder } from '../sdk/local-folder.ts';
import { mercuryGateDefinition } from './definition.ts';

export { mercuryGateDefinition } from './definition.ts';

export async function createConnector(options: ConnectorFactoryOptions): Promise<EdiFolderConnector> {
  return new EdiFolderConnector(mercuryGateDefinition, await localFolder('mercurygate', options));
}
