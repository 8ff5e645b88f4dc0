/**
 * The emulated portal's data, generated on demand from (seed, object type, index): nothing is held
 * in memory except the records modified during the run. `records` companies; related objects scale
 * from it. Last-modified times rise with the index (groups of 3 share a timestamp, so cursor ties
 * exist), which lets search windows map to index ranges without scanning.
 */
import { rngFor, type Rng } from '../../sdk/emulator/prng.ts';
import { COMPANY_TYPES, DEAL_STAGES, DEFAULT_PROPERTIES, INDUSTRIES, LIFECYCLE } from './properties.ts';

export const OBJECT_TYPES = ['companies', 'contacts', 'deals', 'calls', 'meetings', 'tasks', 'notes'] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const PER_COMPANY: Record<ObjectType, number> = { companies: 1, contacts: 3, deals: 1, calls: 1, meetings: 1, tasks: 1, notes: 1 };
const ID_BASE: Record<ObjectType, number> = {
  companies: 20_000_000_000, contacts: 30_000_000_000, deals: 40_000_000_000, calls: 50_000_000_000,
  meetings: 51_000_000_000, tasks: 52_000_000_000, notes: 53_000_000_000,
};
export const OBJECT_TYPE_ID: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3', tasks: '0-27', notes: '0-46', meetings: '0-47', calls: '0-48' };
const ALIASES: Record<string, ObjectType> = {
  company: 'companies', contact: 'contacts', deal: 'deals', call: 'calls', meeting: 'meetings', task: 'tasks', note: 'notes',
  ...Object.fromEntries(OBJECT_TYPES.map((t) => [t, t])),
  ...Object.fromEntries(Object.entries(OBJECT_TYPE_ID).map(([t, id]) => [id, t as ObjectType])),
};
export function objectType(name: string): ObjectType | undefined {
  return ALIASES[name.toLowerCase()];
}

const TIE_GROUP = 3;
const BASE_TIME = Date.parse('2023-01-02T08:00:00.000Z');
const END_TIME = Date.parse('2025-06-30T18:00:00.000Z');
export const PORTAL_ID = 44_237_313;

const FIRST = ['Ava', 'Liam', 'Mia', 'Noah', 'Zoe', 'Ethan', 'Ines', 'Kenji', 'Priya', 'Omar', 'Lena', 'Mateo', 'Chloe', 'Ravi', 'Sofia', 'Tariq', 'Hana', 'Jonas', 'Amara', 'Diego'];
const LAST = ['Okafor', 'Schmidt', 'Nguyen', 'Garcia', 'Kowalski', 'Haddad', 'Tanaka', 'Silva', 'Patel', 'Murphy', 'Larsen', 'Rossi', 'Dubois', 'Moreau', 'Kim', 'Novak', 'Costa', 'Weber', 'Ali', 'Brennan'];
const WORD = ['Harbor', 'Summit', 'Blue Anchor', 'Northwind', 'Atlas', 'Keystone', 'Meridian', 'Ironbridge', 'Cascade', 'Polaris', 'Redwood', 'Silverline', 'Tidewater', 'Crossdock', 'Beacon'];
const SUFFIX = ['Logistics', 'Freight', 'Shipping', 'Supply Co', 'Forwarding', 'Transport', 'Cargo', 'Distribution'];
const CITY: [string, string, string][] = [['Rotterdam', 'South Holland', 'Netherlands'], ['Hamburg', 'Hamburg', 'Germany'], ['Savannah', 'GA', 'United States'], ['Long Beach', 'CA', 'United States'], ['Singapore', '', 'Singapore'], ['Felixstowe', 'Suffolk', 'United Kingdom'], ['Antwerp', 'Antwerp', 'Belgium'], ['Chicago', 'IL', 'United States'], ['Toronto', 'ON', 'Canada'], ['Valencia', 'Valencia', 'Spain']];
const TITLES = ['Logistics Manager', 'Head of Procurement', 'Operations Director', 'Supply Chain Analyst', 'Import Coordinator', 'CFO', 'Warehouse Lead', 'Export Manager'];

const iso = (ms: number): string => new Date(ms).toISOString();

