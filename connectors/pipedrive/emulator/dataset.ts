/**
 * The Pipedrive sandbox's data, first as plain records in the API v2 wire shape (v1 for notes and
 * users): users, organizations, persons, deals, activities, notes, with custom fields keyed by
 * 40-hex hashes and single/multiple-option picklists. Generated from a seed; edits and deletes
 * stamp `update_time`, deletes also land in the recents log with `active_flag: false`.
 */
import { createHash } from 'node:crypto';
import { rngFor } from '../../sdk/emulator/prng.ts';

export const ENTITY_TYPES = ['organizations', 'persons', 'deals', 'activities', 'notes'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];
/** Recents `items` names per entity type. */
export const RECENTS_ITEM: Record<EntityType, string> = { organizations: 'organization', persons: 'person', deals: 'deal', activities: 'activity', notes: 'note' };

export interface FieldDef { field_name: string; field_code: string; field_type: string; is_custom_field: boolean; is_optional_response_field: boolean; options: { id: number; label: string }[] | null }
type Rec = Record<string, unknown> & { id: number; update_time: string };

export const hashKey = (label: string): string => createHash('sha1').update(`pipedrive-emulator:${label}`).digest('hex');
const opt = (ids: number[], labels: string[]) => ids.map((id, i) => ({ id, label: labels[i]! }));
const std = (field_code: string, field_type: string, options: FieldDef['options'] = null): FieldDef => ({ field_name: field_code, field_code, field_type, is_custom_field: false, is_optional_response_field: false, options });
const custom = (field_name: string, field_type: string, options: FieldDef['options'] = null): FieldDef => ({ field_name, field_code: hashKey(field_name), field_type, is_custom_field: true, is_optional_response_field: false, options });

export const TIER = custom('Customer tier', 'enum', opt([101, 102, 103], ['Gold', 'Silver', 'Bronze']));
export const LANES = custom('Trade lanes', 'set', opt([201, 202, 203], ['Asia-Europe', 'Transatlantic', 'Intra-Asia']));
export const LANGUAGE = custom('Preferred language', 'varchar');
export const GO_LIVE = custom('Expected go-live', 'date');

export const FIELDS: Record<'organizations' | 'persons' | 'deals' | 'activities', FieldDef[]> = {
  organizations: [std('id', 'int'), std('name', 'varchar'), std('owner_id', 'user'), std('address', 'address'), std('website', 'varchar'), std('employee_count', 'int'), std('annual_revenue', 'monetary'), std('add_time', 'date'), std('update_time', 'date'), TIER],
  persons: [std('id', 'int'), std('name', 'varchar'), std('first_name', 'varchar'), std('last_name', 'varchar'), std('emails', 'varchar'), std('phones', 'phone'), std('org_id', 'org'), std('owner_id', 'user'), std('job_title', 'varchar'), std('add_time', 'date'), std('update_time', 'date'), LANGUAGE],
  deals: [std('id', 'int'), std('title', 'varchar'), std('value', 'monetary'), std('currency', 'varchar'), std('status', 'status', opt([1, 2, 3], ['open', 'won', 'lost']).map((o) => ({ ...o, id: o.id }))), std('stage_id', 'stage'), std('person_id', 'people'), std('org_id', 'org'), std('owner_id', 'user'), std('expected_close_date', 'date'), std('probability', 'double'), std('add_time', 'date'), std('update_time', 'date'), GO_LIVE, LANES],
  activities: [std('id', 'int'), std('subject', 'varchar'), std('type', 'enum'), std('done', 'boolean'), std('due_date', 'date'), std('deal_id', 'deal'), std('person_id', 'people'), std('org_id', 'org'), std('owner_id', 'user'), std('public_description', 'text'), std('add_time', 'date'), std('update_time', 'date')],
};

