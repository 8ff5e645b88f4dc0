/** The SDK additions of the connector kit: GraphQL cursors, filter templates, per-stream headers, streamed pages, run-time streams. */
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/record-batch.ts';
import { boundRequest, DeclarativeSourceConnector, formatCursor } from './declarative-connector.ts';
import { defineConnector, StreamSchema, type StreamDefinitionInput } from './definition.ts';
import { PaginationLoopError, ResponseShapeError } from './errors.ts';
import { paginate, paginateStreaming, type FetchedPage, type PageRequest } from './paginators.ts';
import { RateLimiterRegistry } from './rate-limiter.ts';
import { fastClock, startScriptedServer, type ScriptedServer } from './testing.ts';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const stream = (s: Partial<StreamDefinitionInput>) => StreamSchema.parse({ name: 's', path: '/s', recordSelector: 'items', ...s });
const SINCE = '2025-03-01T10:00:00.250Z';

describe('filter and query templates bind the incremental cursor as a parameter', () => {
  const cases: { name: string; s: Partial<StreamDefinitionInput>; since?: string; req?: PageRequest; query: Record<string, string>; body?: unknown }[] = [
    { name: 'a SOQL template and a bound', s: { params: { x: '1' }, incremental: { cursorField: 'SystemModstamp', filter: { in: 'template', param: 'q', template: 'SELECT Id FROM Account WHERE SystemModstamp >= {cursor}', full: 'SELECT Id FROM Account', format: 'iso-seconds' } } },
      since: SINCE, query: { x: '1', q: 'SELECT Id FROM Account WHERE SystemModstamp >= 2025-03-01T10:00:00Z' } },
    { name: 'a SOQL template on a first pass', s: { incremental: { cursorField: 'SystemModstamp', filter: { in: 'template', param: 'q', template: 'WHERE m >= {cursor}', full: 'ALL' } } },
      query: { q: 'ALL' } },
    { name: 'a template without a full form on a first pass', s: { incremental: { cursorField: 'm', filter: { in: 'template', param: '$filter', template: 'modifiedon ge {cursor}' } } },
      query: {} },
    { name: 'an OData template', s: { pageSizeParam: '$top', pageSize: 50, incremental: { cursorField: 'm', filter: { in: 'template', param: '$filter', template: 'modifiedon ge {cursor}' } } },
      since: SINCE, query: { $top: '50', $filter: 'modifiedon ge 2025-03-01T10:00:00.250Z' } },
    { name: 'a POST template goes in the body', s: { method: 'POST', body: { limit: 10 }, incremental: { cursorField: 'm', filter: { in: 'template', param: 'filter', template: 'updated_at > {cursor}', format: 'epoch-s' } } },
      since: SINCE, query: {}, body: { limit: 10, filter: 'updated_at > 1740823200' } },
    { name: 'a GraphQL variable', s: { incremental: { cursorField: 'updatedAt', filter: { in: 'variable', name: 'since', format: 'epoch-ms' } } },
      since: SINCE, req: { query: {}, body: { query: 'q', variables: { first: 2 } } }, query: {}, body: { query: 'q', variables: { first: 2, since: '1740823200250' } } },
    { name: 'a query parameter', s: { incremental: { cursorField: 'm', filter: { in: 'query', param: 'since' } } }, since: SINCE, query: { since: SINCE } },
    { name: 'a next-page URL (its own query)', s: { incremental: { cursorField: 'm', filter: { in: 'query', param: 'since' } } }, since: SINCE, req: { url: '/s?page=2', query: {} }, query: {} },
  ];
  for (const c of cases) {
    it(`given ${c.name}, then the request carries ${JSON.stringify(c.query)}`, () => {
      const s = stream(c.s);
      const out = boundRequest(s, c.req ?? { query: {} }, c.since, c.req?.body !== undefined);
      expect(out.query).toEqual(c.query);
      if (c.body !== undefined) expect(out.body).toEqual(c.body);
    });
  }

  it('given a cursor that is not a timestamp (text from a record), then it never reaches the template', () => {
    const s = stream({ incremental: { cursorField: 'm', filter: { in: 'template', param: 'q', template: 'WHERE m >= {cursor}' } } });
    expect(() => boundRequest(s, { query: {} }, "2025' OR 1=1 --")).toThrow(/not a timestamp/);
    expect(formatCursor('2025-03-01T10:00:00+02:00', 'iso')).toBe('2025-03-01T08:00:00.000Z');
  });
});