export interface Owner {
  id: string;
  email: string;
  type: 'PERSON';
  firstName: string;
  lastName: string;
  userId: number;
  userIdIncludingInactive: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

export class Dataset {
  readonly companies: number;
  private readonly modified = new Map<ObjectType, Map<number, number>>();
  private readonly archived = new Map<ObjectType, Map<number, number>>();
  private readonly edits = new Map<ObjectType, Map<number, Record<string, string | null>>>();

  constructor(companies: number, readonly seed: number) {
    this.companies = Math.max(0, Math.floor(companies));
  }

  count(type: ObjectType): number {
    return this.companies * PER_COMPANY[type];
  }

  private step(type: ObjectType): number {
    const groups = Math.max(1, Math.ceil(this.count(type) / TIE_GROUP));
    return Math.max(1000, Math.floor((END_TIME - BASE_TIME) / groups / 1000) * 1000);
  }

  baseUpdatedAt(type: ObjectType, index: number): number {
    return BASE_TIME + Math.floor(index / TIE_GROUP) * this.step(type);
  }

  updatedAt(type: ObjectType, index: number): number {
    return this.modified.get(type)?.get(index) ?? this.baseUpdatedAt(type, index);
  }

  idOf(type: ObjectType, index: number): string {
    return String(ID_BASE[type] + index);
  }

  indexOf(type: ObjectType, id: string): number | undefined {
    if (!/^\d+$/.test(id)) return undefined;
    const i = Number(id) - ID_BASE[type];
    return Number.isInteger(i) && i >= 0 && i < this.count(type) ? i : undefined;
  }

  /** Record a modification (fault: records modified during extraction). Bounded. */
  touch(type: ObjectType, index: number, at: number): void {
    let m = this.modified.get(type);
    if (!m) this.modified.set(type, (m = new Map()));
    if (m.size < 100_000) m.set(index, at);
  }

  /**
   * Edit a record's properties as a user would (demos, training, tests): the values override the
   * generated ones and the record's last-modified time becomes `at` (epoch ms). Bounded like touch.
   */
  edit(type: ObjectType, index: number, properties: Record<string, string | null>, at: number): void {
    if (index < 0 || index >= this.count(type)) throw new RangeError(`no ${type} record at index ${index}`);
    let m = this.edits.get(type);
    if (!m) this.edits.set(type, (m = new Map()));
    if (m.size < 100_000) m.set(index, { ...m.get(index), ...properties });
    this.touch(type, index, at);
  }

  /** Archive (soft-delete) a record: it leaves lists and search and appears in `archived=true` lists. */
  archive(type: ObjectType, index: number, at: number): void {
    let m = this.archived.get(type);
    if (!m) this.archived.set(type, (m = new Map()));
    if (m.size < 100_000) m.set(index, at);
  }

  isArchived(type: ObjectType, index: number): boolean {
    return this.archived.get(type)?.has(index) ?? false;
  }

