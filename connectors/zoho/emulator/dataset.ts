/**
 * The Zoho CRM sandbox's data: users and the Accounts, Contacts, Leads, Deals and Tasks modules,
 * generated per record from (seed, module, index) and never held whole in memory (TimelineTable).
 * Records carry Zoho's API names, lookups as `{name, id}` objects (owners also `email`), picklists
 * with Zoho's default values, custom fields (`Customer_Tier`, `Trade_Lanes`, `Preferred_Language`,
 * `Go_Live_Date`), and times with the org's UTC offset ("2025-01-06T13:30:00+05:30").
 */
import { rngFor, TimelineTable } from '../../sdk/emulator/index.ts';

export const MODULES = ['Accounts', 'Contacts', 'Leads', 'Deals', 'Tasks'] as const;
export type Module = (typeof MODULES)[number];
export type Rec = Record<string, unknown>;

/** 19-digit ids, fixed length so that text order is numeric order: an org prefix, a module digit, the index. */
const ORG_PREFIX = '64934900000';
const MODULE_DIGIT: Record<Module | 'users', number> = { users: 0, Accounts: 1, Contacts: 2, Leads: 3, Deals: 4, Tasks: 5 };
export const idFor = (module: Module | 'users', index: number): string => `${ORG_PREFIX}${String(MODULE_DIGIT[module] * 10_000_000 + index).padStart(8, '0')}`;
export function indexOf(module: Module | 'users', id: string): number | undefined {
  if (!/^\d{19}$/.test(id) || !id.startsWith(ORG_PREFIX)) return undefined;
  const n = Number(id.slice(ORG_PREFIX.length)) - MODULE_DIGIT[module] * 10_000_000;
  return n >= 0 && n < 10_000_000 ? n : undefined;
}

/** The org's time zone offset (India Standard Time, +05:30), as Zoho renders every date-time field. */
const OFFSET_MIN = 330;
export function zohoTime(ms: number): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + OFFSET_MIN * 60_000).toISOString().slice(0, 19);
  const h = String(Math.floor(OFFSET_MIN / 60)).padStart(2, '0');
  return `${local}+${h}:${String(OFFSET_MIN % 60).padStart(2, '0')}`;
}

export interface FieldMeta {
  api_name: string;
  field_label: string;
  data_type: string;
  custom_field: boolean;
  pick_list_values?: { display_value: string; actual_value: string }[];
  lookup?: { module: { api_name: string } };
}
const f = (api_name: string, data_type: string, picks?: string[], custom = false, lookup?: string): FieldMeta => ({
  api_name, field_label: api_name.replace(/_/g, ' '), data_type, custom_field: custom,
  ...(picks ? { pick_list_values: picks.map((v) => ({ display_value: v, actual_value: v })) } : {}),
  ...(lookup ? { lookup: { module: { api_name: lookup } } } : {}),
});

export const INDUSTRIES = ['Transportation', 'Manufacturing', 'Retail', 'Wholesale', 'Government/Military'];
export const ACCOUNT_TYPES = ['Customer', 'Prospect', 'Partner', 'Reseller', 'Vendor', 'Competitor', 'Other'];
export const TIERS = ['Gold', 'Silver', 'Bronze'];
export const LANES = ['Asia-Europe', 'Transatlantic', 'Intra-Asia'];
export const LEAD_SOURCES = ['Advertisement', 'Cold Call', 'Employee Referral', 'Trade Show', 'Web Download', 'Partner'];
export const LEAD_STATUSES = ['Not Contacted', 'Attempted to Contact', 'Contact in Future', 'Contacted', 'Pre-Qualified', 'Not Qualified', 'Junk Lead', 'Lost Lead'];
export const STAGES = ['Qualification', 'Needs Analysis', 'Value Proposition', 'Id. Decision Makers', 'Proposal/Price Quote', 'Negotiation/Review', 'Closed Won', 'Closed Lost', 'Closed-Lost to Competition'];
export const TASK_STATUSES = ['Not Started', 'Deferred', 'In Progress', 'Completed', 'Waiting for input'];
export const PRIORITIES = ['High', 'Highest', 'Low', 'Lowest', 'Normal'];

