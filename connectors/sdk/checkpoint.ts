/**
 * Stream checkpoints as pure data. A checkpoint is a function of the records read so far:
 * - `page`/`skip`: where the current pass stands (the page the last emitted record came from and how
 *   many of that page's raw records are consumed), so a resume yields exactly the following records;
 * - `cursor`/`ids`: the incremental high-water mark, max(cursor) and the ids seen AT that cursor,
 *   compared with >= so ties on the timestamp are never skipped;
 * - `since`/`sinceIds`: the lower bound of the pass in progress.
 */
import type { Checkpoint, FieldValue } from '../../shared/record-batch.ts';
import type { PageState } from './paginators.ts';

export interface StreamCheckpoint {
  page?: PageState;
  skip?: number;
  cursor?: string;
  ids?: string[];
  since?: string;
  sinceIds?: string[];
  /** A full-refresh stream finished its pass: nothing follows. */
  complete?: boolean;
}

export interface HighWater {
  cursor?: string;
  ids: string[];
}

/** Normalise a cursor value (ISO string, epoch ms number or numeric string) to an ISO string. */
export function toIsoCursor(value: unknown): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number') return new Date(value).toISOString();
  const s = String(value);
  if (/^\d{10,}$/.test(s)) return new Date(Number(s)).toISOString();
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/**
 * At most this many tie ids are kept, so a checkpoint stays small when a bulk import stamps thousands
 * of records with one timestamp. A partial list is safe: unlisted ties are re-read (idempotent upserts).
 */
export const MAX_TIE_IDS = 500;

/** Fold one record into the high-water mark. Pure. */
export function advanceHighWater(hw: HighWater, cursor: string | undefined, id: string): HighWater {
  if (cursor === undefined) return hw;
  if (hw.cursor === undefined || cursor > hw.cursor) return { cursor, ids: [id] };
  if (cursor === hw.cursor && hw.ids.length < MAX_TIE_IDS && !hw.ids.includes(id)) return { cursor, ids: [...hw.ids, id] };
  return hw;
}

/** Does a record belong to the pass whose lower bound is (since, sinceIds)? `>=` with tie handling. */
export function afterLowerBound(cursor: string | undefined, id: string, since: string | undefined, sinceIds: readonly string[]): boolean {
  if (since === undefined) return true;
  if (cursor === undefined) return true; // no cursor on the record: never drop it
  if (cursor > since) return true;
  return cursor === since && !sinceIds.includes(id);
}

/** The lower bound for a new pass starting from a finished pass's checkpoint, minus the lookback. */
export function lowerBoundFrom(cp: StreamCheckpoint, lookbackSeconds: number): { since?: string; sinceIds: string[] } {
  if (cp.since !== undefined) return { since: cp.since, sinceIds: cp.sinceIds ?? [] };
  if (cp.cursor === undefined) return { sinceIds: [] };
  if (lookbackSeconds <= 0) return { since: cp.cursor, sinceIds: cp.ids ?? [] };
  return { since: new Date(Date.parse(cp.cursor) - lookbackSeconds * 1000).toISOString(), sinceIds: [] };
}

export function parseStreamCheckpoint(cp: Checkpoint | undefined): StreamCheckpoint {
  if (!cp) return {};
  const out: StreamCheckpoint = {};
  if (cp['page'] !== undefined) out.page = cp['page'] as PageState;
  if (typeof cp['skip'] === 'number') out.skip = cp['skip'];
  if (typeof cp['cursor'] === 'string') out.cursor = cp['cursor'];
  if (Array.isArray(cp['ids'])) out.ids = cp['ids'].map(String);
  if (typeof cp['since'] === 'string') out.since = cp['since'];
  if (Array.isArray(cp['sinceIds'])) out.sinceIds = cp['sinceIds'].map(String);
  if (cp['complete'] === true) out.complete = true;
  return out;
}

/** Serialize, dropping undefined keys so equal states compare equal. */
export function toCheckpoint(s: StreamCheckpoint): Checkpoint {
  const out: Checkpoint = {};
  for (const [k, v] of Object.entries(s)) if (v !== undefined) out[k] = v as FieldValue;
  return out;
}
