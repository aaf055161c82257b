// A request URL's path and query, sliced from the string where parsing it again
// could not change them: two `new URL` per request were ~3 % of the edge's CPU.

/** Characters WHATWG URL leaves as they are in a path and query (no `%`, `'`, `#`, `\`). */
const PLAIN = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/?]*$/;
/** A `.` or `..` segment, which URL would resolve. */
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;

export interface RequestTarget {
  /** e.g. `/v1/chat/completions` */
  pathname: string;
  /** Path and query, e.g. `/v1/models?x=1` */
  path: string;
}

/** `new URL(url)`'s pathname and pathname + search, without parsing the URL when the slice is the same. */
export function requestTarget(url: string): RequestTarget {
  const scheme = url.indexOf('://');
  const start = scheme < 0 ? -1 : url.indexOf('/', scheme + 3);
  if (start >= 0) {
    const path = url.slice(start);
    if (PLAIN.test(path) && !DOT_SEGMENT.test(path)) {
      const query = path.indexOf('?');
      // An empty query is no search to URL: `/x?` reads as `/x`.
      if (query < 0 || query < path.length - 1) return { pathname: query < 0 ? path : path.slice(0, query), path };
    }
  }
  const parsed = new URL(url);
  return { pathname: parsed.pathname, path: parsed.pathname + parsed.search };
}
