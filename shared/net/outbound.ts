/**
 * The one outbound HTTP dispatcher of the control plane. Every request names the policy it is
 * sent under; the dispatcher refuses what the policy does not allow, follows no redirects and
 * counts what it sent (tests read `sent()`). It lives in shared/ so connectors use it too: the control
 * plane hands each connector a fetch bound to its migration's policy (`fetchFor`), and a connector built
 * without one (CLI, bench, tests) sends through `processOutbound` under the vendor policy.
 *  - vendor: only the vendor's documented hosts, plus origins an admin has overridden;
 *  - webhook: public addresses only (every resolved address checked before each request),
 *    unless the server setting allowPrivate (NEXUS_WEBHOOK_ALLOW_PRIVATE=1) is on.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isVendorEndpoint } from './vendor-hosts.ts';

export type OutboundPolicy =
  | { kind: 'vendor'; vendor: string; overrideOrigins?: readonly string[] }
  | { kind: 'webhook' };

export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
}

/** Loopback, link-local, private, CGNAT, unique-local v6, unspecified, and v4-mapped forms of these. */
export function isPrivateAddress(addr: string): boolean {
  let a = addr.toLowerCase();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) a = mapped[1]!;
  if (isIP(a) === 4) {
    const [x, y] = a.split('.').map(Number) as [number, number];
    return x === 0 || x === 10 || x === 127 || (x === 169 && y === 254) || (x === 172 && y >= 16 && y <= 31)
      || (x === 192 && y === 168) || (x === 100 && y >= 64 && y <= 127) || x >= 224;
  }
  if (isIP(a) === 6) {
    return a === '::' || a === '::1' || /^f[cd]/.test(a) || /^fe[89ab]/.test(a) || a.startsWith('::ffff:');
  }
  return true;
}

export interface DispatcherOptions { allowPrivateWebhooks?: boolean; fetchImpl?: typeof fetch }

export class OutboundDispatcher {
  private readonly log: { url: string; policy: OutboundPolicy['kind'] }[] = [];
  private refusedCount = 0;
  private readonly allowPrivate: boolean;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: DispatcherOptions = {}) {
    this.allowPrivate = opts.allowPrivateWebhooks ?? process.env.NEXUS_WEBHOOK_ALLOW_PRIVATE === '1';
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** What was sent, in order (method-less: URL and policy). */
  sent(): readonly { url: string; policy: OutboundPolicy['kind'] }[] { return this.log; }
  refused(): number { return this.refusedCount; }

  /** A fetch bound to one policy, to hand to a connector. */
  fetchFor(policy: OutboundPolicy): typeof fetch {
    return ((input: string | URL | Request, init?: RequestInit) => this.send(policy, input, init)) as typeof fetch;
  }

  async send(policy: OutboundPolicy, input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    try {
      await this.check(policy, url);
    } catch (err) {
      this.refusedCount++;
      throw err;
    }
    this.log.push({ url, policy: policy.kind });
    return this.fetchImpl(input, { ...init, redirect: 'manual' });
  }

  private async check(policy: OutboundPolicy, raw: string): Promise<void> {
    let u: URL;
    try { u = new URL(raw); } catch { throw new OutboundRefusedError('outbound request refused: not a URL'); }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new OutboundRefusedError('outbound request refused: scheme');
    if (policy.kind === 'vendor') {
      if (isVendorEndpoint(policy.vendor, raw)) return;
      if ((policy.overrideOrigins ?? []).includes(u.origin)) return;
      throw new OutboundRefusedError(`outbound request refused: ${u.hostname} is not a documented ${policy.vendor} host`);
    }
    if (this.allowPrivate) return;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) throw new OutboundRefusedError('outbound request refused: private address');
    const addrs = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);
    if (addrs.length === 0) throw new OutboundRefusedError('outbound request refused: name does not resolve');
    if (addrs.some(isPrivateAddress)) throw new OutboundRefusedError('outbound request refused: private address');
  }
}

/** The origin of a URL, or undefined when it is not one. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

/** The process's dispatcher: what a connector sends through when it was given no fetch of its own. */
export const processOutbound = new OutboundDispatcher();

/**
 * The fetch a connector uses: the one it was handed (the control plane's, bound to the migration's
 * policy), else the process dispatcher under the vendor policy, trusting only the endpoints the
 * caller named explicitly (CLI flags, an emulator's URL) beyond the vendor's documented hosts.
 */
export function vendorFetch(vendor: string, opts: { fetch?: typeof fetch; endpoints?: readonly (string | undefined)[] }): typeof fetch {
  if (opts.fetch) return opts.fetch;
  const overrideOrigins = [...new Set((opts.endpoints ?? []).map(originOf).filter((o): o is string => !!o))];
  return processOutbound.fetchFor({ kind: 'vendor', vendor, overrideOrigins });
}
