/**
 * Every connector request goes through the one outbound dispatcher (shared/net/outbound.ts), even
 * when the connector was built without a fetch of its own: counted, and a link to another host refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { processOutbound } from '../../shared/net/outbound.ts';
import { createConnector as createHubSpot } from '../hubspot/index.ts';
import { createAuthenticator } from './auth.ts';
import { defineConnector } from './definition.ts';
import { ConnectorConfigError } from './errors.ts';
import { HttpClient } from './http-client.ts';
import { CredentialRateLimiter } from './rate-limiter.ts';
import { fastClock, startScriptedServer, type ScriptedServer } from './testing.ts';

const servers: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('connector HTTP through the outbound dispatcher', () => {
  it('given a next-page link to another host, then the dispatcher refuses it, that host gets nothing, and the requests sent are counted', async () => {
    const vendor = await startScriptedServer(() => ({ body: { items: [] } }));
    const other = await startScriptedServer(() => ({ body: { items: [] } }));
    servers.push(vendor, other);
    const def = defineConnector({
      sourceSystem: 'acme', label: 'Acme', baseUrl: `${vendor.url}/api`, auth: { type: 'bearer', tokenField: 'token' },
      streams: [{ name: 'things', path: '/things', recordSelector: 'items' }], retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const clock = fastClock();
    const http = new HttpClient({ definition: def, auth: createAuthenticator(def.auth, { vendor: 'acme', credentials: { token: 'tok-secret-1' }, clock }), limiter: new CredentialRateLimiter(def.rateLimits, clock), clock });
    const sentBefore = processOutbound.sent().length;
    const refusedBefore = processOutbound.refused();
    await http.request({ path: '/things' });
    const err = await http.request({ path: `${other.url}/steal` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorConfigError);
    expect((err as Error).message).toContain('not a documented acme host');
    expect(other.requests).toHaveLength(0);
    expect(processOutbound.sent().slice(sentBefore).map((s) => new URL(s.url).origin)).toEqual([vendor.url]);
    expect(processOutbound.refused() - refusedBefore).toBe(1); // not retried
  });

  it('given a real connector with no endpoint named, then it may only reach the vendor\'s documented hosts', async () => {
    const local = await startScriptedServer(() => ({ body: { results: [] } }));
    servers.push(local);
    // HubSpot with a page link pointing at a local server: the documented host is api.hubapi.com, the local one is refused.
    const source = createHubSpot({ credentials: { accessToken: 'pat-na1-x' } });
    const refusedBefore = processOutbound.refused();
    const err = await source.http.request({ path: `${local.url}/crm/v3/objects/companies` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorConfigError);
    expect(local.requests).toHaveLength(0);
    expect(processOutbound.refused() - refusedBefore).toBe(1);
    await source.close();
  });
});
