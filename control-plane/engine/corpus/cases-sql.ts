/** SQL corpus cases: the SQL source connector on real PostgreSQL (UTF8 and SQL_ASCII databases) and real MariaDB. */
import type { CorpusCase, Row, Via } from './types.ts';
import { person } from './cases-csv.ts';

const stamp = (via: Via) => (via === 'mariadb' ? '2024-01-02 03:04:05' : '2024-01-02T03:04:05Z');
const acct = (via: Via, id: string, over: Row = {}): Row => ({ id, name: `Account ${id}`, code: `C-${id}`, revenue: '1000.50', employees: '12', web: 'https://example.com', created: stamp(via), ...over });
const bytes = (...b: number[]) => Buffer.from(b);
const TEXT = { pg: 'text', mariadb: 'TEXT' } as const;

/** Cases that read the same on both databases. */
function common(via: 'pg' | 'mariadb'): CorpusCase[] {
  const a = (id: string, over: Row = {}) => acct(via, id, over);
  return [
    { name: 'clean typed rows (decimal, integer, timestamp) with contacts', via, rows: { acct: [a('a1'), a('a2', { revenue: '-12.34', employees: '0' })], person: [person('p1', 'a1'), person('p2', 'a2')] } },
    { name: 'NULLs in nullable columns load as NULL, never "null"', via, rows: { acct: [a('a1', { code: null, revenue: null, employees: null, web: null }), a('a2')] } },
    { name: 'a decimal at the full precision of numeric(18,2)', via, rows: { acct: [a('a1', { revenue: '9999999999999999.99' }), a('a2', { revenue: '0.01' })] } },
    { name: 'an empty-string primary key is a missing key', via, rows: { acct: [a('a1'), a('')] }, quarantined: [['acct', '', /missing key: acct row has no id/]] },
    { name: 'a blank (spaces only) primary key is a missing key', via, rows: { acct: [a('a1'), a('   ')] }, quarantined: [['acct', '', /missing key: acct row has no id/]] },
    { name: 'a primary key with a leading space is trimmed', via, rows: { acct: [a(' a1'), a('a2')] } },
    {
      name: 'a primary key with a leading space refused (idWhitespace: refuse)', via, rows: { acct: [a(' a1'), a('a2')] },
      mapping: { entities: { acct: { idWhitespace: 'refuse' } } }, quarantined: [['acct', ' a1', /whitespace/i]],
    },
    { name: 'a binary (bytea/VARBINARY) text column holding UTF-8 is decoded, not base64', via, columns: { acct: { name: via === 'pg' ? 'bytea' : 'VARBINARY(255)' } }, rows: { acct: [a('a1', { name: Buffer.from('Müller Straße 東京', 'utf8') }), a('a2', { name: Buffer.from('plain', 'utf8') })] } },
    {
      name: 'a binary text column holding invalid UTF-8 is quarantined with table, key and column', via, columns: { acct: { name: via === 'pg' ? 'bytea' : 'VARBINARY(255)' } },
      rows: { acct: [a('a1', { name: Buffer.from('ok', 'utf8') }), a('a2', { name: bytes(0x43, 0x61, 0x66, 0xe9) }), a('a3', { name: Buffer.from('fine', 'utf8') })] },
      quarantined: [['acct', 'a2', /acct a2: column name is not valid UTF-8 text/]],
    },
    { name: 'US-grouped number text "1,234.56" in a text column, no locale', via, columns: { acct: { revenue: TEXT[via] } }, rows: { acct: [a('a1'), a('a2', { revenue: '1,234.56' })] }, quarantined: [['acct', 'a2', /not a number.*locale/]] },
    {
      name: 'German number text with locale de-DE declared', via, columns: { acct: { revenue: TEXT[via] } }, rows: { acct: [a('a1', { revenue: '1.234,56' })] },
      mapping: { entities: { acct: { fields: { annual_revenue: { from: 'revenue', type: 'numeric', locale: 'de-DE' } } } } }, expect: { 'acct/a1': { annual_revenue: '1234.56' } },
    },
    { name: 'declared type integer on a text column holding words', via, columns: { acct: { employees: TEXT[via] } }, rows: { acct: [a('a1'), a('a2', { employees: 'a dozen' })] }, quarantined: [['acct', 'a2', /not an integer/]] },
    { name: 'an impossible time in a text column', via, columns: { acct: { created: TEXT[via] } }, rows: { acct: [a('a1', { created: '2024-01-02T03:04:05Z' }), a('a2', { created: '2024-06-01T25:00:00Z' })] }, quarantined: [['acct', 'a2', /impossible timestamp/]] },
    { name: 'a 300-character name rejected by the target CHECK, field named', via, rows: { acct: [a('a1'), a('a2', { name: 'z'.repeat(300) })] }, quarantined: [['acct', 'a2', /name/]] },
    { name: 'a contact referencing a missing account (orphan)', via, rows: { acct: [a('a1')], person: [person('p1', 'a1'), person('p2', 'nope')] }, quarantined: [['person', 'p2', /orphan/]] },
    { name: 'a table the mapping does not use (not in mapping)', via, rows: { acct: [a('a1')], note: [{ id: 'n1', body: 'x' }] } },
    { name: 'SQL in values and emoji stored as text', via, rows: { acct: [a('a1', { name: "x'); DROP TABLE acct; -- 🚚" }), a('a2')] } },
  ];
}

