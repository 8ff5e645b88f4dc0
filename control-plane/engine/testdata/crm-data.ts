/** A small, deterministic CRM dataset with every kind of relationship the engine must keep. */
import type { SourceRecord } from '../../../shared/record-batch.ts';

const pad = (n: number, w = 12) => String(n).padStart(w, '0');
export const accId = (i: number) => `001${pad(i)}`;
export const conId = (i: number) => `003${pad(i)}`;
export const oppId = (i: number) => `006${pad(i)}`;
const ts = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();

export const testUsers = [
  { email: 'admin@acme.test', name: 'Admin' },
  { email: 'ann@acme.test', name: 'Ann' },
  { email: 'bob@acme.test', name: 'Bob' },
];

export function crmData(n: number): Record<string, SourceRecord[]> {
  const stages = ['Prospecting', 'Qualification', 'Proposal/Price Quote', 'Negotiation', 'Closed Won', 'Closed Lost'];
  return {
    User: [
      { sourceId: 'U1', fields: { Email: 'Ann@acme.test', Name: 'Ann' } },
      { sourceId: 'U2', fields: { Email: 'bob@acme.test', Name: 'Bob' } },
      { sourceId: 'U3', fields: { Email: 'carol@elsewhere.test', Name: 'Carol' } },
    ],
    // Children before parents in source order: account i's parent is i + 1 (self-reference across batches).
    Account: Array.from({ length: n }, (_, i) => ({
      sourceId: accId(i),
      fields: {
        Name: `Account ${i}`, Type: ['Customer', 'Prospect', 'Partner', 'Reseller'][i % 4]!, AnnualRevenue: String(1000 * i + 0.5),
        NumberOfEmployees: i % 7, Website: `https://a${i}.example`, BillingStreet: `${i} Main St`, BillingCity: 'Springfield', BillingCountry: 'US',
        ParentId: i % 3 === 0 && i + 1 < n ? accId(i + 1) : null, OwnerId: ['U1', 'U2', 'U3'][i % 3]!, Region__c: `R${i % 5}`,
        CreatedDate: ts(i), LastModifiedDate: ts(i + 1), attributes: { type: 'Account' },
      },
    })),
    Contact: Array.from({ length: 2 * n }, (_, i) => ({
      sourceId: conId(i),
      fields: {
        FirstName: `First${i}`, LastName: `Last${i}`, Email: `c${i}@example.com`, AccountId: accId(i % n),
        ReportsToId: i > 0 && i % 4 === 0 ? conId(i - 1) : null, OwnerId: 'U1', CreatedDate: ts(i), LastModifiedDate: ts(i + 2),
      },
    })),
    Opportunity: Array.from({ length: n }, (_, i) => ({
      sourceId: oppId(i),
      fields: {
        Name: `Deal ${i}`, AccountId: accId((i * 7) % n), StageName: stages[i % stages.length]!, Amount: `${i * 10}.25`,
        CloseDate: '2024-06-30', Probability: (i * 13) % 101, OwnerId: 'U2', CreatedDate: ts(i), LastModifiedDate: ts(i + 3),
      },
    })),
    Task: Array.from({ length: n }, (_, i) => ({
      sourceId: `00T${pad(i)}`,
      fields: {
        Subject: `Call ${i}`, ActivityDate: '2024-02-01', WhoId: conId(i), WhatId: i % 2 ? accId(i) : oppId(i), OwnerId: 'U9',
        CreatedDate: ts(i), LastModifiedDate: ts(i),
      },
    })),
  };
}
