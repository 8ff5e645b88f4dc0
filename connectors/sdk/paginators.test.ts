import { describe, expect, it } from 'vitest';
import { PaginatorSchema, type PaginatorDefinition } from './definition.ts';
import { PaginationLoopError } from './errors.ts';
import { linkFor, paginate, type FetchedPage, type Page, type PageRequest } from './paginators.ts';

const ctx = { vendor: 'acme', stream: 'things', recordSelector: 'items', pageSize: 2 };
const json = (body: unknown, headers: Record<string, string> = {}): FetchedPage => ({ body, headers: new Headers(headers) });

async function collect(def: PaginatorDefinition, pages: (req: PageRequest, n: number) => FetchedPage, start?: Page['state']): Promise<{ pages: Page[]; requests: PageRequest[] }> {
  const requests: PageRequest[] = [];
  const out: Page[] = [];
  for await (const p of paginate(def, { ...ctx, start }, async (req) => {
    requests.push(req);
    return pages(req, requests.length);
  })) out.push(p);
  return { pages: out, requests };
}

describe('paginators', () => {
  const cases: { name: string; def: unknown; respond: (req: PageRequest, n: number) => FetchedPage; records: number[]; requests: PageRequest[] }[] = [
    {
      name: 'cursor-in-body (HubSpot paging.next.after)',
      def: { type: 'cursor-in-body', cursorPath: 'paging.next.after', param: 'after' },
      respond: (_r, n) => (n === 1 ? json({ items: [1, 2], paging: { next: { after: 'x2' } } }) : json({ items: [3] })),
      records: [1, 2, 3],
      requests: [{ query: {} }, { query: { after: 'x2' } }],
    },
    {
      name: 'cursor-in-body sent in the JSON body (search)',
      def: { type: 'cursor-in-body', cursorPath: 'paging.next.after', param: 'after', tokenIn: 'body' },
      respond: (_r, n) => (n === 1 ? json({ items: [1], paging: { next: { after: '100' } } }) : json({ items: [2] })),
      records: [1, 2],
      requests: [{ query: {} }, { query: {}, body: { after: '100' } }],
    },
    {
      name: 'next-url-in-body (Salesforce nextRecordsUrl)',
      def: { type: 'next-url-in-body', nextUrlPath: 'nextRecordsUrl' },
      respond: (_r, n) => (n === 1 ? json({ items: [1, 2], nextRecordsUrl: '/services/data/v62.0/query/01g-2000' }) : json({ items: [3], done: true })),
      records: [1, 2, 3],
      requests: [{ query: {} }, { url: '/services/data/v62.0/query/01g-2000', query: {} }],
    },
    {
      name: 'next-url-in-body (OData @odata.nextLink)',
      def: { type: 'next-url-in-body', nextUrlPath: '@odata.nextLink' },
      respond: (_r, n) => (n === 1 ? json({ items: [1], '@odata.nextLink': 'https://org.crm.dynamics.com/api/data/v9.2/accounts?$skiptoken=abc' }) : json({ items: [2] })),
      records: [1, 2],
      requests: [{ query: {} }, { url: 'https://org.crm.dynamics.com/api/data/v9.2/accounts?$skiptoken=abc', query: {} }],
    },
    {
      name: 'offset, stopping on a short page',
      def: { type: 'offset', param: 'start' },
      respond: (r) => json({ items: r.query['start'] === '0' ? [1, 2] : r.query['start'] === '2' ? [3, 4] : [5] }),
      records: [1, 2, 3, 4, 5],
      requests: [{ query: { start: '0' } }, { query: { start: '2' } }, { query: { start: '4' } }],
    },
    {
      name: 'page numbers with a has-more flag (Pipedrive)',
      def: { type: 'offset', mode: 'page', param: 'page', startAt: 1, hasMorePath: 'more' },
      respond: (r) => json({ items: [Number(r.query['page'])], more: r.query['page'] !== '3' }),
      records: [1, 2, 3],
      requests: [{ query: { page: '1' } }, { query: { page: '2' } }, { query: { page: '3' } }],
    },
    {
      name: 'link header rel="next"',
      def: { type: 'link-header' },
      respond: (_r, n) => (n === 1 ? json({ items: [1] }, { link: '<https://api.x.com/v1/things?page=2>; rel="next", <https://api.x.com/v1/things?page=9>; rel="last"' }) : json({ items: [2] })),
      records: [1, 2],
      requests: [{ query: {} }, { url: 'https://api.x.com/v1/things?page=2', query: {} }],
    },
    {
      name: 'cursor in a response header (Sforce-Locator), stopping on "null"',
      def: { type: 'header-cursor', header: 'Sforce-Locator', param: 'locator' },
      respond: (_r, n) => json({ items: [n] }, { 'Sforce-Locator': n === 1 ? 'MTAwMDA' : 'null' }),
      records: [1, 2],
      requests: [{ query: {} }, { query: { locator: 'MTAwMDA' } }],
    },
    {
      name: 'none: a single page',
      def: { type: 'none' },
      respond: () => json({ items: [7, 8, 9] }),
      records: [7, 8, 9],
      requests: [{ query: {} }],
    },
  ];

  it.each(cases)('given $name, then every page is read once and it stops', async ({ def, respond, records, requests }) => {
    const r = await collect(PaginatorSchema.parse(def), respond);
    expect(r.pages.flatMap((p) => p.records)).toEqual(records);
    expect(r.requests).toEqual(requests);
    expect(r.pages.at(-1)!.next).toBeUndefined();
  });

  it.each([
    ['cursor-in-body', { type: 'cursor-in-body', cursorPath: 'next', param: 'after' }, () => json({ items: [1], next: 'same' })],
    ['next-url-in-body', { type: 'next-url-in-body', nextUrlPath: 'next' }, () => json({ items: [1], next: '/again' })],
    ['link-header', { type: 'link-header' }, () => json({ items: [1] }, { link: '</again>; rel="next"' })],
    ['header-cursor', { type: 'header-cursor', header: 'X-Loc', param: 'l' }, () => json({ items: [1] }, { 'X-Loc': 'abc' })],
  ] as const)('given a %s server that repeats its page token, then it throws "loop detected"', async (_n, def, respond) => {
    await expect(collect(PaginatorSchema.parse(def), respond)).rejects.toThrow(PaginationLoopError);
    await expect(collect(PaginatorSchema.parse(def), respond)).rejects.toThrow(/loop detected.*vendor=acme stream=things/);
  });

  it('given a start state, then the cursor paginator resumes at that page', async () => {
    const r = await collect(PaginatorSchema.parse({ type: 'cursor-in-body', cursorPath: 'n', param: 'after' }), () => json({ items: [9] }), { token: 'p5' });
    expect(r.requests).toEqual([{ query: { after: 'p5' } }]);
    expect(r.pages[0]!.state).toEqual({ token: 'p5' });
  });

  it('given records that are not an array, then it names the selector', async () => {
    await expect(collect(PaginatorSchema.parse({ type: 'none' }), () => json({ items: { a: 1 } }))).rejects.toThrow(/"items" is not an array/);
  });

  it.each([
    ['<a>; rel="next"', 'next', 'a'],
    ['<a>; rel="prev", <b>; rel="next"', 'next', 'b'],
    ['<a>; rel="last"', 'next', undefined],
    [null, 'next', undefined],
  ] as const)('given Link %s, then rel=%s is %s', (header, rel, want) => {
    expect(linkFor(header, rel)).toBe(want);
  });
});
