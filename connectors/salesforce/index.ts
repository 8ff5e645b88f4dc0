/**
 * Salesforce connector factory (registered in connectors/registry.ts). Credentials use Salesforce's
 * own field names: client_id, client_secret and refresh_token (web-server flow), or grant_type
 * "client_credentials" with client_id/client_secret (server-to-server, My Domain login_url);
 * optional login_url, environment ("production" | "sandbox"), access_token, instance_url.
 */
import type { ConnectorFactoryOptions } from '../sdk/factory.ts';
import { loginUrl, tokenUrlFor, type LoginEnvironment } from './auth.ts';
import { SalesforceConnector, type SalesforceReadTuning } from './connector.ts';
import { salesforceDefinition } from './definition.ts';
import { SalesforceSession } from './session.ts';

export interface SalesforceConnectorOptions extends ConnectorFactoryOptions {
  apiVersion?: string;
  tuning?: Partial<SalesforceReadTuning>;
  /** Pace requests at this steady rate (the emulator's rate-limit ceiling); unset for real orgs. */
  requestsPerSecond?: number;
  dailyApiRequests?: number;
  fetch?: typeof fetch;
}

export function createConnector(options: SalesforceConnectorOptions): SalesforceConnector {
  const creds = options.credentials;
  const flow = creds.grant_type === 'client_credentials' ? 'client-credentials' : 'web-server';
  const login = loginUrl({ loginUrl: creds.login_url ?? options.baseUrl, environment: creds.environment as LoginEnvironment | undefined });
  const tokenUrl = options.tokenUrl ?? tokenUrlFor(login);
  const definition = salesforceDefinition({ apiVersion: options.apiVersion, tokenUrl, flow, requestsPerSecond: options.requestsPerSecond, dailyApiRequests: options.dailyApiRequests });
  const session = new SalesforceSession({ definition, credentials: creds, instanceUrl: creds.instance_url, tokenUrl, logger: options.logger, fetch: options.fetch });
  return new SalesforceConnector(session, {
    extraction: 'auto', bulkPageSize: 10_000, pollIntervalMs: 500, ...options.tuning,
  });
}

export { SalesforceConnector } from './connector.ts';
export { ReauthorizeRequiredError, authorizeUrl, exchangeAuthorizationCode } from './auth.ts';
