/**
 * The connector + emulator registry: vendor name → lazy imports of what that vendor ships.
 * Adding a platform touches its own folder and ONE entry here, nothing else:
 *
 *   myvendor: {
 *     connector: () => import('./myvendor/index.ts').then((m) => m.createConnector),
 *     emulator: () => import('./myvendor/emulator/index.ts').then((m) => m.startEmulator),
 *     mapping: new URL('./myvendor/mapping.yaml', import.meta.url),
 *   },
 *
 * Imports are lazy so that loading the registry (CLI help, the control plane) pulls in no vendor code.
 */
import type { ConnectorFactory, RateBench } from './sdk/factory.ts';
import type { StartEmulator } from './sdk/emulator-types.ts';
import type { ConformanceSpec } from './sdk/conformance.ts';

export type { ConnectorFactoryOptions, ConnectorFactory, RateBench } from './sdk/factory.ts';

export interface RegistryEntry {
  /** Human name for lists and reports. */
  label: string;
  connector: () => Promise<ConnectorFactory>;
  emulator?: () => Promise<StartEmulator>;
  /** The mapping template to Logic Nexus (connectors/<vendor>/mapping.yaml). */
  mapping?: URL;
  /** The rate benchmark against the emulator (`npm run bench -- --source <vendor>`). */
  bench?: () => Promise<RateBench>;
  /** The credential fields the console's form offers, in the vendor's own names (absent: a free-form list). */
  credentialFields?: readonly string[];
  /** What the conformance suite (connectors/conformance.test.ts) runs against this connector; absent: only the fixture section applies. */
  conformance?: ConformanceSpec;
}

