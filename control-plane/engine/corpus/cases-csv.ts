/** CSV corpus cases (the CsvConnector over a folder, as `--source csv` reads it). */
import type { CorpusCase, Row } from './types.ts';

export const acct = (id: string, over: Row = {}): Row => ({ id, name: `Account ${id}`, code: `C-${id}`, revenue: '1000.50', employees: '12', web: 'https://example.com', created: '2024-01-02T03:04:05Z', ...over });
export const person = (id: string, acctId: string | null, over: Row = {}): Row => ({ id, last: `Last ${id}`, email: `${id}@example.com`, acct_id: acctId, ...over });

export const csvCases: CorpusCase[] = [
  { name: 'clean accounts and contacts', via: 'csv', rows: { acct: [acct('a1'), acct('a2')], person: [person('p1', 'a1'), person('p2', 'a2'), person('p3', null)] } },
  { name: 'impossible time 2024-06-01T25:00:00Z', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { created: '2024-06-01T25:00:00Z' })] }, quarantined: [['acct', 'a2', /created.*impossible timestamp/i]] },
];