describe('graphql-cursor paginator', () => {
  const def = { type: 'graphql-cursor' as const, query: 'query($first:Int,$after:String){deals(first:$first,after:$after){nodes{id} pageInfo{hasNextPage endCursor}}}', connectionPath: 'data.deals', cursorVariable: 'after', pageSizeVariable: 'first', variables: { archived: false } };
  const ctx = { vendor: 'acme', stream: 'deals', recordSelector: 'data.deals.nodes', pageSize: 2 };
  const page = (ids: number[], next?: string): FetchedPage => ({ body: { data: { deals: { nodes: ids.map((id) => ({ id })), pageInfo: { hasNextPage: next !== undefined, endCursor: next ?? null } } } }, headers: new Headers() });

  it('given three pages, then it sends first/after as variables and stops when hasNextPage is false', async () => {
    const bodies: unknown[] = [];
    const replies = [page([1, 2], 'c2'), page([3, 4], 'c4'), page([5])];
    const seen: number[] = [];
    for await (const p of paginate(def, ctx, async (req) => (bodies.push(req.body), replies.shift()!))) seen.push(...p.records.map((r) => (r as { id: number }).id));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(bodies).toEqual([
      { query: def.query, variables: { archived: false, first: 2 } },
      { query: def.query, variables: { archived: false, first: 2, after: 'c2' } },
      { query: def.query, variables: { archived: false, first: 2, after: 'c4' } },
    ]);
  });

  const failures: { name: string; replies: () => FetchedPage[]; error: new (...a: never[]) => Error; message: RegExp }[] = [
    { name: 'a repeated endCursor', replies: () => [page([1], 'c1'), page([2], 'c1')], error: PaginationLoopError, message: /loop detected/ },
    { name: 'GraphQL errors and no data', replies: () => [{ body: { errors: [{ message: 'Field "dealz" not found' }], data: null }, headers: new Headers() }], error: ResponseShapeError, message: /GraphQL error: Field "dealz" not found/ },
    { name: 'a connection without pageInfo', replies: () => [{ body: { data: { deals: { nodes: [] } } }, headers: new Headers() }], error: ResponseShapeError, message: /pageInfo/ },
  ];
  for (const f of failures) {
    it(`given ${f.name}, then paging throws ${f.error.name}`, async () => {
      const run = async () => { const r = f.replies(); for await (const _ of paginate(def, ctx, async () => r.shift()!)) void _; };
      await expect(run()).rejects.toThrow(f.error);
      await expect(run()).rejects.toThrow(f.message);
    });
  }

  it('given a streamed body, then paginate refuses it and paginateStreaming passes it on', async () => {
    async function* rows() { yield { id: 1 }; }
    const fetch = async () => ({ body: rows(), headers: new Headers() });
    await expect((async () => { for await (const _ of paginate({ type: 'none' }, ctx, fetch)) void _; })()).rejects.toThrow(/paginateStreaming/);
    const got: unknown[] = [];
    for await (const p of paginateStreaming({ type: 'none' }, ctx, fetch)) for await (const r of p.records) got.push(r);
    expect(got).toEqual([{ id: 1 }]);
  });
});

async function readAll(c: DeclarativeSourceConnector, entity: string, checkpoint?: RecordBatch['checkpoint'], batchSize = 3): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of c.read(entity, { batchSize, checkpoint })) out.push(b);
  return out;
}

