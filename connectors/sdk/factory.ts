/** The factory contract every connector exports; lives in the SDK so connectors and the registry need not import each other. */
import type { SourceConnector } from '../../shared/connector.ts';
import type { Logger } from '../../shared/log/logger.ts';
import type { RateBenchResult } from './rate-bench.ts';

/** Options every connector factory accepts. `credentials` use the vendor's own field names. */
export interface ConnectorFactoryOptions {
  credentials: Record<string, string>;
  /** Override the API base URL (emulator, sandbox org, private cloud). */
  baseUrl?: string;
  /** Override the OAuth token endpoint. */
  tokenUrl?: string;
  /** A local folder for file sources (EDI, XML exports), given by a local operator (CLI --path); the API never sets it. */
  path?: string;
  logger?: Logger;
  /** The fetch every request of this connector goes through: the control plane's dispatcher, bound to the migration's endpoint policy. */
  fetch?: typeof fetch;
}

export type ConnectorFactory = (options: ConnectorFactoryOptions) => SourceConnector | Promise<SourceConnector>;

/** `bench --source <vendor>`: extraction against the vendor's emulator with its real rate limits on. */
export type RateBench = (records: number, seconds: number | undefined) => Promise<RateBenchResult>;
