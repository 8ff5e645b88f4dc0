/** CSV corpus cases (the CsvConnector over a folder, as `--source csv` reads it). */
import type { CorpusCase, Row } from './types.ts';

export const acct = (id: string, over: Row = {}): Row => ({ id, name: `Account ${id}`, code: `C-${id}`, revenue: '1000.50', employees: '12', web: 'https://example.com', created: '2024-01-02T03:04:05Z', ...over });
export const person = (id: string, acctId: string | null, over: Row = {}): Row => ({ id, last: `Last ${id}`, email: `${id}@example.com`, acct_id: acctId, ...over });
const header = 'id,name,code,revenue,employees,web,created';
const line = (id: string, name: string) => `${id},${name},C-${id},1000.50,12,https://example.com,2024-01-02T03:04:05Z`;
const csv = (...lines: string[]) => [header, ...lines].join('\n') + '\n';
const two = [acct('a1'), acct('a2')];

export const csvCases: CorpusCase[] = [
  { name: 'clean accounts and contacts', via: 'csv', rows: { acct: two, person: [person('p1', 'a1'), person('p2', 'a2'), person('p3', null)] } },
  { name: 'legitimate non-ASCII text (São Paulo, 東京, Zoë’s, emoji)', via: 'csv', rows: { acct: [acct('a1', { name: 'São Paulo Freight' }), acct('a2', { name: '東京 Logistics 🚚' }), acct('a3', { name: 'Zoë’s “Best” — Ωmega' })] } },
  { name: 'a quoted field holding a comma, a quote and a newline', via: 'csv', rows: { acct: [acct('a1', { name: 'Beta, "the" Inc.\nsecond line' }), acct('a2')] } },
  { name: 'SQL in values stored as text', via: 'csv', rows: { acct: [acct('a1', { name: "Robert'); DROP TABLE accounts; --" }), acct('a2')] } },
  { name: 'unmapped columns kept in metadata.source', via: 'csv', rows: { acct: [acct('a1', { notes: 'call back', region: 'EMEA' }), acct('a2', { notes: null, region: 'APAC' })] } },
  {
    name: 'a stray quote inside a quoted field (one quarantine row, no bogus duplicate)', via: 'csv', rows: { acct: [acct('a1'), acct('a3')] },
    csvText: { acct: { text: csv(line('a1', 'Account a1'), 'a2,"Bad "quote" here",C-a2,1,1,x,2024-01-02T03:04:05Z', line('a3', 'Account a3')), records: 3 } },
    quarantined: [['acct', 'acct.csv:line:3', /line 3, column 2 \(name\): characters after a closing quote/]],
  },
  {
    name: 'an unterminated quoted field at the end of the file', via: 'csv', rows: { acct: [acct('a1')] },
    csvText: { acct: { text: csv(line('a1', 'Account a1'), 'a2,"never closed,C-a2,1,1,x,2024-01-02T03:04:05Z'), records: 2 } },
    quarantined: [['acct', 'acct.csv:line:3', /line 3, column 2 \(name\): unterminated quoted field/]],
  },
  {
    name: 'a row with more cells than the header', via: 'csv', rows: { acct: [acct('a1'), acct('a3')] },
    csvText: { acct: { text: csv(line('a1', 'Account a1'), `${line('a2', 'Account a2')},extra`, line('a3', 'Account a3')), records: 3 } },
    quarantined: [['acct', 'acct.csv:line:3', /line 3: expected 7 columns.*found 8/]],
  },
  {
    name: 'CRLF line endings and a UTF-8 BOM', via: 'csv', rows: { acct: two },
    csvText: { acct: { text: `\uFEFF${header}\r\n${line('a1', 'Account a1')}\r\n${line('a2', 'Account a2')}\r\n`, records: 2 } },
  },
  {
    name: 'a semicolon-delimited file declared in the manifest', via: 'csv', rows: { acct: two }, manifest: { acct: { delimiter: ';' } },
    csvText: { acct: { text: csv(line('a1', 'Account a1'), line('a2', 'Account a2')).replace(/,/g, ';'), records: 2 } },
  },
  { name: 'impossible time 2024-06-01T25:00:00Z', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { created: '2024-06-01T25:00:00Z' })] }, quarantined: [['acct', 'a2', /created.*impossible timestamp/i]] },
  { name: 'impossible date February 30th', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { created: '2023-02-30T00:00:00Z' })] }, quarantined: [['acct', 'a2', /impossible timestamp/i]] },
  { name: 'minute 61 in a timestamp', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { created: '2024-06-01T10:61:00Z' })] }, quarantined: [['acct', 'a2', /impossible timestamp|not a timestamp/i]] },
  { name: 'a timestamp without a zone (no assumeZone)', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { created: '2024-06-01T10:00:00' })] }, quarantined: [['acct', 'a2', /no time zone/]] },
  {
    name: 'a timestamp without a zone with assumeZone Europe/Berlin declared', via: 'csv', rows: { acct: [acct('a1', { created: '2024-06-01T10:00:00' })] },
    mapping: { entities: { acct: { fields: { created_at: { from: 'created', type: 'timestamptz', assumeZone: 'Europe/Berlin' } } } } },
    expect: { 'acct/a1': { created_at: '2024-06-01T08:00:00Z' } },
  },
  { name: 'an empty id cell is a missing key (twice, never a "duplicate")', via: 'csv', rows: { acct: [acct('a1')] }, csvText: { acct: { text: csv(line('a1', 'Account a1'), line('', 'x'), line('', 'y')), records: 3 } }, quarantined: [['acct', 'acct.csv:line:3', /missing key: acct.csv line 3 has an empty id/], ['acct', 'acct.csv:line:4', /missing key: acct.csv line 4/]] },
  { name: 'a blank (spaces only) id is a missing key', via: 'csv', rows: { acct: [acct('a1'), acct('   ')] }, quarantined: [['acct', 'acct.csv:line:3', /missing key: acct.csv line 3 has an empty id/]] },
  { name: 'the text "null" as an id is an id, a NULL id is not', via: 'csv', rows: { acct: [acct('null'), acct('a2')] } },
  { name: 'ids padded with spaces are trimmed (default)', via: 'csv', rows: { acct: [acct(' a1 '), acct('a2')] } },
  {
    name: 'ids padded with spaces refused (idWhitespace: refuse)', via: 'csv', rows: { acct: [acct(' a1'), acct('a2')] },
    mapping: { entities: { acct: { idWhitespace: 'refuse' } } }, quarantined: [['acct', ' a1', /whitespace/i]],
  },
  {
    name: 'a padded id after the same id unpadded is its duplicate', via: 'csv', rows: { acct: [acct('a1'), acct('a1 ', { name: 'again' })] },
    quarantined: [['acct', 'a1', /duplicate source id "a1"/]],
  },
  { name: 'the same id twice in one file', via: 'csv', rows: { acct: [acct('a1'), acct('a2'), acct('a1', { name: 'dup' })] }, quarantined: [['acct', 'a1', /duplicate source id/]] },
  { name: 'US-grouped number "1,234.56" without a locale', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { revenue: '1,234.56' })] }, quarantined: [['acct', 'a2', /revenue "1,234.56" is not a number.*locale/]] },
  {
    name: 'German number "1.234,56" with locale de-DE declared', via: 'csv', rows: { acct: [acct('a1', { revenue: '1.234,56' }), acct('a2', { revenue: '-0,5' })] },
    mapping: { entities: { acct: { fields: { annual_revenue: { from: 'revenue', type: 'numeric', locale: 'de-DE' } } } } },
    expect: { 'acct/a1': { annual_revenue: '1234.56' }, 'acct/a2': { annual_revenue: '-0.5' } },
  },
  { name: 'a grouped integer "1,200" without a locale', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { employees: '1,200' })] }, quarantined: [['acct', 'a2', /not an integer.*locale/]] },
  { name: 'plain-digit forms: sign, exponent, decimal point', via: 'csv', rows: { acct: [acct('a1', { revenue: '+12.5' }), acct('a2', { revenue: '1.5e3' }), acct('a3', { revenue: '-0.25' })] } },
  { name: 'declared type integer on a text value', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { employees: 'twelve' })] }, quarantined: [['acct', 'a2', /employees "twelve" is not an integer/]] },
  { name: 'a fractional integer', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { employees: '3.5' })] }, quarantined: [['acct', 'a2', /not an integer/]] },
  { name: 'revenue overflowing numeric(18,2)', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { revenue: '1e30' })] }, quarantined: [['acct', 'a2', /overflows numeric\(18,2\)/]] },
  { name: 'a 300-character name (CHECK constraint names the field)', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: 'x'.repeat(300) })] }, quarantined: [['acct', 'a2', /name/]] },
  { name: 'a 200 KB name rejected by the database, field named', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: 'y'.repeat(200_000) })] }, quarantined: [['acct', 'a2', /name/]] },
  { name: 'negative employees (CHECK constraint names employee_count)', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { employees: '-5' })] }, quarantined: [['acct', 'a2', /employee_count|employees/]] },
  { name: 'a missing required name', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: null })] }, quarantined: [['acct', 'a2', /required name is missing/]] },
  { name: 'a NUL byte in text', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: 'a\u0000b' })] }, quarantined: [['acct', 'a2', /NUL/]] },
  { name: 'mojibake (UTF-8 read as Latin-1)', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: 'SociÃ©tÃ© GÃ©nÃ©rale' })] }, quarantined: [['acct', 'a2', /mojibake/]] },
  { name: 'U+FFFD replacement characters from a bad decode', via: 'csv', rows: { acct: [acct('a1'), acct('a2', { name: 'Caf\uFFFD' })] }, quarantined: [['acct', 'a2', /not valid UTF-8/]] },
  { name: 'a contact whose account is not in the source (orphan)', via: 'csv', rows: { acct: [acct('a1')], person: [person('p1', 'a1'), person('p2', 'a404')] }, quarantined: [['person', 'p2', /orphan/]] },
  {
    name: 'picklist values mapped (values:)', via: 'csv', rows: { acct: [acct('a1', { kind: 'Customer' }), acct('a2', { kind: 'Partner' })] },
    mapping: { entities: { acct: { fields: { account_type: { from: 'kind', values: { Customer: 'customer', Partner: 'partner' } } } } } },
    expect: { 'acct/a1': { account_type: 'customer' }, 'acct/a2': { account_type: 'partner' } },
  },
  {
    name: 'an unmapped picklist value under the quarantine policy', via: 'csv', rows: { acct: [acct('a1', { kind: 'Customer' }), acct('a2', { kind: 'Weird' })] },
    mapping: { entities: { acct: { fields: { account_type: { from: 'kind', values: { Customer: 'customer' } } } } }, top: { picklists: { unmapped: { policy: 'quarantine' } } } },
    expect: { 'acct/a1': { account_type: 'customer' } }, quarantined: [['acct', 'a2', /"Weird"/]],
  },
  {
    name: 'maxLength with truncate declared', via: 'csv', rows: { acct: [acct('a1', { code: 'ABCDEFGHIJ' })] },
    mapping: { entities: { acct: { fields: { code: { from: 'code', maxLength: 4, truncate: true } } } } },
    expect: { 'acct/a1': { code: 'ABCD' } },
  },
  {
    name: 'a const and a default declared', via: 'csv', rows: { acct: [acct('a1', { web: null }), acct('a2')] },
    mapping: { entities: { acct: { fields: { industry: { const: 'Logistics' }, website: { from: 'web', default: 'https://none.example' } } } } },
    expect: { 'acct/a1': { industry: 'Logistics', website: 'https://none.example' }, 'acct/a2': { industry: 'Logistics', website: 'https://example.com' } },
  },
  { name: 'a file the mapping does not use (counted as not in mapping)', via: 'csv', rows: { acct: two, note: [{ id: 'n1', body: 'x' }, { id: 'n2', body: 'y' }] } },
  {
    name: 'a mapping from: naming a column the source lacks (refused before loading)', via: 'csv', rows: { acct: two },
    mapping: { entities: { acct: { fields: { phone: 'telephone' } } } }, refused: /telephone/,
  },
];
