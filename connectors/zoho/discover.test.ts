import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiterRegistry } from '../sdk/index.ts';
import { startEmulator, type ZohoEmulatorHandle } from './emulator/index.ts';
import { createConnector } from './index.ts';

let em: ZohoEmulatorHandle | undefined;
afterEach(async () => {
  await em?.close();
  em = undefined;
});

describe('Zoho discovery', () => {
  it('given the sandbox org, then discovery lists each module with custom fields, picklists, lookup targets and the derived lookup fields', async () => {
    em = await startEmulator({ records: 2, seed: 1 });
    const c = createConnector({ credentials: em.credentials, baseUrl: em.url, tokenUrl: em.tokenUrl, rateLimiters: new RateLimiterRegistry() });
    const schema = await c.discover();
    await c.close();
    expect(schema.streams.map((s) => s.entity)).toEqual(['Accounts', 'Contacts', 'Leads', 'Deals', 'Tasks', 'users']);
    const field = (entity: string, name: string) => schema.streams.find((s) => s.entity === entity)!.fields.find((f) => f.name === name);
    expect(field('Accounts', 'Customer_Tier')).toMatchObject({ type: 'string', custom: true, picklistValues: ['Gold', 'Silver', 'Bronze'] });
    expect(field('Accounts', 'Trade_Lanes')).toMatchObject({ type: 'json', custom: true });
    expect(field('Accounts', 'Modified_Time')).toMatchObject({ type: 'datetimetz' });
    expect(field('Contacts', 'Account_Name')).toMatchObject({ references: ['Accounts'] });
    expect(field('Contacts', 'Owner__email')).toMatchObject({ sourceType: 'derived' });
    expect(field('Tasks', 'What_Id__Deals')).toMatchObject({ sourceType: 'derived' });
    expect(field('Deals', 'Stage')!.picklistValues).toContain('Closed Won');
    expect(schema.streams.find((s) => s.entity === 'Accounts')).toMatchObject({ cursorField: 'Modified_Time', supportsIncremental: true, supportsDeletes: true });
  });
});
