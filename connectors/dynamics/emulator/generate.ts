/**
 * Deterministic, seeded value generation for the Dataverse emulator. Every value is a pure
 * function of (seed, entity, record index, attribute), so a million accounts never sit in memory
 * and two emulators with the same seed serve byte-identical pages.
 */
import { hashString, mix32, rngFor, type Rng as KitRng } from '../../sdk/emulator/prng.ts';

export { hashString, mix32 };

/** The kit's seeded stream with an inclusive `int(min, max)`, as the entity builders use it. */
export interface Rng extends Omit<KitRng, 'int'> {
  int(minInclusive: number, maxInclusive: number): number;
}

export function rng(seed: number, stream: string, index = 0): Rng {
  const r = rngFor(seed, stream, index);
  return { ...r, int: (lo, hi) => lo + r.int(hi - lo + 1) };
}

const hex = (n: number, width: number): string => (n >>> 0).toString(16).padStart(width, '0').slice(-width);

/**
 * A Dataverse-looking GUID that encodes the record index in its last 12 hex digits and an
 * entity/seed tag in its middle groups, so the emulator can decode paging cookies without state.
 */
export function recordGuid(seed: number, entity: string, index: number): string {
  const tag = mix32(hashString(entity) ^ mix32(seed));
  const head = mix32(tag ^ mix32(index));
  const hi = Math.floor(index / 0x100000000);
  return `${hex(head, 8)}-${hex(tag >>> 16, 4)}-${hex((tag & 0x0fff) | 0xe000, 4)}-${hex(0x8000 | (hi & 0x3fff), 4)}-${hex(hi >>> 14, 4)}${hex(index, 8)}`;
}

/** The record index inside a GUID made by recordGuid for this entity, or undefined. */
export function decodeRecordGuid(seed: number, entity: string, guid: string): number | undefined {
  const g = guid.replace(/[{}]/g, '').toLowerCase();
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})([0-9a-f]{8})$/.exec(g);
  if (!m) return undefined;
  const tag = mix32(hashString(entity) ^ mix32(seed));
  if (m[2] !== hex(tag >>> 16, 4)) return undefined;
  const hi = (parseInt(m[5]!, 16) << 14) | (parseInt(m[4]!, 16) & 0x3fff);
  const index = hi * 0x100000000 + parseInt(m[6]!, 16);
  return recordGuid(seed, entity, index) === g ? index : undefined;
}

export const FIRST_NAMES = [
  'Ava', 'Liam', 'Noah', 'Emma', 'Olivia', 'Mateo', 'Sofia', 'Lucas', 'Mia', 'Aarav', 'Yuki', 'Chen', 'Fatima',
  'Omar', 'Ingrid', 'Lars', 'Priya', 'Diego', 'Amara', 'Kwame', 'Elena', 'Ivan', 'Hannah', 'Jonas', 'Zoe', 'Ravi',
] as const;
export const LAST_NAMES = [
  'Smith', 'Garcia', 'Müller', 'Nakamura', 'Okafor', 'Johansson', 'Rossi', 'Dubois', 'Kowalski', 'Patel', 'Kim',
  'Nguyen', "O'Brien", 'Silva', 'Haddad', 'Novak', 'Fischer', 'Larsen', 'Mensah', 'Costa', 'Schmidt', 'Tanaka',
] as const;
const COMPANY_A = ['Northwind', 'Contoso', 'Fabrikam', 'Litware', 'Adatum', 'Tailspin', 'Proseware', 'Wingtip', 'Fourth Coffee', 'Alpine', 'Blue Yonder', 'Coho'] as const;
const COMPANY_B = ['Logistics', 'Freight', 'Shipping', 'Trading', 'Cargo', 'Forwarding', 'Supply', 'Industries', 'Imports', 'Maritime'] as const;
const COMPANY_C = ['Ltd', 'Inc.', 'GmbH', 'S.A.', 'LLC', 'B.V.', 'Pty Ltd', 'AB', 'K.K.', 'plc'] as const;
export const CITIES = [
  ['Seattle', 'WA', 'United States', '98101'], ['Hamburg', 'HH', 'Germany', '20095'], ['Rotterdam', 'ZH', 'Netherlands', '3011'],
  ['Singapore', '', 'Singapore', '018956'], ['São Paulo', 'SP', 'Brazil', '01310-100'], ['Yokohama', 'Kanagawa', 'Japan', '220-0012'],
  ['Lagos', 'LA', 'Nigeria', '100001'], ['Sydney', 'NSW', 'Australia', '2000'], ['Chicago', 'IL', 'United States', '60601'],
  ['Gothenburg', 'VG', 'Sweden', '411 04'], ['Dubai', '', 'United Arab Emirates', '00000'], ['Felixstowe', 'Suffolk', 'United Kingdom', 'IP11 3SY'],
] as const;
const STREETS = ['Harbour Road', 'Main Street', 'Industriestraße', 'Dock Lane', 'Rua Augusta', 'Kaigan-dori', 'Marina Way', 'Cargo Drive'] as const;
const SUBJECTS = ['Follow up on quote', 'Rate review', 'Quarterly business review', 'Customs paperwork', 'Onboarding call', 'Renewal discussion', 'Lane pricing', 'Warehouse visit'] as const;

export function personName(rng: Rng): { first: string; last: string } {
  return { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
}

export function companyName(rng: Rng, index: number): string {
  return `${rng.pick(COMPANY_A)} ${rng.pick(COMPANY_B)} ${rng.pick(COMPANY_C)} #${index + 1}`;
}

export function streetLine(rng: Rng): string {
  return `${rng.int(1, 999)} ${rng.pick(STREETS)}`;
}

export function subject(rng: Rng): string {
  return rng.pick(SUBJECTS);
}

export function phone(rng: Rng): string {
  return `+1-${rng.int(200, 989)}-555-${String(rng.int(0, 9999)).padStart(4, '0')}`;
}

/** ASCII-fold and lower a name for an email local part. */
export function emailLocal(first: string, last: string): string {
  return `${first}.${last}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
}

/** Epoch seconds of the first base modification time (2024-01-01T00:00:00Z). */
export const BASE_EPOCH_S = Date.UTC(2024, 0, 1) / 1000;

/** Dataverse returns whole-second UTC ISO timestamps with a Z suffix. */
export function isoSeconds(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "4/7/2023 2:59 PM": the en-US formatted value Dataverse annotates dates with (UTC here). */
export function formatDateTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const h = d.getUTCHours();
  const hh = h % 12 === 0 ? 12 : h % 12;
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hh}:${String(d.getUTCMinutes()).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

export function formatDateOnly(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${Number(m)}/${Number(d)}/${y}`;
}

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const INTEGER = new Intl.NumberFormat('en-US');

/** "$20,000.00" for a Money value in US Dollar. */
export function formatMoney(amount: number): string {
  return `$${MONEY.format(amount)}`;
}

/** "1,234" for whole numbers. */
export function formatInteger(n: number): string {
  return INTEGER.format(n);
}