  /** Archived [index, archivedAt] pairs by index. */
  archivedEntries(type: ObjectType): [number, number][] {
    return [...(this.archived.get(type) ?? new Map<number, number>()).entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Live records modified after generation, as [index, time], by time. */
  modifiedEntries(type: ObjectType): [number, number][] {
    return [...(this.modified.get(type) ?? new Map<number, number>()).entries()]
      .filter(([i]) => !this.isArchived(type, i))
      .sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  }

  /** Indices no longer at their generated time slot (modified or archived), sorted. */
  displacedIndices(type: ObjectType): number[] {
    return [...new Set([...(this.modified.get(type)?.keys() ?? []), ...(this.archived.get(type)?.keys() ?? [])])].sort((a, b) => a - b);
  }

  /** [lo, hi) of indices whose generated (unmodified) time lies in [from, to). */
  baseRange(type: ObjectType, from: number, to: number): [number, number] {
    const step = this.step(type);
    const groupAt = (t: number): number => Math.max(0, Math.ceil((t - BASE_TIME) / step));
    const n = this.count(type);
    const lo = Math.min(n, groupAt(from) * TIE_GROUP);
    const hi = Math.min(n, groupAt(to) * TIE_GROUP);
    return [lo, Math.max(lo, hi)];
  }

  ownerCount(): number {
    return Math.min(500, Math.max(3, Math.ceil(this.companies / 200)));
  }

  owner(i: number): Owner {
    const r = rngFor(this.seed, 'owners', i);
    const firstName = r.pick(FIRST);
    const lastName = r.pick(LAST);
    const t = BASE_TIME - (i + 30) * 86_400_000;
    return {
      id: String(70_000_000 + i), email: `${firstName}.${lastName}${i}@nexus-demo-freight.com`.toLowerCase(), type: 'PERSON', firstName, lastName,
      userId: 9_100_000 + i, userIdIncludingInactive: 9_100_000 + i, createdAt: iso(t), updatedAt: iso(t + 3_600_000), archived: false,
    };
  }

  private ownerId(r: Rng): string {
    return String(70_000_000 + r.int(this.ownerCount()));
  }

  /** All property values of one record (HubSpot sends every value as a string). */
  values(type: ObjectType, index: number): Record<string, string | null> {
    const r = rngFor(this.seed, type, index);
    const updated = this.updatedAt(type, index);
    const created = this.baseUpdatedAt(type, index) - r.int(90) * 86_400_000 - r.int(86_400) * 1000;
    const v: Record<string, string | null> = { hs_object_id: this.idOf(type, index), createdate: iso(created), hubspot_owner_id: r.chance(0.95) ? this.ownerId(r) : null };
    v[type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'] = iso(updated);
    const [city, state, country] = r.pick(CITY);
    switch (type) {
      case 'companies': {
        const name = `${r.pick(WORD)} ${r.pick(SUFFIX)}`;
        Object.assign(v, {
          name: r.chance(0.005) ? null : `${name} ${index + 1}`,
          domain: `${name.toLowerCase().replace(/[^a-z]+/g, '')}${index + 1}.example.com`,
          industry: r.pick(INDUSTRIES), type: r.pick(COMPANY_TYPES), lifecyclestage: r.pick(LIFECYCLE),
          phone: `+1 555 ${String(1000000 + r.int(8999999)).slice(0, 3)} ${String(r.int(10000)).padStart(4, '0')}`,
          address: `${1 + r.int(999)} Harbor Road`, city, state: state || null, zip: String(10000 + r.int(89999)), country,
          numberofemployees: String(5 + r.int(5000)), annualrevenue: r.chance(0.2) ? null : String(100_000 + r.int(50_000_000)),
          nexus_tier: r.pick(['gold', 'silver', 'bronze']), annual_teu_volume: String(r.int(20000)),
          preferred_carrier: r.chance(0.3) ? null : r.pick(['MAERSK', 'MSC', 'CMA_CGM', 'HAPAG_LLOYD', 'EVERGREEN']),
        });
        break;
      }
      case 'contacts': {
        const first = r.pick(FIRST);
        const last = r.pick(LAST);
        Object.assign(v, {
          firstname: first, lastname: r.chance(0.01) ? null : last,
          email: r.chance(0.01) ? `${first} at example` : `${first}.${last}.${index}@example.com`.toLowerCase(),
          phone: r.chance(0.3) ? null : `+44 20 ${String(r.int(10000)).padStart(4, '0')} ${String(r.int(10000)).padStart(4, '0')}`,
          mobilephone: r.chance(0.5) ? null : `+1 415 555 ${String(r.int(10000)).padStart(4, '0')}`,
          jobtitle: r.pick(TITLES), company: null, city, country, lifecyclestage: r.pick(LIFECYCLE),
          shipping_preference: r.pick(['OCEAN', 'AIR', 'ROAD', 'RAIL']),
        });
        break;
      }
      case 'deals': {
        const stage = r.pick(DEAL_STAGES);
        Object.assign(v, {
          dealname: `${r.pick(['Q1', 'Q2', 'Q3', 'Q4'])} ${r.pick(['ocean contract', 'air charter', 'FTL lanes', 'warehousing', 'customs brokerage'])} #${index + 1}`,
          amount: r.chance(0.1) ? null : (1000 + r.int(500_000)).toFixed(2), deal_currency_code: r.pick(['USD', 'USD', 'EUR', 'GBP']),
          dealstage: stage, pipeline: 'default', closedate: iso(created + (10 + r.int(120)) * 86_400_000),
          hs_deal_stage_probability: stage === 'closedwon' ? '1' : stage === 'closedlost' ? '0' : (r.int(9) / 10 + 0.1).toFixed(1),
          freight_mode: r.pick(['OCEAN', 'AIR', 'ROAD', 'RAIL']),
        });
        break;
      }
      case 'calls':
        Object.assign(v, {
          hs_timestamp: iso(created + 3_600_000), hs_call_title: `Call about shipment ${index + 1}`, hs_call_body: '<p>Discussed lane rates and transit times.</p>',
          hs_call_duration: String(30_000 + r.int(1_800_000)), hs_call_direction: r.pick(['INBOUND', 'OUTBOUND']), hs_call_status: r.pick(['COMPLETED', 'BUSY', 'NO_ANSWER']),
        });
        break;
      case 'meetings': {
        const start = created + 2 * 86_400_000;
        Object.assign(v, {
          hs_timestamp: iso(start), hs_meeting_title: `Quarterly business review ${index + 1}`, hs_meeting_body: 'Agenda: volumes, claims, renewals',
          hs_meeting_start_time: iso(start), hs_meeting_end_time: iso(start + (30 + 15 * r.int(6)) * 60_000), hs_meeting_outcome: r.pick(['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW']),
        });
        break;
      }
      case 'tasks':
        Object.assign(v, {
          hs_timestamp: iso(created + 7 * 86_400_000), hs_task_subject: `Follow up on quote ${index + 1}`, hs_task_body: 'Send revised rate sheet',
          hs_task_status: r.pick(['NOT_STARTED', 'IN_PROGRESS', 'WAITING', 'COMPLETED']), hs_task_priority: r.pick(['NONE', 'LOW', 'MEDIUM', 'HIGH']), hs_task_type: r.pick(['TODO', 'CALL', 'EMAIL']),
        });
        break;
      case 'notes':
        Object.assign(v, { hs_timestamp: iso(created + 600_000), hs_note_body: `<div>Customer asked about bonded storage (${index + 1}).</div>` });
        break;
    }
    const edited = this.edits.get(type)?.get(index);
    return edited ? { ...v, ...edited } : v;
  }

  /** The HubSpot JSON of one record with the requested properties (null for requested but unset). */
  record(type: ObjectType, index: number, properties: string[] | undefined, withUrl = false): Record<string, unknown> {
    const all = this.values(type, index);
    const names = properties && properties.length ? properties : DEFAULT_PROPERTIES[type]!;
    const props: Record<string, string | null> = {};
    for (const n of new Set([...names, 'hs_object_id', 'createdate', type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate'])) {
      if (n in all) props[n] = all[n]!;
      else if (properties?.includes(n)) props[n] = null;
    }
    const id = this.idOf(type, index);
    const archivedAt = this.archived.get(type)?.get(index);
    const updated = archivedAt ?? this.updatedAt(type, index);
    const out: Record<string, unknown> = { id, properties: props, createdAt: all['createdate'], updatedAt: iso(updated), archived: archivedAt !== undefined };
    if (archivedAt !== undefined) out['archivedAt'] = iso(archivedAt);
    if (withUrl) out['url'] = `https://app.hubspot.com/contacts/${PORTAL_ID}/record/${OBJECT_TYPE_ID[type]}/${id}`;
    return out;
  }

  /** Associated ids: contacts belong to company floor(i/3); deals and engagements to company i, contact 3i, deal i. */
  associations(from: ObjectType, to: ObjectType, index: number): number[] {
    const n = this.count(to);
    const pick = (i: number): number[] => (i >= 0 && i < n ? [i] : []);
    if (from === 'contacts' && to === 'companies') return pick(Math.floor(index / 3));
    if (from === 'companies' && to === 'contacts') return [3 * index, 3 * index + 1, 3 * index + 2].filter((i) => i < n);
    if (from === 'deals' && to === 'companies') return pick(index);
    if (from === 'deals' && to === 'contacts') return pick(3 * index);
    if (from !== 'companies' && from !== 'contacts' && from !== 'deals') {
      if (to === 'companies' || to === 'deals') return pick(index);
      if (to === 'contacts') return pick(3 * index);
    }
    return [];
  }
}
