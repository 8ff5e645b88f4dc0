import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, OutboundDispatcher, OutboundRefusedError } from './outbound.ts';
import { isVendorEndpoint } from './vendor-hosts.ts';

let server: Server;
let origin = '';
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/redirect') { res.writeHead(302, { location: `${origin}/target` }); res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('vendor hosts', () => {
  it.each([
    ['salesforce', 'https://login.salesforce.com/services/oauth2/token', true],
    ['salesforce', 'https://test.salesforce.com/services/oauth2/token', true],
    ['salesforce', 'https://acme.my.salesforce.com/services/data', true],
    ['salesforce', 'https://acme--uat.sandbox.my.salesforce.com/x', true],
    ['salesforce', 'https://my.salesforce.com.evil.example/x', false],
    ['salesforce', 'http://login.salesforce.com/x', false],
    ['salesforce', 'https://login.salesforce.com:8443/x', false],
    ['salesforce', 'https://user:pw@login.salesforce.com/x', false],
    ['dynamics', 'https://org.crm.dynamics.com/api/data/v9.2', true],
    ['dynamics', 'https://org.crm4.dynamics.com/api/data/v9.2', true],
    ['dynamics', 'https://login.microsoftonline.com/t/oauth2/v2.0/token', true],
    ['dynamics', 'https://crm.dynamics.com.attacker.io/x', false],
    ['dynamics', 'https://org.crm9.dynamics.com/api/data/v9.2', true],
    ['dynamics', 'https://org.crm.microsoftdynamics.us/api/data/v9.2', true],
    ['dynamics', 'https://login.microsoftonline.us/t/oauth2/v2.0/token', true],
    ['dynamics', 'https://org.crm.dynamics.cn/api/data/v9.2', true],
    ['hubspot', 'https://api-eu1.hubapi.com/crm/v3/objects/contacts', true],
    ['hubspot', 'https://api.hubapi.com/crm/v3/objects/contacts', true],
    ['hubspot', 'https://api.hubapi.com.evil/x', false],
    ['hubspot', 'https://login.salesforce.com/x', false],
    ['csv', 'https://api.hubapi.com/x', false],
  ])('given %s and %s, then allowed is %s', (vendor, url, ok) => {
    expect(isVendorEndpoint(vendor, url)).toBe(ok);
  });
});

describe('private addresses', () => {
  it.each([
    ['127.0.0.1', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.32.0.1', false], ['192.168.1.1', true],
    ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['::1', true], ['[::1]', true], ['fd00::1', true],
    ['fe80::1', true], ['::ffff:127.0.0.1', true], ['::ffff:10.0.0.1', true], ['8.8.8.8', false], ['2606:4700::1111', false],
  ])('given %s, then private is %s', (addr, priv) => {
    expect(isPrivateAddress(addr)).toBe(priv);
  });
});

describe('OutboundDispatcher', () => {
  it('given a vendor policy and a non-vendor host, then nothing is sent and the refusal is counted', async () => {
    const d = new OutboundDispatcher({ allowPrivateWebhooks: false });
    const before = hits.length;
    await expect(d.fetchFor({ kind: 'vendor', vendor: 'salesforce' })(`${origin}/token`, { headers: { authorization: 'Bearer s3cret' } }))
      .rejects.toBeInstanceOf(OutboundRefusedError);
    expect(hits.length).toBe(before);
    expect(d.sent()).toHaveLength(0);
    expect(d.refused()).toBe(1);
  });

  it('given an admin override origin, then the request is sent and counted', async () => {
    const d = new OutboundDispatcher({ allowPrivateWebhooks: false });
    const res = await d.fetchFor({ kind: 'vendor', vendor: 'hubspot', overrideOrigins: [origin] })(`${origin}/crm`);
    expect(res.status).toBe(200);
    expect(d.sent()).toEqual([{ url: `${origin}/crm`, policy: 'vendor' }]);
    expect(hits.at(-1)).toBe('/crm');
  });

  it.each(['http://localhost:1/x', 'http://[::1]:1/x', 'http://169.254.169.254/latest/meta-data', 'http://10.0.0.1/x',
    'http://[::ffff:127.0.0.1]:1/x', 'http://[fd00::1]/x', 'http://127.0.0.1:1/x', 'file:///etc/passwd'])(
    'given a webhook to %s without the private setting, then it is refused before any connection', async (url) => {
      const d = new OutboundDispatcher({ allowPrivateWebhooks: false });
      await expect(d.send({ kind: 'webhook' }, url)).rejects.toBeInstanceOf(OutboundRefusedError);
      expect(d.sent()).toHaveLength(0);
    });

  it('given the private setting and a redirecting sink, then the redirect is not followed', async () => {
    const d = new OutboundDispatcher({ allowPrivateWebhooks: true });
    const before = hits.length;
    const res = await d.send({ kind: 'webhook' }, `${origin}/redirect`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(302);
    expect(hits.slice(before)).toEqual(['/redirect']);
    expect(d.sent()).toHaveLength(1);
  });
});
