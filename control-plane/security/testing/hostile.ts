/**
 * Table-driven hostile HTTP requests, generated from the API's own OpenAPI document: every route with
 * a body gets malformed bodies, every route with ids gets bad ids, and a fixed list aims injection,
 * traversal and header abuse at chosen fields. Each case says what it expects: `refuse` (a clear 4xx)
 * or `safe` (anything but a 5xx; the value may be stored, literally).
 */
export interface HostileCase { name: string; method: string; url: string; body?: string | Buffer; headers?: Record<string, string>; expect: 'refuse' | 'safe' }

export interface OpenApiRoute { method: string; path: string; hasBody: boolean }

export function routesOf(doc: { paths: Record<string, Record<string, { requestBody?: unknown }>> }): OpenApiRoute[] {
  const out: OpenApiRoute[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      if (method === 'head') continue;
      out.push({ method: method.toUpperCase(), path, hasBody: !!op.requestBody });
    }
  }
  return out;
}

const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);
const json = { 'content-type': 'application/json' };

/** Bodies that no route may accept (each is refused before a handler runs), and invalid UTF-8, which may be stored as U+FFFD. */
export const BAD_BODIES: { name: string; body: string | Buffer; headers: Record<string, string>; expect?: 'safe' }[] = [
  { name: 'truncated JSON', body: '{"name": "x", ', headers: json },
  { name: 'not JSON at all', body: 'name=x&role=admin', headers: json },
  { name: 'an array', body: '[]', headers: json },
  { name: 'a string', body: '"admin"', headers: json },
  { name: 'a number', body: '12345', headers: json },
  { name: 'null', body: 'null', headers: json },
  { name: '__proto__ pollution', body: '{"__proto__": {"role": "admin", "permission": "public"}}', headers: json },
  { name: 'constructor.prototype pollution', body: '{"constructor": {"prototype": {"role": "admin"}}}', headers: json },
  { name: '10 000 nested arrays', body: deep(10_000), headers: json },
  { name: '2 MiB body', body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }), headers: json },
  { name: 'text/plain body', body: '{"name":"x"}', headers: { 'content-type': 'text/plain' } },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), headers: json, expect: 'safe' },
  { name: 'a NUL character in a value', body: '{"name": "a\\u0000b", "url": "https://x.example/\\u0000", "entity": "\\u0000", "yaml": "\\u0000", "from": "\\u0000", "email": "a\\u0000@b.c"}', headers: json },
];

/** Ids that are not UUIDs (or are, but hostile); each id route must refuse them. */
export const BAD_IDS: string[] = [
  'not-a-uuid', "1' OR '1'='1", '..%2F..%2Fetc%2Fpasswd', '%00', 'x'.repeat(300),
  '00000000-0000-0000-0000-00000000000g', '{{7*7}}', '%27%3B%20DROP%20TABLE%20migrations%3B--',
];

export const SQL_STRINGS = ["x'; DROP TABLE migrations; --", '"; DROP SCHEMA public CASCADE; --', "' OR 1=1 --", 'Robert"); SELECT pg_sleep(0); --', '$1$$; SELECT 1; $$'];

/** Bad ids into every id route (ids other than the bad one are valid, tenant A's). */
export function badIdCases(routes: OpenApiRoute[], ids: (path: string) => Record<string, string>): HostileCase[] {
  const out: HostileCase[] = [];
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    for (const p of params) {
      for (const bad of BAD_IDS) {
        const url = r.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === p ? bad : ids(r.path)[name]!));
        out.push({ name: `${r.method} ${r.path} with ${p}=${bad.slice(0, 24)}`, method: r.method, url, ...(r.hasBody ? { body: '{}', headers: json } : {}), expect: 'refuse' });
      }
    }
  }
  return out;
}

export function badBodyCases(routes: OpenApiRoute[], ids: (path: string) => Record<string, string>): HostileCase[] {
  return routes.filter((r) => r.hasBody).flatMap((r) => BAD_BODIES.map((b) => ({
    name: `${r.method} ${r.path} with ${b.name}`, method: r.method, url: r.path.replace(/\{(\w+)\}/g, (_m, n: string) => ids(r.path)[n]!),
    body: b.body, headers: b.headers, expect: b.expect ?? ('refuse' as const),
  })));
}
