/**
 * Deterministic record generation: every field of record `index` of an object is a pure function of
 * (seed, object, index), so a million Accounts never sit in memory. Timestamps are epoch ms here and
 * are formatted per API (REST JSON or Bulk CSV) on the way out.
 */
import { ACCOUNT_TYPES, FREIGHT_MODES, INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, REGIONS, STAGES, TASK_STATUSES, type SfObject } from './catalog.ts';
import { code, hash, pick, sfId } from './ids.ts';

export type RawValue = string | number | boolean | null;
export type RawRecord = Record<string, RawValue>;

export interface DataSet {
  seed: number;
  /** Number of Accounts; every other object's count derives from it. */
  accounts: number;
}

const FIRST = ['Ana', 'Ben', 'Chen', 'Dara', 'Eli', 'Fatima', 'Gustav', 'Hana', 'Ivan', 'Jia', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Viktor', 'Wen', 'Yusuf', 'Zoe'];
const LAST = ['Andersen', 'Baptiste', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'García', 'Haddad', 'Ito', 'Jensen', 'Kowalski', 'López', "O'Brien", 'Müller', 'Nakamura', 'Okafor', 'Petrov', 'Rossi', 'Schmidt', 'Tanaka', 'Usman', 'Varga', 'Wójcik', 'Yilmaz', 'Zhang'];
const WORDS = ['Atlas', 'Blue Harbor', 'Cargo', 'Delta', 'Evergreen', 'Frontier', 'Global', 'Horizon', 'Interport', 'Keystone', 'Liberty', 'Meridian', 'Northwind', 'Orion', 'Pacific', 'Summit', 'Trans-Euro', 'Vector'];
const SUFFIXES = ['Logistics', 'Freight', 'Shipping Co.', 'Supply Chain', 'Forwarding', 'Trading', 'Industries', 'GmbH', 'Ltd', 'S.A.'];
const CITIES: Array<[string, string, string, string]> = [
  ['Rotterdam', 'ZH', '3011', 'Netherlands'], ['Hamburg', 'HH', '20457', 'Germany'], ['Chicago', 'IL', '60607', 'United States'],
  ['Savannah', 'GA', '31401', 'United States'], ['Singapore', '', '018956', 'Singapore'], ['Santos', 'SP', '11010-000', 'Brazil'],
  ['Felixstowe', 'Suffolk', 'IP11 3SY', 'United Kingdom'], ['Shanghai', 'SH', '200000', 'China'], ['Long Beach', 'CA', '90802', 'United States'],
  ['Montréal', 'QC', 'H2Y 1C6', 'Canada'],
];
const STREETS = ['Harbour Road', 'Main Street', 'Industrial Park', 'Dock Lane', 'Logistics Way', 'Quay Street'];
const PORTS = ['NLRTM', 'DEHAM', 'USCHI', 'USSAV', 'SGSIN', 'BRSSZ', 'GBFXT', 'CNSHA', 'USLGB', 'CAMTR'];
const TASK_SUBJECTS = ['Call', 'Send quote', 'Follow up on booking', 'Email rate sheet', 'Confirm pickup'];
const EVENT_SUBJECTS = ['Quarterly business review', 'Site visit', 'Carrier negotiation', 'Onboarding call'];

const DAY = 86_400_000;
/** Base instant of each object's timeline (2024-01-01T00:00:00Z) plus a per-object offset. */
const BASE = Date.UTC(2024, 0, 1);

/** Records i, i+1, i+2 share a SystemModstamp (ties are the point), and it never decreases with i. */
export function modstampOf(obj: SfObject, index: number): number {
  return BASE + (Math.abs(traitsOf(obj).code) % 97) * 3_600_000 + Math.floor(index / 3) * 7_000 + DAY;
}
export function createdOf(obj: SfObject, index: number): number {
  return modstampOf(obj, index) - DAY;
}

export function counts(ds: DataSet, obj: SfObject): number {
  return obj.count(ds.accounts);
}

function person(h: number): { first: string; last: string } {
  return { first: pick(FIRST, h), last: pick(LAST, h >>> 8) };
}

const ADDRESS_KEYS = new Map<string, [string, string, string, string, string]>();
function addressKeys(prefix: string): [string, string, string, string, string] {
  let k = ADDRESS_KEYS.get(prefix);
  if (!k) ADDRESS_KEYS.set(prefix, (k = [`${prefix}Street`, `${prefix}City`, `${prefix}State`, `${prefix}PostalCode`, `${prefix}Country`]));
  return k;
}

/** Write an address's component fields into `rec` (null components when `present` is false). */
function setAddress(rec: RawRecord, prefix: string, h: number, i: number, present = true): void {
  const [street, cityKey, stateKey, zipKey, countryKey] = addressKeys(prefix);
  const [city, state, zip, country] = pick(CITIES, h >>> 4);
  rec[street] = present ? `${(i % 900) + 1} ${pick(STREETS, h >>> 12)}` : null;
  rec[cityKey] = present ? city : null;
  rec[stateKey] = present ? state || null : null;
  rec[zipKey] = present ? zip : null;
  rec[countryKey] = present ? country : null;
}

const traits = new WeakMap<SfObject, { code: number; deletable: boolean; owned: boolean }>();
function traitsOf(obj: SfObject): { code: number; deletable: boolean; owned: boolean } {
  let t = traits.get(obj);
  if (!t) {
    t = { code: code(obj.name), deletable: obj.fields.some((x) => x.name === 'IsDeleted'), owned: obj.fields.some((x) => x.name === 'OwnerId') };
    traits.set(obj, t);
  }
  return t;
}

/** Generate record `i` of `obj`. */
export function generate(ds: DataSet, obj: SfObject, i: number): RawRecord {
  const tr = traitsOf(obj);
  const h = hash(ds.seed, tr.code, i);
  const users = Math.min(500, Math.max(3, Math.ceil(ds.accounts / 25)));
  const n = ds.accounts;
  const userId = (k: number): string => sfId('005', k % users);
  const base: RawRecord = {
    Id: sfId(obj.keyPrefix, i),
    CreatedDate: createdOf(obj, i),
    CreatedById: userId(0),
    LastModifiedDate: modstampOf(obj, i),
    SystemModstamp: modstampOf(obj, i),
  };
  if (tr.deletable) base.IsDeleted = false;
  if (tr.owned) base.OwnerId = userId(h >>> 3);
  switch (obj.name) {
    case 'User': {
      const p = i === 0 ? { first: 'Integration', last: 'User' } : person(h);
      const email = `${p.first.toLowerCase()}.${p.last.toLowerCase().replace(/[^a-z]/g, '')}${i}@example-logistics.com`;
      return { ...base, Username: `${email}.sandbox`, Email: email, FirstName: p.first, LastName: p.last, Name: `${p.first} ${p.last}`,
        Title: pick(['Sales Rep', 'Account Manager', 'Operations Lead', 'Admin'], h >>> 5), IsActive: i % 11 !== 10 };
    }
    case 'Account': {
      let parent: number | null = null;
      if (i >= 10 && i % 10 >= 7) parent = i - (i % 10);
      else if (i >= 100 && i % 10 === 0 && (i / 10) % 7 === 3) parent = i - 30;
      const region = h % 5 === 0 ? null : pick(REGIONS, h >>> 2);
      const rec: RawRecord = { ...base, Name: `${pick(WORDS, h >>> 6)} ${pick(SUFFIXES, h >>> 10)} ${i}`, Type: pick(ACCOUNT_TYPES, h >>> 14),
        ParentId: parent === null ? null : sfId('001', parent), Industry: pick(INDUSTRIES, h >>> 17),
        AnnualRevenue: h % 7 === 0 ? null : ((h >>> 9) % 50_000) * 1000 + 0.5 * (h % 2), NumberOfEmployees: (h >>> 11) % 5000,
        Phone: `+1 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`, Website: `https://www.example-${i}.com`,
        Region__c: region, Credit_Limit__c: ((h >>> 7) % 100) * 500, Customs_Broker__c: h % 4 === 0 };
      setAddress(rec, 'Billing', h, i);
      setAddress(rec, 'Shipping', h >>> 1, i + 7, h % 3 === 0);
      return rec;
    }
    case 'Contact': {
      const p = person(h);
      const acct = i % 17 === 16 ? null : sfId('001', Math.floor(i / 2) % n);
      const rec: RawRecord = { ...base, AccountId: acct, FirstName: p.first, LastName: p.last, Name: `${p.first} ${p.last}`,
        Title: pick(['Logistics Manager', 'Buyer', 'CFO', 'Export Clerk', 'Head of Supply Chain'], h >>> 4),
        Email: i % 9 === 8 ? null : `${p.first.toLowerCase()}.${i}@customer-${Math.floor(i / 2)}.example.com`,
        Phone: `+44 20 7946 ${String(i % 10000).padStart(4, '0')}`, MobilePhone: h % 2 ? `+44 7700 ${String(i % 1000000).padStart(6, '0')}` : null,
        ReportsToId: i % 2 === 1 && acct ? sfId('003', i - 1) : null, LeadSource: pick(LEAD_SOURCES, h >>> 9),
        Preferred_Language__c: pick(['English', 'Deutsch', 'Português', '中文'], h >>> 13) };
      setAddress(rec, 'Mailing', h, i);
      return rec;
    }
    case 'Lead': {
      const p = person(h);
      const status = pick(LEAD_STATUSES, h >>> 5);
      const converted = status === 'Closed - Converted';
      const rec: RawRecord = { ...base, FirstName: p.first, LastName: p.last, Name: `${p.first} ${p.last}`, Company: `${pick(WORDS, h >>> 7)} ${pick(SUFFIXES, h >>> 11)}`,
        Title: 'Procurement', Email: `${p.first.toLowerCase()}@lead-${i}.example.org`, Phone: null, Status: status,
        LeadSource: pick(LEAD_SOURCES, h >>> 9), IsConverted: converted,
        ConvertedAccountId: converted ? sfId('001', i % n) : null, ConvertedContactId: converted ? sfId('003', (2 * i) % (2 * n)) : null,
        Region__c: pick(REGIONS, h >>> 2) };
      setAddress(rec, '', h, i);
      return rec;
    }
    case 'Opportunity': {
      const stage = pick(STAGES, h >>> 5);
      const prob = stage === 'Closed Won' ? 100 : stage === 'Closed Lost' ? 0 : 10 * (1 + ((h >>> 3) % 9));
      return { ...base, AccountId: sfId('001', i % 13 === 12 ? (i * 7) % n : i), ContactId: i % 5 === 4 ? null : sfId('003', 2 * i),
        Name: `${pick(FREIGHT_MODES, h >>> 8)} lane ${i}`, StageName: stage, Amount: h % 6 === 0 ? null : ((h >>> 10) % 2000) * 250,
        Probability: prob, CloseDate: createdOf(obj, i) + ((h >>> 4) % 180) * DAY, LeadSource: pick(LEAD_SOURCES, h >>> 9),
        Freight_Mode__c: pick(FREIGHT_MODES, h >>> 12) };
    }
    case 'Task':
    case 'Event': {
      const whoLead = i % 3 === 0;
      const who = i % 10 === 9 ? null : whoLead ? sfId('00Q', i % Math.ceil(n / 2)) : sfId('003', (2 * i + 1) % (2 * n));
      const what = whoLead ? null : i % 2 === 0 ? sfId('001', i % n) : sfId('006', i % n);
      if (obj.name === 'Task') {
        return { ...base, WhoId: who, WhatId: what, Subject: `${pick(TASK_SUBJECTS, h >>> 4)} #${i}`, Status: pick(TASK_STATUSES, h >>> 6),
          Priority: pick(['High', 'Normal', 'Normal', 'Low'], h >>> 8), ActivityDate: createdOf(obj, i) + ((h >>> 5) % 30) * DAY,
          Description: i % 4 === 0 ? `Discussed rates, "urgent",\nsee notes ${i}` : null };
      }
      const start = createdOf(obj, i) + ((h >>> 5) % 60) * DAY + 9 * 3_600_000;
      const minutes = 30 * (1 + ((h >>> 9) % 4));
      return { ...base, WhoId: who, WhatId: what, Subject: `${pick(EVENT_SUBJECTS, h >>> 4)} ${i}`, StartDateTime: start,
        EndDateTime: start + minutes * 60_000, DurationInMinutes: minutes, Location: pick(CITIES, h >>> 7)[0], Description: null };
    }
    case 'Shipment__c':
      return { ...base, Name: `SHP-${String(i).padStart(7, '0')}`, Account__c: sfId('001', i % n), Origin_Port__c: pick(PORTS, h >>> 3),
        Destination_Port__c: pick(PORTS, h >>> 7), Mode__c: pick(FREIGHT_MODES, h >>> 11), Weight_Kg__c: ((h >>> 5) % 200000) / 10 };
    case 'OpportunityStage': {
      const label = STAGES[i % STAGES.length]!;
      return { ...base, MasterLabel: label, ApiName: label, IsActive: true, IsClosed: label.startsWith('Closed'), IsWon: label === 'Closed Won',
        DefaultProbability: label === 'Closed Won' ? 100 : label === 'Closed Lost' ? 0 : 10 * (1 + (i % 9)), SortOrder: i + 1 };
    }
    default:
      return base;
  }
}
