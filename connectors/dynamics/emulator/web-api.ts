/**
 * Request handlers for /api/data/v9.2/: entity sets (paged with Dataverse paging cookies),
 * single records, EntityDefinitions metadata, WhoAmI and RetrieveTotalRecordCount, and change
 * tracking (`Prefer: odata.track-changes` → `@odata.deltaLink`; `$deltatoken` → changes and `$deletedEntity`s).
 */
import { ODataError, checkOrderBy, decodeSkipToken, encodeSkipToken, parseFilter, parsePrefer, parseSelect, type Preferences } from './odata.ts';
import { annotationFilter, serializeRecord } from './serialize.ts';
import { entityJson, optionSetAttributesJson, attributesJson, projectJson } from './metadata.ts';
import { ENTITY_SPECS, type OrderKey, type RecordStore } from './store.ts';
import type { FaultSwitches } from '../../sdk/emulator/index.ts';
import type { EntitySpec } from './entity-types.ts';

export interface ApiRequest {
  /** Path after /api/data/v9.x/, still percent-encoded. */
  resource: string;
  /** Raw query pairs in order, values decoded (no '+' → space). */
  query: Array<[string, string, string]>;
  prefer: string | string[] | undefined;
  /** Org URL, e.g. http://127.0.0.1:4010 */
  baseUrl: string;
  apiVersion: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Parse a query string keeping both the raw and the decoded value (OData literals may contain '+'). */
export function parseQuery(search: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const piece of search.replace(/^\?/, '').split('&')) {
    if (!piece) continue;
    const eq = piece.indexOf('=');
    const rawKey = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
    try {
      // Form decoding, as IIS does: '+' is a space (encode a literal '+' in a UTC offset as %2B).
      out.push([decodeURIComponent(rawKey.replace(/\+/g, ' ')), decodeURIComponent(rawValue.replace(/\+/g, ' ')), piece]);
    } catch {
      throw new ODataError(400, '0x80060888', `Malformed query string parameter '${rawKey}'.`);
    }
  }
  return out;
}

const param = (req: ApiRequest, name: string): string | null => req.query.find(([k]) => k === name)?.[1] ?? null;

export class WebApi {
  constructor(
    private readonly store: RecordStore,
    private readonly faults: FaultSwitches,
    private readonly identity: { userId: string; businessUnitId: string; organizationId: string },
    /** Tables (logical names) whose change tracking is off: odata.track-changes is ignored, $deltatoken refused. */
    private readonly untracked: ReadonlySet<string> = new Set(),
  ) {}

