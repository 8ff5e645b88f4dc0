/**
 * The one outbound HTTP dispatcher of the control plane. Every request names the policy it is
 * sent under; the dispatcher refuses what the policy does not allow, follows no redirects and
 * counts what it sent (tests read `sent()`). It lives in shared/ so connectors use it too: the control
 * plane hands each connector a fetch bound to its migration's policy (`fetchFor`), and a connector built
 * without one (CLI, bench, tests) sends through `processOutbound` under the vendor policy.
 *  - vendor: only the vendor's documented hosts, plus origins an admin has overridden;
 *  - webhook: public addresses only, unless the server setting allows private ones
 *    (NEXUS_WEBHOOK_ALLOW_PRIVATE=1 for all, or a list of addresses/IPv4 CIDRs, e.g. 10.1.2.3,192.168.0.0/16).
 *    The name is resolved again for each request, every answer is checked, and the connection goes to
 *    the checked address (pinned-request.ts), so a name that re-binds between check and connect cannot
 *    redirect the request to a private address.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { pinnedRequest, type Resolve } from './pinned-request.ts';
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

/** Private webhook targets allowed: all (true), none (false), or these addresses and IPv4 CIDRs. */
export type PrivateAllowance = boolean | readonly string[];

/** NEXUS_WEBHOOK_ALLOW_PRIVATE: "1" allows every private address; a comma list allows those; else none. */
export function parsePrivateAllowance(v: string | undefined): PrivateAllowance {
  if (!v || v === '0') return false;
  if (v === '1' || v === 'true') return true;
  return v.split(',').map((x) => x.trim()).filter(Boolean);
}

function ipv4ToInt(a: string): number {
  return a.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

/** True when `addr` is one of the allowed addresses or inside an allowed IPv4 CIDR. */
export function inAllowance(addr: string, allowed: readonly string[]): boolean {
  const a = addr.toLowerCase().replace(/^\[|\]$/g, '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
  return allowed.some((entry) => {
    const [net, bits] = entry.toLowerCase().split('/') as [string, string | undefined];
    if (bits === undefined) return net === a;
    if (isIP(net) !== 4 || isIP(a) !== 4) return false;
    const n = Number(bits);
    if (!Number.isInteger(n) || n < 0 || n > 32) return false;
    const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
    return ((ipv4ToInt(a) & mask) >>> 0) === ((ipv4ToInt(net) & mask) >>> 0);
  });
}

const systemResolve: Resolve = async (host) => (await lookup(host, { all: true, verbatim: true }).catch(() => [])).map((a) => a.address);

export interface DispatcherOptions {
  allowPrivateWebhooks?: PrivateAllowance;
  fetchImpl?: typeof fetch;
  /** How webhook host names are resolved (default: the system resolver); tests inject answers. */
  resolve?: Resolve;
}

export class OutboundDispatcher {
  private readonly log: { url: string; policy: OutboundPolicy['kind'] }[] = [];
  private refusedCount = 0;
  private readonly allowPrivate: PrivateAllowance;
  private readonly fetchImpl: typeof fetch;
  private readonly resolve: Resolve;

  constructor(opts: DispatcherOptions = {}) {
    this.allowPrivate = opts.allowPrivateWebhooks ?? parsePrivateAllowance(process.env.NEXUS_WEBHOOK_ALLOW_PRIVATE);
    this.fetchImpl = opts.fetchImpl ?? fetch;
    this.resolve = opts.resolve ?? systemResolve;
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
    if (policy.kind === 'webhook' && this.allowPrivate !== true) {
      // Resolve, check and connect in one step: the socket connects to the address that was checked.
      const target = new URL(url);
      // An address literal was checked already and is connected to without a lookup.
      if (isIP(target.hostname.replace(/^\[|\]$/g, ''))) this.log.push({ url, policy: policy.kind });
      try {
        return await pinnedRequest(target, { ...init, redirect: 'manual' }, this.resolve, (_host, addrs) => {
          const address = this.checkAddresses(addrs);
          this.log.push({ url, policy: policy.kind });
          return address;
        });
      } catch (err) {
        if (err instanceof OutboundRefusedError) this.refusedCount++;
        throw err;
      }
    }
    this.log.push({ url, policy: policy.kind });
    return this.fetchImpl(input, { ...init, redirect: 'manual' });
  }

  /** The address to connect to, when every answer is allowed. */
  private checkAddresses(addrs: string[]): string {
    if (addrs.length === 0) throw new OutboundRefusedError('outbound request refused: name does not resolve');
    const allowed = Array.isArray(this.allowPrivate) ? this.allowPrivate : [];
    if (addrs.some((a) => isPrivateAddress(a) && !inAllowance(a, allowed))) throw new OutboundRefusedError('outbound request refused: private address');
    return addrs[0]!;
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
    if (this.allowPrivate === true) return;
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost')) throw new OutboundRefusedError('outbound request refused: private address');
    // An address literal is checked here (no lookup happens for it); a name is checked at connect time.
    if (isIP(host)) this.checkAddresses([host]);
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
