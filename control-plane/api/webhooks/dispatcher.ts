/**
 * Alert delivery (spec 2.6.3): on completion, failure or a critical error, POST a signed JSON
 * payload to each of the tenant's webhooks subscribed to the event (a hook subscribed to
 * migration.completed also receives migration.completed_with_issues). Run payloads carry `outcome`
 * (completed | completed_with_issues | failed) and `outcomeReason`. Network errors, 5xx and 429
 * are retried with exponential backoff and jitter (Retry-After honoured); other 4xx fail at once.
 * Each delivery is recorded in api_webhook_deliveries.
 */
import { errorMessage } from '../http.ts';
import { OutboundDispatcher, OutboundRefusedError, type PrivateAllowance } from '../../net/outbound.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../../shared/log/logger.ts';
import { withTenant, type Db } from '../db.ts';
import type { CredentialStore } from '../credentials/store.ts';
import { signPayload } from './sign.ts';

export const WEBHOOK_EVENTS = ['migration.completed', 'migration.completed_with_issues', 'migration.failed', 'migration.critical', 'dry_run.completed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface DispatcherOptions {
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Private webhook targets: all (true), none, or these addresses/IPv4 CIDRs (default: NEXUS_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate?: PrivateAllowance;
  /** The outbound dispatcher every request goes through (one per server). */
  outbound?: OutboundDispatcher;
}

export class WebhookDispatcher {
  private readonly inflight = new Set<Promise<void>>();
  private readonly opts: Required<Omit<DispatcherOptions, 'allowPrivate' | 'outbound'>>;
  private readonly outbound: OutboundDispatcher;

  constructor(private readonly db: Db, private readonly creds: CredentialStore, private readonly log: Logger, opts: DispatcherOptions = {}) {
    this.opts = { maxAttempts: opts.maxAttempts ?? 6, baseDelayMs: opts.baseDelayMs ?? 1000, maxDelayMs: opts.maxDelayMs ?? 60_000, timeoutMs: opts.timeoutMs ?? 10_000 };
    this.outbound = opts.outbound ?? new OutboundDispatcher({ allowPrivateWebhooks: opts.allowPrivate });
  }

  /** Queue deliveries of one event; returns at once. `idle()` waits for everything queued. */
  emit(tenantId: string, event: WebhookEvent, data: Record<string, unknown>): void {
    const p = this.dispatch(tenantId, event, data)
      .catch((err: unknown) => this.log.error('webhook dispatch failed', { tenantId, event, error: errorMessage(err) }))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private async dispatch(tenantId: string, event: WebhookEvent, data: Record<string, unknown>): Promise<void> {
    const hooks = await withTenant(this.db, tenantId, async (c) => {
      const { rows } = await c.query<{ id: string; url: string }>(
        // A hook subscribed to migration.completed also hears completed_with_issues (under that name), so no one misses it.
        `SELECT id, url FROM api_webhooks WHERE enabled AND ($1 = ANY(events) OR ($1 = 'migration.completed_with_issues' AND 'migration.completed' = ANY(events)))
          ORDER BY created_at`,
        [event],
      );
      const out: { id: string; url: string; secret: string; deliveryId: string; rowId: string }[] = [];
      for (const h of rows) {
        const secret = (await this.creds.get(c, { tenantId, ownerKind: 'webhook', ownerId: h.id })).signingSecret;
        if (!secret) continue;
        const deliveryId = randomUUID();
        const ins = await c.query<{ id: string }>(
          `INSERT INTO api_webhook_deliveries (tenant_id, webhook_id, event, delivery_id, status) VALUES ($1, $2, $3, $4, 'pending') RETURNING id`,
          [tenantId, h.id, event, deliveryId],
        );
        out.push({ ...h, secret, deliveryId, rowId: ins.rows[0]!.id });
      }
      return out;
    });
    await Promise.all(hooks.map((h) => this.deliver(tenantId, event, data, h)));
  }

  private async deliver(tenantId: string, event: WebhookEvent, data: Record<string, unknown>,
    h: { id: string; url: string; secret: string; deliveryId: string; rowId: string }): Promise<void> {
    const body = JSON.stringify({ id: h.deliveryId, event, tenantId, createdAt: new Date().toISOString(), data });
    let attempt = 0;
    let lastStatus: number | null = null;
    let lastError: string | null = null;
    let delivered = false;
    while (attempt < this.opts.maxAttempts && !delivered) {
      attempt++;
      let retryAfterMs: number | null = null;
      let retryable = true;
      try {
        const ts = Math.floor(Date.now() / 1000);
        const res = await this.outbound.send({ kind: 'webhook' }, h.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'nexus-migrate-webhooks/1',
            'x-nexus-event': event,
            'x-nexus-delivery': h.deliveryId,
            'x-nexus-signature': signPayload(h.secret, ts, body),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.opts.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        lastStatus = res.status;
        if (res.status >= 200 && res.status < 300) delivered = true;
        else {
          lastError = "delivery failed: the endpoint did not accept it";
          retryable = res.status >= 500 || res.status === 429 || res.status === 408;
          const header = res.headers.get('retry-after');
          const ra = header === null ? NaN : Number(header);
          if (Number.isFinite(ra) && ra >= 0) retryAfterMs = ra * 1000;
        }
      } catch (err) {
        // The API shows a generic reason only: never the resolved address, the remote status text or body.
        if (err instanceof OutboundRefusedError) { lastError = 'delivery refused: target address not allowed'; retryable = false; }
        else lastError = 'delivery failed: no response';
        this.log.warn('webhook delivery error', { error: errorMessage(err) });
      }
      if (delivered || !retryable || attempt >= this.opts.maxAttempts) {
        if (!retryable) break;
        continue;
      }
      const backoff = Math.min(this.opts.maxDelayMs, this.opts.baseDelayMs * 2 ** (attempt - 1));
      const delay = retryAfterMs ?? backoff / 2 + Math.random() * (backoff / 2);
      await new Promise((r) => setTimeout(r, Math.min(delay, this.opts.maxDelayMs)));
    }
    await withTenant(this.db, tenantId, (c) =>
      c.query(
        `UPDATE api_webhook_deliveries SET status = $2, attempts = $3, last_status = $4, last_error = $5, finished_at = now() WHERE id = $1`,
        [h.rowId, delivered ? 'delivered' : 'failed', attempt, lastStatus, delivered ? null : lastError],
      ),
    );
    if (!delivered) this.log.warn('webhook delivery failed', { tenantId, event, webhookId: h.id, attempts: attempt, lastError });
  }
}