  handle(req: ApiRequest): ApiResponse {
    const seg = decodeURIComponent(req.resource);
    if (seg === 'WhoAmI' || seg === 'WhoAmI()') {
      return { status: 200, body: { '@odata.context': `${this.apiRoot(req)}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`, BusinessUnitId: this.identity.businessUnitId, UserId: this.identity.userId, OrganizationId: this.identity.organizationId } };
    }
    if (seg.startsWith('EntityDefinitions')) return this.metadata(req, seg);
    if (seg.startsWith('RetrieveTotalRecordCount')) return this.totalCount(req, seg);
    const m = /^([a-z_]+)(?:\(([^)]*)\))?$/.exec(seg);
    const spec = m ? this.store.specBySet(m[1]!) : undefined;
    if (!m || !spec) throw new ODataError(404, '0x8006088a', `Resource not found for the segment '${seg.split(/[(/]/)[0]}'.`);
    if (m[2] !== undefined) return this.single(req, spec, m[2]);
    return this.page(req, spec);
  }

  private apiRoot(req: ApiRequest): string {
    return `${req.baseUrl}/api/data/${req.apiVersion}/`;
  }

  private single(req: ApiRequest, spec: EntitySpec, key: string): ApiResponse {
    const index = this.store.indexOf(spec.logicalName, key);
    if (index === undefined || this.store.isDeleted(spec.logicalName, index)) throw new ODataError(404, '0x80040217', `${spec.logicalName} With Id = ${key} Does Not Exist`);
    const prefs = parsePrefer(req.prefer);
    const select = parseSelect(spec, param(req, '$select'));
    const body = serializeRecord(this.store, spec, this.store.record(spec, index), { select, include: annotationFilter(prefs.includeAnnotations) });
    const ctx = `${this.apiRoot(req)}$metadata#${spec.entitySetName}${select ? `(${[...select].join(',')})` : ''}/$entity`;
    return { status: 200, body: { '@odata.context': ctx, ...body }, headers: applied(prefs) };
  }

  private page(req: ApiRequest, spec: EntitySpec): ApiResponse {
    const prefs = parsePrefer(req.prefer);
    const tracked = !this.untracked.has(spec.logicalName);
    const deltaParam = param(req, '$deltatoken');
    if (deltaParam !== null) return this.delta(req, spec, deltaParam, prefs);
    const select = parseSelect(spec, param(req, '$select'));
    const filter = parseFilter(spec, param(req, '$filter'));
    checkOrderBy(spec, param(req, '$orderby'));
    const topText = param(req, '$top');
    const top = topText === null ? undefined : Number(topText);
    if (top !== undefined && (!Number.isInteger(top) || top < 0)) throw new ODataError(400, '0x80060888', `Invalid value for $top: '${topText}'.`);
    // $top wins over odata.maxpagesize and disables paging, as in Dataverse.
    const pageSize = Math.min(top ?? prefs.maxPageSize ?? 5000, 5000);
    const token = param(req, '$skiptoken');
    let after: OrderKey | undefined;
    let pageNumber = 1;
    let deltaToken: string | undefined;
    if (token !== null) {
      const decoded = decodeSkipToken(spec, token);
      const index = this.store.indexOf(spec.logicalName, decoded.lastId);
      if (index === undefined) throw new ODataError(400, '0x80040203', `Invalid $skiptoken for ${spec.entitySetName}: unknown record.`);
      after = { modifiedon: decoded.lastModified, index };
      pageNumber = decoded.pageNumber;
      deltaToken = decoded.deltaToken;
    } else if (prefs.trackChanges && tracked) {
      // The tracking start is taken when the pass starts: a change made while it pages shows up in the next delta.
      deltaToken = formatDeltaToken(this.store.currentChange());
    }
    if (deltaToken !== undefined) prefs.applied.push('odata.track-changes');
    const include = annotationFilter(prefs.includeAnnotations);
    const rows: Record<string, unknown>[] = [];
    const keys: OrderKey[] = [];
    const matches = (k: OrderKey): boolean => {
      if (filter.predicates.length === 0) return true;
      const raw = this.store.record(spec, k.index);
      return filter.predicates.every((p) => p(raw));
    };
    let it = this.store.scan(spec.logicalName, filter.bounds, after);
    for (let r = it.next(); !r.done && rows.length < pageSize; r = it.next()) {
      if (!matches(r.value)) continue;
      rows.push(serializeRecord(this.store, spec, this.store.record(spec, r.value.index), { select, include }));
      keys.push(r.value);
    }
    const lastKey = keys[keys.length - 1];
    if (lastKey && this.faults.modification(1) !== undefined) this.store.mutateAhead(spec.logicalName, lastKey, 3, this.faults.rng);
    let more = false;
    if (top === undefined && lastKey) {
      it = this.store.scan(spec.logicalName, filter.bounds, lastKey);
      for (let r = it.next(); !r.done; r = it.next()) {
        if (matches(r.value)) {
          more = true;
          break;
        }
      }
    }
    const ctx = `${this.apiRoot(req)}$metadata#${spec.entitySetName}${select ? `(${[...select].join(',')})` : ''}${deltaToken !== undefined ? '/$delta' : ''}`;
    const body: Record<string, unknown> = { '@odata.context': ctx, value: rows };
    const kept = req.query.filter(([k]) => k !== '$skiptoken').map(([, , rawPiece]) => rawPiece);
    if (more && lastKey) {
      const first = keys[0]!;
      const cookie = encodeSkipToken(spec, pageNumber, { key: lastKey, id: this.store.guid(spec.logicalName, lastKey.index) }, { key: first, id: this.store.guid(spec.logicalName, first.index) }, deltaToken);
      body['@odata.nextLink'] = `${this.apiRoot(req)}${spec.entitySetName}?${[...kept, `$skiptoken=${encodeURIComponent(cookie)}`].join('&')}`;
    } else if (deltaToken !== undefined) {
      body['@odata.deltaLink'] = this.deltaLink(req, spec, deltaToken, kept);
    }
    return { status: 200, body, headers: applied(prefs) };
  }

  /** The delta link of a defining query: its own options (no $filter/$orderby/$skiptoken) plus the token. */
  private deltaLink(req: ApiRequest, spec: EntitySpec, token: string, pieces: string[]): string {
    const kept = pieces.filter((p) => !/^(\$|%24)(skiptoken|deltatoken|orderby|filter|top)=/i.test(p));
    return `${this.apiRoot(req)}${spec.entitySetName}?${[...kept, `$deltatoken=${encodeURIComponent(token)}`].join('&')}`;
  }

  /**
   * A delta request: the records changed since the token (as they are now) and a `$deletedEntity`
   * entry per deleted record, in change order, in one page; the last page carries the next delta link.
   */
  private delta(req: ApiRequest, spec: EntitySpec, token: string, prefs: Preferences): ApiResponse {
    if (this.untracked.has(spec.logicalName)) throw new ODataError(400, '0x80044197', `Change tracking is not enabled for entity ${spec.logicalName}.`);
    const since = parseDeltaToken(token);
    if (since === undefined || since > this.store.currentChange()) throw new ODataError(400, '0x80044197', `Invalid $deltatoken for ${spec.entitySetName}.`);
    const select = parseSelect(spec, param(req, '$select'));
    const include = annotationFilter(prefs.includeAnnotations);
    const root = this.apiRoot(req);
    const value = this.store.changesSince(spec.logicalName, since).map((c) =>
      c.deleted
        ? { '@odata.context': `${root}$metadata#${spec.entitySetName}/$deletedEntity`, id: this.store.guid(spec.logicalName, c.index), reason: 'deleted' }
        : serializeRecord(this.store, spec, this.store.record(spec, c.index), { select, include }),
    );
    prefs.applied.push('odata.track-changes');
    const kept = req.query.map(([, , rawPiece]) => rawPiece);
    return {
      status: 200,
      body: {
        '@odata.context': `${root}$metadata#${spec.entitySetName}${select ? `(${[...select].join(',')})` : ''}/$delta`,
        '@odata.deltaLink': this.deltaLink(req, spec, formatDeltaToken(this.store.currentChange()), kept),
        value,
      },
      headers: applied(prefs),
    };
  }

  private metadata(req: ApiRequest, seg: string): ApiResponse {
    const m = /^EntityDefinitions(?:\(LogicalName='([a-z_]+)'\))?(?:\/Attributes(?:\/Microsoft\.Dynamics\.CRM\.(Picklist|State|Status)AttributeMetadata)?)?$/.exec(seg);
    if (!m) throw new ODataError(400, '0x80060888', `Unsupported metadata request '${seg}'.`);
    const select = param(req, '$select');
    const root = `${this.apiRoot(req)}$metadata#EntityDefinitions`;
    if (!m[1]) {
      const filter = param(req, '$filter');
      const wanted = filter ? /LogicalName eq '([a-z_]+)'/.exec(filter)?.[1] : undefined;
      const specs = ENTITY_SPECS.filter((s) => !wanted || s.logicalName === wanted);
      const expand = /^Attributes/.test(param(req, '$expand') ?? '');
      return { status: 200, body: { '@odata.context': root, value: specs.map((s) => projectJson(entityJson(s, expand, !this.untracked.has(s.logicalName)), select)) } };
    }
    const spec = this.store.spec(m[1]);
    if (!spec) throw new ODataError(404, '0x80040217', `Could not find entity with LogicalName '${m[1]}'.`);
    const isAttributes = seg.includes('/Attributes');
    if (!isAttributes) {
      const expand = /^Attributes/.test(param(req, '$expand') ?? '');
      return { status: 200, body: { '@odata.context': `${root}/$entity`, ...projectJson(entityJson(spec, expand, !this.untracked.has(spec.logicalName)), select) } };
    }
    const cast = m[2] as 'Picklist' | 'State' | 'Status' | undefined;
    const list = cast ? optionSetAttributesJson(spec, cast) : attributesJson(spec);
    return { status: 200, body: { '@odata.context': `${root}('${spec.logicalName}')/Attributes`, value: list.map((a) => projectJson(a, select)) } };
  }

  private totalCount(req: ApiRequest, seg: string): ApiResponse {
    const inline = /EntityNames=(\[[^\]]*\])/.exec(seg)?.[1];
    const alias = /EntityNames=(@\w+)/.exec(seg)?.[1];
    const listText = inline ?? (alias ? param(req, alias) : null);
    let names: string[];
    try {
      names = JSON.parse((listText ?? '[]').replace(/'/g, '"')) as string[];
    } catch {
      throw new ODataError(400, '0x80060888', 'EntityNames must be a JSON array of entity logical names.');
    }
    const keys = names.filter((n) => this.store.spec(n));
    return {
      status: 200,
      body: {
        '@odata.context': `${this.apiRoot(req)}$metadata#Microsoft.Dynamics.CRM.RetrieveTotalRecordCountResponse`,
        EntityRecordCountCollection: { Count: keys.length, IsReadOnly: false, Keys: keys, Values: keys.map((k) => this.store.liveCount(k)) },
      },
    };
  }
}

/** Dataverse delta tokens read `<change number>!<UTC date time>`; the emulator reads the number back. */
export function formatDeltaToken(change: number): string {
  const d = new Date();
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${change}!${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

export function parseDeltaToken(token: string): number | undefined {
  const m = /^(\d+)!/.exec(token);
  return m ? Number(m[1]) : undefined;
}

function applied(prefs: Preferences): Record<string, string> {
  return prefs.applied.length ? { 'Preference-Applied': prefs.applied.join(',') } : {};
}