/** Pipedrive's default pipeline in a new company. */
export const STAGES = [
  { id: 1, name: 'Qualified', pipeline_id: 1, deal_probability: 10 }, { id: 2, name: 'Contact Made', pipeline_id: 1, deal_probability: 20 },
  { id: 3, name: 'Demo Scheduled', pipeline_id: 1, deal_probability: 40 }, { id: 4, name: 'Proposal Made', pipeline_id: 1, deal_probability: 60 },
  { id: 5, name: 'Negotiations Started', pipeline_id: 1, deal_probability: 80 },
];
const NAMES = ['Ada', 'Ben', 'Chloe', 'Dev', 'Eva', 'Finn', 'Gita', 'Hugo', 'Ines', 'Jon'];
const SURNAMES = ['Okafor', 'Lindqvist', 'Marsh', 'Tanaka', 'Rossi', 'Novak', 'Silva', 'Khan'];
const CITIES = [['Rotterdam', 'Netherlands'], ['Hamburg', 'Germany'], ['Singapore', 'Singapore'], ['Savannah', 'United States']] as const;
const BASE = Date.parse('2025-01-06T08:00:00Z');

/** v2 timestamps: RFC 3339 without milliseconds. */
export const v2Time = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
/** v1 timestamps: "YYYY-MM-DD HH:MM:SS" in UTC. */
export const v1Time = (ms: number): string => v2Time(ms).replace('T', ' ').replace('Z', '');

export interface DeletedEntry { type: EntityType; id: number; at: number }

export class Dataset {
  readonly users: Record<string, unknown>[] = [];
  readonly records: Record<EntityType, Map<number, Rec>> = { organizations: new Map(), persons: new Map(), deals: new Map(), activities: new Map(), notes: new Map() };
  readonly deleted: DeletedEntry[] = [];
  readonly updatedAtMs = new Map<string, number>();
  /** Id-sorted live records per type, rebuilt after an edit or delete (list pages are served from it). */
  private readonly byId = new Map<EntityType, Rec[]>();

  constructor(readonly size: number, readonly seed: number) {
    const userCount = Math.max(3, Math.ceil(size / 10));
    for (let u = 0; u < userCount; u++) {
      const n = `${NAMES[u % NAMES.length]} ${SURNAMES[u % SURNAMES.length]}`;
      this.users.push({ id: 9_000_001 + u, name: n, email: `${n.toLowerCase().replace(' ', '.')}${u}@example-forwarder.com`, active_flag: true, is_admin: u === 0 ? 1 : 0, created: v1Time(BASE), modified: v1Time(BASE) });
    }
    const owner = (i: number): number => 9_000_001 + (i % userCount);
    for (let i = 0; i < size; i++) {
      const r = rngFor(seed, 'pipedrive', i);
      const t = (k: number) => BASE + (i * 5 + k) * 60_000;
      const [city, country] = r.pick(CITIES);
      const orgId = 1 + i;
      this.put('organizations', t(0), { id: orgId, name: `${r.pick(['Blue', 'North', 'Harbor', 'Delta', 'Summit'])} ${r.pick(['Logistics', 'Freight', 'Shipping', 'Cargo'])} ${i + 1}`, owner_id: owner(i),
        address: { value: `${10 + r.int(90)} Quay Road, ${city}, ${country}`, street_number: String(10 + r.int(90)), route: 'Quay Road', locality: city, country, postal_code: String(1000 + r.int(8999)) },
        website: `https://org${i + 1}.example.com`, employee_count: 10 + r.int(5000), annual_revenue: null, visible_to: 3, label_ids: [], is_deleted: false,
        custom_fields: { [TIER.field_code]: r.pick([101, 102, 103, null]) } });
      for (let p = 0; p < 2; p++) {
        const first = r.pick(NAMES);
        const last = r.pick(SURNAMES);
        this.put('persons', t(1 + p), { id: 100_000 + i * 2 + p, name: `${first} ${last}`, first_name: first, last_name: last, org_id: orgId, owner_id: owner(i + p),
          emails: [{ value: `${first}.${last}.${i * 2 + p}@customer.example`.toLowerCase(), primary: true, label: 'work' }], phones: [{ value: `+31 10 ${String(1_000_000 + r.int(8_999_999))}`, primary: true, label: 'work' }],
          job_title: r.pick(['Logistics Manager', 'Buyer', 'COO', null]), visible_to: 3, label_ids: [], is_deleted: false, custom_fields: { [LANGUAGE.field_code]: r.pick(['English', 'Dutch', 'German', null]) } });
      }
      const status = r.pick(['open', 'open', 'won', 'lost']);
      this.put('deals', t(3), { id: 500_000 + i, title: `Contract ${i + 1}`, value: 1000 * (1 + r.int(200)), currency: r.pick(['EUR', 'USD']), status, stage_id: 1 + r.int(5), pipeline_id: 1,
        person_id: 100_000 + i * 2, org_id: orgId, owner_id: owner(i), expected_close_date: v2Time(t(0) + 90 * 86_400_000).slice(0, 10), probability: null, is_deleted: false, is_archived: false,
        custom_fields: { [GO_LIVE.field_code]: i % 3 === 0 ? null : v2Time(t(0) + 120 * 86_400_000).slice(0, 10), [LANES.field_code]: i % 2 ? [201, 203] : [202] } });
      this.put('activities', t(4), { id: 700_000 + i, subject: `Follow-up ${i + 1}`, type: r.pick(['call', 'meeting', 'task', 'email', 'deadline']), done: r.chance(0.5), due_date: v2Time(t(0) + 7 * 86_400_000).slice(0, 10), due_time: '10:00',
        deal_id: 500_000 + i, person_id: 100_000 + i * 2, org_id: orgId, owner_id: owner(i + 1), public_description: null, note: null, is_deleted: false });
      this.put('notes', t(4), { id: 800_000 + i, content: `<p>Call notes for ${i + 1}</p>`, deal_id: 500_000 + i, person_id: 100_000 + i * 2, org_id: orgId, user_id: owner(i), active_flag: true, pinned_to_deal_flag: false });
    }
  }