export const sqlCases: CorpusCase[] = [
  ...common('pg'),
  ...common('mariadb'),
  { name: 'a timestamp without time zone column, no assumeZone', via: 'pg', columns: { acct: { created: 'timestamp' } }, rows: { acct: [acct('pg', 'a1', { created: '2024-01-02 03:04:05' })] }, quarantined: [['acct', 'a1', /no time zone/]] },
  {
    name: 'a SQL_ASCII database holding one invalid UTF-8 byte in a text column: only that row is quarantined, with table, key and column', via: 'pg', sqlAscii: true,
    rows: {
      acct: [acct('pg', 'a1', { name: Buffer.from('Müller Straße 東京', 'utf8') }), acct('pg', 'a2', { name: bytes(0x43, 0x61, 0x66, 0xe9) }), acct('pg', 'a3')],
      person: [person('p1', 'a1', { last: Buffer.from('Zoë', 'utf8') }), person('p3', 'a3')],
    },
    quarantined: [['acct', 'a2', /acct a2: column name is not valid UTF-8 text/]],
  },
  {
    name: 'a SQL_ASCII database with invalid bytes in a varchar column and in a contact: each bad row alone is quarantined', via: 'pg', sqlAscii: true,
    rows: {
      acct: [acct('pg', 'a1', { code: bytes(0x43, 0xff, 0x31) }), acct('pg', 'a2', { name: 'backslash \\x41 stays text' })],
      person: [person('p1', 'a2', { last: bytes(0xc3, 0x28) }), person('p2', 'a2', { email: Buffer.from('zoë@example.com', 'utf8') })],
    },
    quarantined: [['acct', 'a1', /acct a1: column code is not valid UTF-8 text/], ['person', 'p1', /person p1: column last is not valid UTF-8 text/]],
  },
  { name: 'a latin1 column decoded with its declared charset', via: 'mariadb', columns: { acct: { name: 'VARCHAR(255) CHARACTER SET latin1' } }, rows: { acct: [acct('mariadb', 'a1', { name: 'Müller Café Ångström' }), acct('mariadb', 'a2', { name: 'Straße ½ ©' })] } },
  { name: 'a zero DATETIME (0000-00-00) is not a date', via: 'mariadb', rows: { acct: [acct('mariadb', 'a1'), acct('mariadb', 'a2', { created: '0000-00-00 00:00:00' })] }, quarantined: [['acct', 'a2', /created/]] },
];
