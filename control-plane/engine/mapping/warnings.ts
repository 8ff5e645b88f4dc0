/**
 * Warnings gathered while transforming: unmapped picklist values, unmatched owners and unmapped
 * fields. Bounded (distinct keys are capped) and serialisable, so they survive a resume.
 */
import type { OwnerWarning, PicklistWarning } from '../../report/types.ts';

const MAX_KEYS = 2000;

export interface WarningSink {
  picklist(entity: string, field: string, value: string, policy: string): void;
  owner(sourceUserId: string, email: string | null, assignedTo: string | null): void;
  unmappedField(entity: string, field: string): void;
}

export interface WarningState {
  picklists: PicklistWarning[];
  owners: OwnerWarning[];
  unmappedFields: Record<string, string[]>;
  other: string[];
}

export class Warnings implements WarningSink {
  private readonly picklists = new Map<string, PicklistWarning>();
  private readonly owners = new Map<string, OwnerWarning>();
  private readonly unmapped = new Map<string, Set<string>>();
  private readonly others = new Set<string>();

  other(message: string): void {
    if (this.others.size < 200) this.others.add(message);
  }

  picklist(entity: string, field: string, value: string, policy: string): void {
    const key = `${entity}\u0000${field}\u0000${value}`;
    const w = this.picklists.get(key);
    if (w) w.count++;
    else if (this.picklists.size < MAX_KEYS) this.picklists.set(key, { entity, field, value, count: 1, policy });
  }

  owner(sourceUserId: string, email: string | null, assignedTo: string | null): void {
    const w = this.owners.get(sourceUserId);
    if (w) w.count++;
    else if (this.owners.size < MAX_KEYS) this.owners.set(sourceUserId, { sourceUserId, email, count: 1, assignedTo });
  }

  unmappedField(entity: string, field: string): void {
    let s = this.unmapped.get(entity);
    if (!s) this.unmapped.set(entity, (s = new Set()));
    if (s.size < 500) s.add(field);
  }

  toJSON(): WarningState {
    return {
      picklists: [...this.picklists.values()],
      owners: [...this.owners.values()],
      unmappedFields: Object.fromEntries([...this.unmapped].map(([k, v]) => [k, [...v].sort()])),
      other: [...this.others],
    };
  }

  /** Add another worker's warnings (a unit's) to these: counts add up, sets unite. */
  absorb(state: Partial<WarningState> | null | undefined): void {
    for (const p of state?.picklists ?? []) {
      const key = `${p.entity}\u0000${p.field}\u0000${p.value}`;
      const w = this.picklists.get(key);
      if (w) w.count += p.count;
      else if (this.picklists.size < MAX_KEYS) this.picklists.set(key, { ...p });
    }
    for (const o of state?.owners ?? []) {
      const w = this.owners.get(o.sourceUserId);
      if (w) w.count += o.count;
      else if (this.owners.size < MAX_KEYS) this.owners.set(o.sourceUserId, { ...o });
    }
    for (const [e, fields] of Object.entries(state?.unmappedFields ?? {})) for (const f of fields) this.unmappedField(e, f);
    for (const m of state?.other ?? []) this.other(m);
  }

  restore(state: Partial<WarningState> | null | undefined): void {
    for (const p of state?.picklists ?? []) this.picklists.set(`${p.entity}\u0000${p.field}\u0000${p.value}`, { ...p });
    for (const o of state?.owners ?? []) this.owners.set(o.sourceUserId, { ...o });
    for (const [e, fields] of Object.entries(state?.unmappedFields ?? {})) this.unmapped.set(e, new Set(fields));
    for (const m of state?.other ?? []) this.others.add(m);
  }
}