const SYSTEM = [f('Owner', 'ownerlookup'), f('Created_Time', 'datetime'), f('Modified_Time', 'datetime'), f('Created_By', 'ownerlookup'), f('Modified_By', 'ownerlookup')];
export const FIELDS: Record<Module, FieldMeta[]> = {
  Accounts: [f('Account_Name', 'text'), f('Website', 'website'), f('Phone', 'phone'), f('Industry', 'picklist', INDUSTRIES), f('Account_Type', 'picklist', ACCOUNT_TYPES),
    f('Employees', 'integer'), f('Annual_Revenue', 'currency'), f('Billing_Street', 'text'), f('Billing_City', 'text'), f('Billing_State', 'text'), f('Billing_Code', 'text'),
    f('Billing_Country', 'text'), f('Description', 'textarea'), ...SYSTEM, f('Customer_Tier', 'picklist', TIERS, true), f('Trade_Lanes', 'multiselectpicklist', LANES, true)],
  Contacts: [f('First_Name', 'text'), f('Last_Name', 'text'), f('Full_Name', 'text'), f('Email', 'email'), f('Phone', 'phone'), f('Mobile', 'phone'), f('Title', 'text'),
    f('Department', 'text'), f('Account_Name', 'lookup', undefined, false, 'Accounts'), f('Lead_Source', 'picklist', LEAD_SOURCES), f('Mailing_City', 'text'), f('Mailing_Country', 'text'),
    ...SYSTEM, f('Preferred_Language', 'picklist', ['English', 'Dutch', 'German', 'Hindi'], true)],
  Leads: [f('First_Name', 'text'), f('Last_Name', 'text'), f('Full_Name', 'text'), f('Company', 'text'), f('Email', 'email'), f('Phone', 'phone'), f('Designation', 'text'),
    f('Lead_Status', 'picklist', LEAD_STATUSES), f('Lead_Source', 'picklist', LEAD_SOURCES), f('City', 'text'), f('Country', 'text'), ...SYSTEM],
  Deals: [f('Deal_Name', 'text'), f('Account_Name', 'lookup', undefined, false, 'Accounts'), f('Contact_Name', 'lookup', undefined, false, 'Contacts'), f('Stage', 'picklist', STAGES),
    f('Amount', 'currency'), f('Probability', 'integer'), f('Closing_Date', 'date'), f('Pipeline', 'picklist', ['Standard (Standard)']), ...SYSTEM, f('Go_Live_Date', 'date', undefined, true)],
  Tasks: [f('Subject', 'text'), f('Status', 'picklist', TASK_STATUSES), f('Priority', 'picklist', PRIORITIES), f('Due_Date', 'date'), f('What_Id', 'lookup'),
    f('Who_Id', 'lookup', undefined, false, 'Contacts'), f('Description', 'textarea'), ...SYSTEM],
};

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Eva', 'Finn', 'Gita', 'Hugo', 'Ines', 'Jon'];
const LAST = ['Okafor', 'Lindqvist', 'Marsh', 'Tanaka', 'Rossi', 'Novak', 'Silva', 'Khan'];
const CITIES = [['Rotterdam', 'Netherlands'], ['Hamburg', 'Germany'], ['Mumbai', 'India'], ['Savannah', 'United States']] as const;
const BASE = Date.parse('2025-01-06T08:00:00Z');
const DAY = 86_400_000;

/** The field a lookup's `name` shows. */
export const NAME_FIELD: Record<Module, string> = { Accounts: 'Account_Name', Contacts: 'Full_Name', Leads: 'Full_Name', Deals: 'Deal_Name', Tasks: 'Subject' };

export interface ZohoUser { id: string; full_name: string; first_name: string; last_name: string; email: string; status: 'active' | 'disabled'; role: { name: string; id: string }; profile: { name: string; id: string }; created_time: string; Modified_Time: string }

export class Dataset {
  readonly tables: Record<Module, TimelineTable>;
  readonly userCount: number;

  constructor(readonly size: number, readonly seed: number) {
    const n = Math.max(0, Math.floor(size));
    const table = (count: number) => new TimelineTable({ count, baseTime: BASE, endTime: BASE + 30 * DAY, tieGroup: 3 });
    this.tables = { Accounts: table(n), Contacts: table(2 * n), Leads: table(Math.ceil(n / 2)), Deals: table(n), Tasks: table(n) };
    this.userCount = Math.max(3, Math.ceil(n / 20));
  }

  user(u: number): ZohoUser {
    const first = FIRST[u % FIRST.length]!;
    const last = LAST[u % LAST.length]!;
    return { id: idFor('users', u), full_name: `${first} ${last}`, first_name: first, last_name: last, email: `${first}.${last}${u}@example-forwarder.com`.toLowerCase(),
      status: 'active', role: { name: u === 0 ? 'CEO' : 'Manager', id: idFor('users', 9_000 + (u === 0 ? 0 : 1)) }, profile: { name: u === 0 ? 'Administrator' : 'Standard', id: idFor('users', 9_500 + (u === 0 ? 0 : 1)) },
      created_time: zohoTime(BASE - DAY), Modified_Time: zohoTime(BASE - DAY) };
  }

  private owner(i: number): Rec {
    const u = this.user(i % this.userCount);
    return { name: u.full_name, id: u.id, email: u.email };
  }