describe('DeclarativeSourceConnector with the kit additions', () => {
  it('given a GraphQL API over HTTP with per-stream headers and an incremental variable, then every record arrives and the bound is sent', async () => {
    const rows = Array.from({ length: 7 }, (_, i) => ({ id: `d${i}`, updatedAt: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString() }));
    server = await startScriptedServer((req) => {
      const { variables } = JSON.parse(req.body) as { variables: { first: number; after?: string; since?: string } };
      const from = variables.after ? Number(variables.after) : 0;
      const eligible = rows.filter((r) => !variables.since || r.updatedAt >= variables.since);
      const slice = eligible.slice(from, from + variables.first);
      const end = from + slice.length;
      return { body: { data: { deals: { nodes: slice, pageInfo: { hasNextPage: end < eligible.length, endCursor: String(end) } } } } };
    });
    const def = defineConnector({
      sourceSystem: 'acme', label: 'Acme', baseUrl: server.url, auth: { type: 'bearer', tokenField: 'token' }, headers: { 'x-app': 'nexus' },
      streams: [{ name: 'deals', path: '/graphql', recordSelector: 'data.deals.nodes', pageSize: 3, headers: { 'GraphQL-Features': 'deals_v2' },
        paginator: { type: 'graphql-cursor', query: 'query Deals($first:Int,$after:String,$since:DateTime){deals(first:$first,after:$after,updatedSince:$since){nodes{id updatedAt} pageInfo{hasNextPage endCursor}}}', connectionPath: 'data.deals' },
        incremental: { cursorField: 'updatedAt', filter: { in: 'variable', name: 'since' } } }],
    });
    const c = new DeclarativeSourceConnector(def, { credentials: { token: 't-abcdef123' }, clock: fastClock(), rateLimiters: new RateLimiterRegistry() });
    const first = await readAll(c, 'deals');
    expect(first.flatMap((b) => b.records.map((r) => r.sourceId))).toEqual(rows.map((r) => r.id));
    expect(server.requests.every((r) => r.method === 'POST' && r.headers['graphql-features'] === 'deals_v2' && r.headers['x-app'] === 'nexus')).toBe(true);
    expect(server.requests.length).toBe(3);
    const before = server.requests.length;
    const second = await readAll(c, 'deals', first.at(-1)!.checkpoint);
    expect(JSON.parse(server.requests[before]!.body).variables.since).toBe(rows[6]!.updatedAt);
    expect(second.flatMap((b) => b.records.map((r) => r.sourceId))).toEqual([]);
  });

  it('given a streamed CSV stream, then records are consumed as they arrive and a checkpoint mid-page resumes exactly', async () => {
    const csv = ['id,name,updated', ...Array.from({ length: 8 }, (_, i) => `${i},"Row, ${i}",2025-01-0${1 + Math.floor(i / 3)}T00:00:00Z`)].join('\n') + '\n';
    server = await startScriptedServer(() => ({ headers: { 'content-type': 'text/csv' }, body: csv }));
    const def = defineConnector({
      sourceSystem: 'acme', label: 'Acme', baseUrl: server.url, auth: { type: 'api-key', keyField: 'key', name: 'X-Key' },
      streams: [{ name: 'rows', path: '/export.csv', recordSelector: '', codec: { type: 'csv' }, incremental: { cursorField: 'updated' } }],
    });
    const c = new DeclarativeSourceConnector(def, { credentials: { key: 'k-12345678' }, clock: fastClock(), rateLimiters: new RateLimiterRegistry() });
    const pages: unknown[] = [];
    for await (const p of c.pages(c.stream('rows'), null, undefined)) pages.push(p.records);
    expect(Array.isArray(pages[0])).toBe(false);
    expect(server.requests[0]!.headers['accept']).toBe('text/csv');
    const all = await readAll(c, 'rows');
    expect(all.flatMap((b) => b.records.map((r) => r.fields['name']))).toEqual(Array.from({ length: 8 }, (_, i) => `Row, ${i}`));
    const resumed = await readAll(c, 'rows', all[0]!.checkpoint);
    expect(resumed.flatMap((b) => b.records.map((r) => r.sourceId))).toEqual(['3', '4', '5', '6', '7']);
  });

  it('given streams known only at run time and a catch-all pages hook, then entities() lists them and read() uses the hook', async () => {
    const def = defineConnector({ sourceSystem: 'acme', label: 'Acme', baseUrl: 'http://127.0.0.1:9', auth: { type: 'bearer', tokenField: 'token' }, streams: [{ name: 'fixed', path: '/f', recordSelector: '' }] });
    const c = new DeclarativeSourceConnector(def, {
      credentials: { token: 't-abcdef123' },
      hooks: {
        streamNames: async () => ['fixed', 'Widget__c'],
        stream: async (_ctx, entity) => (entity === 'Widget__c' ? StreamSchema.parse({ name: entity, path: '/w', recordSelector: '', primaryKey: 'Id' }) : undefined),
        pages: { '*': async function* (_ctx, args) { yield { state: null, next: undefined, records: (async function* () { yield { Id: `${args.stream.name}-1` }; })(), body: undefined, headers: new Headers() }; } },
      },
    });
    expect(await c.entities()).toEqual(['fixed', 'Widget__c']);
    expect((await readAll(c, 'Widget__c')).flatMap((b) => b.records.map((r) => r.sourceId))).toEqual(['Widget__c-1']);
    await expect(readAll(c, 'Nope__c')).rejects.toThrow(/Nope__c/);
  });
});