  private put(type: EntityType, at: number, rec: Record<string, unknown>): void {
    const time = type === 'notes' ? { add_time: v1Time(at), update_time: v1Time(at) } : { add_time: v2Time(at), update_time: v2Time(at) };
    this.records[type].set(rec['id'] as number, { ...rec, ...time } as unknown as Rec);
    this.updatedAtMs.set(`${type}:${String(rec['id'])}`, Math.floor(at / 1000) * 1000);
  }

  /** Change fields of a record at `at` (epoch ms; may equal a previous cursor to stage a tie). */
  edit(type: EntityType, id: number, patch: Record<string, unknown>, at: number): void {
    const rec = this.records[type].get(id);
    if (!rec) throw new Error(`no ${type} ${id}`);
    this.records[type].set(id, { ...rec, ...patch, update_time: type === 'notes' ? v1Time(at) : v2Time(at) });
    this.byId.delete(type);
    this.updatedAtMs.set(`${type}:${id}`, Math.floor(at / 1000) * 1000);
  }

  remove(type: EntityType, id: number, at: number): void {
    if (!this.records[type].delete(id)) throw new Error(`no ${type} ${id}`);
    this.byId.delete(type);
    this.deleted.push({ type, id, at: Math.floor(at / 1000) * 1000 });
  }

  /** Live records, sorted by id (the v2 default) or by update_time then id. */
  list(type: EntityType, sortBy: 'id' | 'update_time' = 'id'): Rec[] {
    if (sortBy === 'id') {
      let sorted = this.byId.get(type);
      if (!sorted) this.byId.set(type, (sorted = [...this.records[type].values()].sort((a, b) => a.id - b.id)));
      return sorted;
    }
    return [...this.records[type].values()].sort((a, b) => this.msOf(type, a) - this.msOf(type, b) || a.id - b.id);
  }

  msOf(type: EntityType, rec: Rec): number {
    return this.updatedAtMs.get(`${type}:${rec.id}`)!;
  }
}