  /** The full record at `index` (generated values, then the edits), or undefined when out of range or deleted (unless `removed`). */
  record(module: Module, index: number, removed = false): Rec | undefined {
    const t = this.tables[module];
    if (!t.has(index) || (t.isRemoved(index) && !removed)) return undefined;
    const r = rngFor(this.seed, `zoho:${module}`, index);
    const created = t.baseUpdatedAt(index) - DAY;
    const sys = { Owner: this.owner(index), Created_By: this.owner(0), Modified_By: this.owner(index + 1), Created_Time: zohoTime(created), Modified_Time: zohoTime(t.updatedAt(index)) };
    const [city, country] = r.pick(CITIES);
    const first = r.pick(FIRST);
    const last = r.pick(LAST);
    let rec: Rec;
    switch (module) {
      case 'Accounts':
        rec = { Account_Name: `${r.pick(['Blue', 'North', 'Harbor', 'Delta', 'Summit'])} ${r.pick(['Logistics', 'Freight', 'Shipping', 'Cargo'])} ${index + 1}`, Website: `https://acct${index + 1}.example.com`,
          Phone: `+91 22 ${String(10_000_000 + r.int(89_999_999))}`, Industry: r.pick(INDUSTRIES), Account_Type: r.pick(ACCOUNT_TYPES), Employees: 10 + r.int(5000), Annual_Revenue: r.chance(0.3) ? null : 10_000 * (1 + r.int(900)),
          Billing_Street: `${10 + r.int(90)} Quay Road`, Billing_City: city, Billing_State: null, Billing_Code: String(1000 + r.int(8999)), Billing_Country: country, Description: null,
          Customer_Tier: r.pick([...TIERS, null]), Trade_Lanes: index % 2 ? [LANES[0], LANES[2]] : [LANES[1]] };
        break;
      case 'Contacts': {
        const acct = Math.floor(index / 2);
        rec = { First_Name: first, Last_Name: last, Full_Name: `${first} ${last}`, Email: `${first}.${last}.${index}@customer.example`.toLowerCase(), Phone: `+31 10 ${String(1_000_000 + r.int(8_999_999))}`, Mobile: null,
          Title: r.pick(['Logistics Manager', 'Buyer', 'COO', null]), Department: null, Account_Name: this.lookup('Accounts', acct), Lead_Source: r.pick(LEAD_SOURCES), Mailing_City: city, Mailing_Country: country,
          Preferred_Language: r.pick(['English', 'Dutch', 'German', 'Hindi', null]) };
        break;
      }
      case 'Leads':
        rec = { First_Name: first, Last_Name: last, Full_Name: `${first} ${last}`, Company: `${last} Imports ${index + 1}`, Email: `${first}.${index}@lead.example`.toLowerCase(), Phone: null, Designation: r.pick(['Owner', 'Buyer', null]),
          Lead_Status: r.pick(LEAD_STATUSES), Lead_Source: r.pick(LEAD_SOURCES), City: city, Country: country };
        break;
      case 'Deals':
        rec = { Deal_Name: `Contract ${index + 1}`, Account_Name: this.lookup('Accounts', index), Contact_Name: this.lookup('Contacts', index * 2), Stage: r.pick(STAGES), Amount: 1000 * (1 + r.int(200)),
          Probability: r.pick([10, 20, 40, 60, 75, 90, 100, 0]), Closing_Date: new Date(created + 90 * DAY).toISOString().slice(0, 10), Pipeline: 'Standard (Standard)',
          Go_Live_Date: index % 3 === 0 ? null : new Date(created + 120 * DAY).toISOString().slice(0, 10) };
        break;
      case 'Tasks': {
        // Tasks relate to an account or a deal (What_Id + $se_module) and to a contact (Who_Id).
        const onDeal = index % 2 === 1;
        rec = { Subject: `Follow-up ${index + 1}`, Status: r.pick(TASK_STATUSES), Priority: r.pick(PRIORITIES), Due_Date: new Date(created + 7 * DAY).toISOString().slice(0, 10),
          What_Id: onDeal ? this.lookup('Deals', index) : this.lookup('Accounts', index), $se_module: onDeal ? 'Deals' : 'Accounts', Who_Id: this.lookup('Contacts', index * 2), Description: null };
        break;
      }
    }
    return { ...rec, ...sys, ...t.overrides(index), id: idFor(module, index) };
  }

  private lookup(module: Module, index: number): Rec | null {
    const t = this.tables[module];
    if (!t.has(index)) return null;
    const target = this.record(module, index);
    const name = target ? String(target[NAME_FIELD[module]]) : null;
    return { name, id: idFor(module, index) };
  }
}
