/**
 * The emulator's entity model: attribute specs (Dataverse attribute types, option sets, lookup
 * targets) and the raw generated values that the serializer turns into Web API JSON.
 */
import { recordGuid, type Rng } from './generate.ts';

export type AttrType =
  | 'Uniqueidentifier' | 'String' | 'Memo' | 'Integer' | 'BigInt' | 'Money' | 'Decimal' | 'Double'
  | 'DateTime' | 'Boolean' | 'Picklist' | 'State' | 'Status' | 'Lookup' | 'Customer' | 'Owner';

export interface OptionSpec {
  value: number;
  label: string;
  /** For Status options: the statecode this status belongs to. */
  state?: number;
}

export interface AttrSpec {
  /** Attribute logical name (lookups: `ownerid`; the Web API property is `_ownerid_value`). */
  name: string;
  type: AttrType;
  maxLength?: number;
  options?: OptionSpec[];
  /** Lookup targets (entity logical names). */
  targets?: string[];
  custom?: boolean;
  /** DateTime attributes with the DateOnly format (served as "2024-05-01"). */
  dateOnly?: boolean;
  required?: boolean;
  /** Boolean labels [false, true]. */
  booleanLabels?: [string, string];
}

/** A reference to another record: generated entity + index, or a fixed record (team, currency). */
export interface LookupRef {
  lookup: string;
  index?: number;
  id?: string;
  name?: string;
}

export type RawValue = string | number | boolean | null | LookupRef;
export type RawRecord = Record<string, RawValue>;

export interface GenContext {
  seed: number;
  /** Number of accounts (the `--records` switch). */
  accounts: number;
  count(entity: string): number;
}

export interface EntitySpec {
  logicalName: string;
  entitySetName: string;
  primaryId: string;
  primaryName: string;
  objectTypeCode: number;
  displayName: string;
  displayCollectionName: string;
  count(accounts: number): number;
  attributes: AttrSpec[];
  /** The primary name of record `index` (used for lookup formatted values). */
  name(ctx: GenContext, index: number): string;
  /** Every attribute except the primary id, createdon/modifiedon and versionnumber (the store adds those). */
  build(ctx: GenContext, index: number, rng: Rng): RawRecord;
}

export const lookup = (entity: string, index: number): LookupRef => ({ lookup: entity, index });

export const STATE_ACTIVE: OptionSpec[] = [{ value: 0, label: 'Active' }, { value: 1, label: 'Inactive' }];
export const STATUS_ACTIVE: OptionSpec[] = [{ value: 1, label: 'Active', state: 0 }, { value: 2, label: 'Inactive', state: 1 }];

/** Attributes every user-owned entity carries. */
export function ownedAttributes(state: OptionSpec[], status: OptionSpec[]): AttrSpec[] {
  return [
    { name: 'ownerid', type: 'Owner', targets: ['systemuser', 'team'] },
    { name: 'owningbusinessunit', type: 'Lookup', targets: ['businessunit'] },
    { name: 'statecode', type: 'State', options: state },
    { name: 'statuscode', type: 'Status', options: status },
  ];
}

export const BUSINESS_UNITS = 5;
export const TEAMS = 5;

/** Owner and owning business unit: mostly users, about 5% teams (polymorphic ownerid). */
export function ownership(ctx: GenContext, rng: Rng): { ownerid: LookupRef; owningbusinessunit: LookupRef } {
  if (rng.chance(0.05)) {
    const team = rng.int(0, TEAMS - 1);
    return { ownerid: teamRef(ctx, team), owningbusinessunit: lookup('businessunit', team % BUSINESS_UNITS) };
  }
  const user = rng.int(0, ctx.count('systemuser') - 1);
  return { ownerid: lookup('systemuser', user), owningbusinessunit: lookup('businessunit', userBusinessUnit(user)) };
}

/** User 0 (the admin) sits in the root business unit; the others spread over the four children. */
export function userBusinessUnit(user: number): number {
  return user === 0 ? 0 : 1 + (user % (BUSINESS_UNITS - 1));
}

export function teamRef(ctx: GenContext, team: number): LookupRef {
  return { lookup: 'team', id: recordGuid(ctx.seed, 'team', team), name: `${BU_NAMES[team % BUSINESS_UNITS]} Sales Team` };
}

export const BU_NAMES = ['Northwind Holdings', 'Northwind EMEA', 'Northwind Americas', 'Northwind APAC', 'Northwind LATAM'] as const;

export function currencyRef(ctx: GenContext): LookupRef {
  return { lookup: 'transactioncurrency', id: recordGuid(ctx.seed, 'transactioncurrency', 0), name: 'US Dollar' };
}

/** Pick a status consistent with a state. */
export function statusFor(rng: Rng, statuses: OptionSpec[], state: number): number {
  return rng.pick(statuses.filter((s) => s.state === state)).value;
}

/** Pick a state with weights (first weight for value 0, ...). */
export function weightedState(rng: Rng, states: OptionSpec[], weights: number[]): number {
  let r = rng.next() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < states.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return states[i]!.value;
  }
  return states[states.length - 1]!.value;
}

export function dateOnly(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10);
}
