/**
 * The vendors' documented API and login hosts. Stored credentials may only be sent to these
 * (or to an endpoint an admin has overridden). Patterns: exact host, or "*." + suffix (any subdomain).
 */
export const VENDOR_HOSTS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  // login/test (production/sandbox login), My Domain (*.my.salesforce.com, incl. *.sandbox.my.salesforce.com).
  salesforce: ['login.salesforce.com', 'test.salesforce.com', '*.my.salesforce.com'],
  // Dataverse orgs: *.crm.dynamics.com and the regional crmN hosts; Entra ID token endpoint.
  // Sovereign clouds: GCC High (*.crm.microsoftdynamics.us), DoD (*.crm.appsplatform.us), China (*.crm.dynamics.cn)
  // with their Entra ID token endpoints.
  dynamics: ['*.crm.dynamics.com', ...Array.from({ length: 21 }, (_, i) => `*.crm${i + 2}.dynamics.com`), 'login.microsoftonline.com',
    '*.crm.microsoftdynamics.us', '*.crm.appsplatform.us', 'login.microsoftonline.us', '*.crm.dynamics.cn', 'login.partner.microsoftonline.cn'],
  hubspot: ['api.hubapi.com', 'api-eu1.hubapi.com'],
  // ShipStation V1 (ssapi) and V2 (api.shipstation.com).
  shipstation: ['ssapi.shipstation.com', 'api.shipstation.com'],
  // Pipedrive: the API host and the company domains ({company}.pipedrive.com) OAuth apps are given.
  pipedrive: ['api.pipedrive.com', 'oauth.pipedrive.com', '*.pipedrive.com'],
  // Zoho CRM per data centre: the accounts server (OAuth) and the API domain the token response names
  // (US, EU, IN, AU, JP, CA, SA, UK, CN).
  zoho: ['com', 'eu', 'in', 'com.au', 'jp', 'sa', 'uk', 'com.cn'].flatMap((tld) => [`accounts.zoho.${tld}`, `www.zohoapis.${tld}`])
    .concat(['accounts.zohocloud.ca', 'www.zohoapis.ca']),
});

function matches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/** True when `url` is https at one of the vendor's documented hosts. */
export function isVendorEndpoint(vendor: string, url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (u.protocol !== 'https:' || u.username || u.password || (u.port && u.port !== '443')) return false;
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  return (VENDOR_HOSTS[vendor] ?? []).some((p) => matches(p, host));
}