export const registry: Record<string, RegistryEntry> = {
  cargowise: {
    label: 'CargoWise One (on-prem SQL database)',
    connector: () => import('./cargowise/index.ts').then((m) => m.createConnector),
    mapping: new URL('./cargowise/mapping.yaml', import.meta.url),
  },
  'sap-tm': {
    label: 'SAP Transportation Management (on-prem SQL database)',
    connector: () => import('./sap-tm/index.ts').then((m) => m.createConnector),
    mapping: new URL('./sap-tm/mapping.yaml', import.meta.url),
  },
  'oracle-tm': {
    label: 'Oracle Transportation Management (on-prem SQL database)',
    connector: () => import('./oracle-tm/index.ts').then((m) => m.createConnector),
    mapping: new URL('./oracle-tm/mapping.yaml', import.meta.url),
  },
  mercurygate: {
    label: 'MercuryGate TMS (EDI X12 204/990/214 files; documentation only)',
    connector: () => import('./mercurygate/index.ts').then((m) => m.createConnector),
    mapping: new URL('./mercurygate/mapping.yaml', import.meta.url),
  },
  'cargowise-eadaptor': {
    label: 'CargoWise One eAdaptor Universal XML exports (folder; documentation only)',
    connector: () => import('./cargowise-eadaptor/index.ts').then((m) => m.createConnector),
    mapping: new URL('./cargowise-eadaptor/mapping.yaml', import.meta.url),
  },
  blujay: {
    label: 'BluJay / e2open TMS (X12 and fixed-width export files; documentation only)',
    connector: () => import('./blujay/index.ts').then((m) => m.createConnector),
    mapping: new URL('./blujay/mapping.yaml', import.meta.url),
  },
  shipstation: {
    label: 'ShipStation V1 (REST; documentation only)',
    connector: () => import('./shipstation/index.ts').then((m) => m.createConnector),
    emulator: () => import('./shipstation/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./shipstation/mapping.yaml', import.meta.url),
    bench: () => import('./shipstation/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchShipStation({ records, ...(seconds ? { durationSeconds: seconds } : {}) })),
    conformance: { capabilities: ['paging', 'rate-limits', 'error-classification', 'migration', 'checkpoint'], stream: 'orders', options: { pageSize: 50 }, secretKey: 'apiSecret' },
  },
  csv: {
    label: 'CSV files (manual exports, offline bundles)',
    connector: () => import('./csv/index.ts').then((m) => m.createConnector),
  },
  dynamics: {
    label: 'Microsoft Dynamics 365 (Dataverse)',
    connector: () => import('./dynamics/index.ts').then((m) => m.createConnector),
    emulator: () => import('./dynamics/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./dynamics/mapping.yaml', import.meta.url),
    bench: () => import('./dynamics/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchDynamics({ records, ...(seconds ? { windows: Math.max(1, Math.round(seconds / 10)) } : {}) })),
    conformance: {
      capabilities: ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'],
      stream: 'account', options: { pageSize: 50 }, secretKey: 'client_secret',
      incremental: { entity: 'account', field: 'name', table: 'accounts', column: 'name', deleteEntity: 'task', deleteTable: 'activities' },
    },
  },
  hubspot: {
    label: 'HubSpot CRM',
    connector: () => import('./hubspot/index.ts').then((m) => m.createConnector),
    emulator: () => import('./hubspot/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./hubspot/mapping.yaml', import.meta.url),
    bench: () => import('./hubspot/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchHubSpot({ records, ...(seconds ? { durationSeconds: seconds } : {}) })),
    conformance: {
      capabilities: ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'],
      stream: 'companies', oauthCredentialKeys: ['clientId', 'clientSecret', 'refreshToken'], secretKey: 'clientSecret',
      incremental: { entity: 'companies', field: 'name', table: 'accounts', column: 'name', deleteEntity: 'tasks', deleteTable: 'activities' },
    },
  },
  salesforce: {
    label: 'Salesforce Sales Cloud',
    connector: () => import('./salesforce/index.ts').then((m) => m.createConnector),
    emulator: () => import('./salesforce/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./salesforce/mapping.yaml', import.meta.url),
    bench: () => import('./salesforce/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchSalesforce({ records, ...(seconds ? { durationSeconds: seconds } : {}) })),
    conformance: {
      capabilities: ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'],
      stream: 'Account', seed: 11, options: { tuning: { pollIntervalMs: 10, bulkPageSize: 100 } }, secretKey: 'refresh_token',
      incremental: { entity: 'Account', field: 'Name', table: 'accounts', column: 'name', deleteEntity: 'Task', deleteTable: 'activities' },
    },
  },
  pipedrive: {
    label: 'Pipedrive CRM',
    connector: () => import('./pipedrive/index.ts').then((m) => m.createConnector),
    emulator: () => import('./pipedrive/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./pipedrive/mapping.yaml', import.meta.url),
    bench: () => import('./pipedrive/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchPipedrive({ records, ...(seconds ? { durationSeconds: seconds } : {}) })),
    conformance: {
      capabilities: ['paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'],
      stream: 'organizations', options: { pageSize: 50 }, secretKey: 'apiToken',
      incremental: { entity: 'organizations', field: 'name', table: 'accounts', column: 'name', deleteEntity: 'activities', deleteTable: 'activities' },
    },
  },
  zoho: {
    label: 'Zoho CRM (v7 REST; documentation only)',
    credentialFields: ['clientId', 'clientSecret', 'refreshToken', 'dataCentre'],
    connector: () => import('./zoho/index.ts').then((m) => m.createConnector),
    emulator: () => import('./zoho/emulator/index.ts').then((m) => m.startEmulator),
    mapping: new URL('./zoho/mapping.yaml', import.meta.url),
    bench: () => import('./zoho/bench.ts').then((m) => (records: number, seconds: number | undefined) => m.benchZoho({ records, ...(seconds ? { durationSeconds: seconds } : {}) })),
    conformance: {
      capabilities: ['oauth-refresh', 'paging', 'rate-limits', 'error-classification', 'migration', 'incremental', 'checkpoint'],
      stream: 'Accounts', options: { pageSize: 50 }, oauthCredentialKeys: ['clientId', 'clientSecret', 'refreshToken'], secretKey: 'clientSecret',
      incremental: { entity: 'Accounts', field: 'Account_Name', table: 'accounts', column: 'name', deleteEntity: 'Tasks', deleteTable: 'activities' },
    },
  },
};

export class UnknownVendorError extends Error {
  override readonly name = 'UnknownVendorError';
  constructor(readonly vendor: string, what: 'connector' | 'emulator') {
    super(`no ${what} registered for vendor "${vendor}"; known: ${Object.keys(registry).sort().join(', ')}`);
  }
}

export function registryEntry(vendor: string): RegistryEntry {
  const entry = registry[vendor];
  if (!entry) throw new UnknownVendorError(vendor, 'connector');
  return entry;
}

export async function loadConnectorFactory(vendor: string): Promise<ConnectorFactory> {
  return registryEntry(vendor).connector();
}

export async function loadEmulator(vendor: string): Promise<StartEmulator> {
  const entry = registry[vendor];
  if (!entry?.emulator) throw new UnknownVendorError(vendor, 'emulator');
  return entry.emulator();
}
