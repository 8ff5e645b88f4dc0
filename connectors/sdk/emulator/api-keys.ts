/** API keys in a header or query parameter (e.g. `X-Api-Key`, `?hapikey=`). */
import type { IncomingMessage } from 'node:http';

export interface ApiKeyConfig {
  keys: readonly string[];
  header?: string;
  queryParam?: string;
}

export function apiKeyFrom(req: IncomingMessage, url: URL, cfg: ApiKeyConfig): { ok: true; key: string } | { ok: false; reason: 'missing' | 'unknown' } {
  const fromHeader = cfg.header ? req.headers[cfg.header.toLowerCase()] : undefined;
  const key = (typeof fromHeader === 'string' ? fromHeader : undefined) ?? (cfg.queryParam ? url.searchParams.get(cfg.queryParam) ?? undefined : undefined);
  if (!key) return { ok: false, reason: 'missing' };
  return cfg.keys.includes(key) ? { ok: true, key } : { ok: false, reason: 'unknown' };
}
