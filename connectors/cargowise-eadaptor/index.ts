/** cargowise-eadaptor: CargoWise One eAdaptor Universal XML exports (UniversalShipment, UniversalEvent, UniversalTransaction) from a folder. */
import { EdiFolderConnector } from '../edi-x12/index.ts';
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { localFolder } from '../sdk/local-folder.ts';
import { eAdaptorDefinition, type Message } from './reader.ts';

export { eAdaptorDefinition } from './reader.ts';

export async function createConnector(options: ConnectorFactoryOptions): Promise<EdiFolderConnector<Message>> {
  return new EdiFolderConnector(eAdaptorDefinition, await localFolder('cargowise-eadaptor', options));
}
