/**
 * Paging styles as sandboxes serve them, over an index range: offset/limit, page numbers, opaque
 * cursors (`after` tokens, skip tokens, query locators) and next links. A vendor picks one and
 * renders the cursor where its API documents it (body field, link, header).
 */
export interface PageRequest {
  /** First position of the page. */
  start: number;
  limit: number;
}

export interface PageOut {
  start: number;
  end: number;
  /** Position of the next page, or undefined at the end. */
  next?: number;
}

/** Clamp a requested page size to [1, max], with the vendor default when absent or invalid. */
export function pageSize(raw: string | number | null | undefined, dflt: number, max: number): number {
  const n = Number(raw ?? dflt);
  return Math.min(max, Math.max(1, Number.isFinite(n) && n > 0 ? Math.floor(n) : dflt));
}

export function slice(req: PageRequest, total: number): PageOut {
  const end = Math.min(total, req.start + req.limit);
  return end < total ? { start: req.start, end, next: end } : { start: req.start, end };
}

/** A non-negative integer offset from a raw parameter, or undefined if it is not one. */
export function offsetParam(raw: string | number | null | undefined): number | undefined {
  if (raw === null || raw === undefined || raw === '') return 0;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Opaque cursors: a JSON state sealed with a tag so a client cannot forge or reuse another
 * stream's cursor. `open` returns undefined for anything it did not issue.
 */
export function cursorCodec<S>(tag: string): { seal(state: S): string; open(token: string): S | undefined } {
  return {
    seal: (state) => Buffer.from(JSON.stringify({ t: tag, s: state })).toString('base64url'),
    open(token) {
      try {
        const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t?: string; s?: S };
        return v.t === tag ? v.s : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** The same URL with `param` set to `value` (next links keep every other query parameter). */
export function nextLink(base: string, url: URL, param: string, value: string): string {
  const link = new URL(`${base}${url.pathname}`);
  for (const [k, v] of url.searchParams) if (k !== param) link.searchParams.append(k, v);
  link.searchParams.set(param, value);
  return link.toString();
}

/** An RFC 8288 Link header for the next page. */
export const linkHeader = (href: string, rel = 'next'): string => `<${href}>; rel="${rel}"`;
