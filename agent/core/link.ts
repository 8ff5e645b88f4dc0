/**
 * The agent's one network connection: an outbound WebSocket to the control plane. wss with
 * certificate verification (optionally a private CA, optionally a pinned fingerprint), an HTTP
 * proxy when configured, ping/pong dead-peer detection, and reconnection with exponential
 * backoff and full jitter. The agent never listens for inbound connections.
 */
import { assertSecureTransport } from './transport-policy.ts';
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import WebSocket from 'ws';
import type { Logger } from '../../shared/log/logger.ts';
import { decodeServerFrame, encodeFrame } from '../../shared/protocol/codec.ts';
import { CloseCode, type AgentMsg, type ServerMsg } from '../../shared/protocol/messages.ts';
import { fullJitterDelay, sleep } from './backoff.ts';
import type { AgentConfig } from './config.ts';

export interface LinkHandlers {
  /** Answer the server's challenge with an auth or enroll message. */
  authenticate(nonce: string): AgentMsg;
  onWelcome(msg: Extract<ServerMsg, { t: 'welcome' }>): void;
  onMessage(msg: ServerMsg): void;
  /** The server refused us; return true to stop reconnecting. */
  onRefused(msg: Extract<ServerMsg, { t: 'refused' }>): boolean;
  onDisconnected(): void;
  /** Frame tap for diagnostics. */
  onFrameOut?(data: Buffer): void;
}

export class CertificatePinError extends Error {
  override readonly name = 'CertificatePinError';
}

/**
 * The proxy URL to use for `target`: NO_PROXY always wins; an explicitly configured proxy is
 * used for everything else; HTTPS_PROXY / HTTP_PROXY from the environment skip loopback.
 */
export function proxyFor(target: URL, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (noProxy.some((p) => p === '*' || host === p || host.endsWith(p.startsWith('.') ? p : `.${p}`))) return undefined;
  if (explicit) return explicit;
  if (host === 'localhost' || host === '::1' || host.startsWith('127.')) return undefined;
  return target.protocol === 'wss:' ? env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy : env.HTTP_PROXY ?? env.http_proxy;
}

export class AgentLink {
  private ws: WebSocket | null = null;
  private stopped = false;
  private readonly stopCtl = new AbortController();
  private loop: Promise<void> | null = null;
  private authenticated = false;

  constructor(
    private readonly url: string,
    private readonly config: AgentConfig,
    private readonly handlers: LinkHandlers,
    private readonly logger: Logger,
  ) {
    assertSecureTransport(url);
  }

  get connected(): boolean {
    return this.authenticated && this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => this.logger.error('agent link loop crashed', { err }));
  }

  /** Send one message; false when the link is down (the caller keeps it spooled). */
  send(msg: AgentMsg): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    const data = encodeFrame(msg);
    this.handlers.onFrameOut?.(data);
    ws.send(data);
    return true;
  }

  /** Drop the current connection (it will reconnect); used by tests and by "reconnect now". */
  dropConnection(): void {
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopCtl.abort();
    this.ws?.close(CloseCode.shutdown, 'agent stopping');
    this.ws?.terminate();
    await this.loop;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const welcomed = await this.connectOnce().catch((err: unknown) => {
        this.logger.warn('control plane connection failed', { url: this.url, err });
        return { welcomed: false, stop: false };
      });
      if (welcomed.stop || this.stopped) break;
      attempt = welcomed.welcomed ? 0 : attempt + 1;
      const delay = fullJitterDelay(attempt, this.config.backoff.baseMs, this.config.backoff.maxMs);
      this.logger.info('reconnecting to control plane', { attempt, delayMs: delay });
      await sleep(delay, this.stopCtl.signal);
    }
  }

  private socketOptions(target: URL): WebSocket.ClientOptions {
    const opts: WebSocket.ClientOptions = { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024, handshakeTimeout: 15_000 };
    const proxy = proxyFor(target, this.config.proxy);
    if (proxy) opts.agent = new HttpsProxyAgent(proxy);
    if (target.protocol === 'wss:') {
      if (this.config.tls.caFile) opts.ca = readFileSync(this.config.tls.caFile);
      // A pinned fingerprint without a CA: the chain cannot verify (self-signed), the pin is the check.
      opts.rejectUnauthorized = !(this.config.tls.fingerprint256 && !this.config.tls.caFile);
    }
    return opts;
  }

  private connectOnce(): Promise<{ welcomed: boolean; stop: boolean }> {
    const target = new URL(this.url);
    const ws = new WebSocket(this.url, this.socketOptions(target));
    this.ws = ws;
    let welcomed = false;
    let stop = false;
    let pinned = target.protocol !== 'wss:' || !this.config.tls.fingerprint256;
    let alive = true;
    let heartbeat: NodeJS.Timeout | undefined;
    return new Promise((resolve, reject) => {
      ws.on('upgrade', (res) => {
        const pin = this.config.tls.fingerprint256;
        if (!pin || target.protocol !== 'wss:') return;
        const fp = (res.socket as TLSSocket).getPeerCertificate?.().fingerprint256;
        if (fp && fp.toUpperCase() === pin.toUpperCase()) pinned = true;
        else {
          this.logger.error('control plane certificate does not match the pinned fingerprint', { url: this.url, got: fp });
          ws.terminate();
        }
      });
      ws.on('open', () => {
        heartbeat = setInterval(() => {
          if (!alive) {
            this.logger.warn('control plane missed a heartbeat; reconnecting');
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, this.config.heartbeatMs);
      });
      ws.on('pong', () => (alive = true));
      ws.on('message', (data) => {
        alive = true;
        if (!pinned) return;
        let msg: ServerMsg;
        try {
          msg = decodeServerFrame(data);
        } catch (err) {
          this.logger.error('invalid frame from control plane', { err });
          ws.close(CloseCode.protocol, 'protocol error');
          return;
        }
        try {
          if (msg.t === 'challenge') this.send(this.handlers.authenticate(msg.nonce));
          else if (msg.t === 'welcome') {
            welcomed = true;
            this.authenticated = true;
            this.handlers.onWelcome(msg);
          } else if (msg.t === 'refused') {
            stop = this.handlers.onRefused(msg);
          } else this.handlers.onMessage(msg);
        } catch (err) {
          this.logger.error('agent failed to handle a control-plane message', { t: msg.t, err });
        }
      });
      ws.on('error', (err) => {
        if (!welcomed && ws.readyState !== WebSocket.OPEN) reject(err);
        else this.logger.warn('control plane socket error', { err });
      });
      ws.on('close', (code) => {
        clearInterval(heartbeat);
        const was = this.authenticated;
        this.authenticated = false;
        if (this.ws === ws) this.ws = null;
        if (code === CloseCode.revoked) stop = true;
        if (was) this.handlers.onDisconnected();
        resolve({ welcomed, stop });
      });
    });
  }
}
