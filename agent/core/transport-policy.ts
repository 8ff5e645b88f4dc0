/** Which control-plane URLs the agent may dial: plain ws:// only to loopback; anything else is wss://. */
import { isIP } from 'node:net';

export class InsecureTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InsecureTransportError';
  }
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

/**
 * Throws unless the URL is wss:// (certificate verified, or pinned by fingerprint in the link), or ws:// to
 * a loopback address. The error names the URL so the operator can correct it.
 */
export function assertSecureTransport(url: string): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new InsecureTransportError(`control plane URL ${url} is not a valid URL`);
  }
  if (target.protocol === 'wss:') return target;
  if (target.protocol === 'ws:' && isLoopbackHost(target.hostname)) return target;
  if (target.protocol === 'ws:') {
    throw new InsecureTransportError(`refusing plain ws:// to ${url}: only loopback may use ws://; use wss:// (certificate verified or a pinned fingerprint)`);
  }
  throw new InsecureTransportError(`control plane URL ${url} must use wss:// (or ws:// to loopback)`);
}
