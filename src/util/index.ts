/**
 * The small helpers every layer shares (spec, media, mock, conformance): base64 in both alphabets,
 * joining chunks, byte counts in words, lenient URI decoding, a URL parser that never throws, an
 * abortable sleep. One of each, here, so no layer writes its own (beside: xml.ts, the XML text
 * writer; origin-policy.ts, the headers that keep a relayed page from running on the relay's
 * origin). Runtime-neutral (no node imports): btoa/atob exist in Node >= 16 and every browser.
 */

/** Standard base64 (with padding) of `bytes`. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000; // keep String.fromCharCode's argument list well below engine limits
  for (let i = 0; i < bytes.length; i += CHUNK) binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(binary);
}

/** base64url without padding (RFC 4648 section 5), for URLs. */
export function toBase64Url(bytes: Uint8Array): string {
  return toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Decode base64 in either alphabet, with or without padding; whitespace is ignored. Undefined for
 * anything that is not base64 (no exception to catch).
 */
export function fromBase64(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.replace(/=+$/, '').length % 4 === 1) return undefined;
  try {
    const binary = atob(clean.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** One array of all `chunks`, in order. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** A byte count as people read it: `64 MiB`, `512 KiB`, `1.5 MiB`, `1000 bytes` (binary units, as the bounds are set). */
export function describeBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** `decodeURIComponent` that answers malformed input (`%ZZ`) as it is instead of throwing. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * A promise that resolves after `ms` of real time, or at once when `signal` aborts (never rejects),
 * leaving no timer or listener behind.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The path and query of a serialized http(s) URL (what `Request.url` always is: the fetch standard
 * serializes the parsed URL, and @hono/node-server's lightweight Request hands out `new URL(...).href`),
 * without parsing it again: in a serialization the authority holds no '/', '?' or '#', the path is
 * already normalized and the query is everything from '?' to '#'. `pathname` and `search` equal those
 * of `new URL(href)`. Undefined for anything else (another scheme, no path), which needs a real parse.
 * Runs once per request on the server's hot path, where a second URL parse was a tenth of the mock's work.
 */
export function pathAndQuery(href: string): { pathname: string; search: string } | undefined {
  const scheme = href.startsWith('http://') ? 7 : href.startsWith('https://') ? 8 : 0;
  if (scheme === 0) return undefined;
  const start = href.indexOf('/', scheme);
  if (start === -1) return undefined;
  const hash = href.indexOf('#', start);
  const end = hash === -1 ? href.length : hash;
  const query = href.indexOf('?', start);
  if (query === -1 || query > end) return { pathname: href.slice(start, end), search: '' };
  // A lone '?' is an empty query: URL's `search` is '' then.
  return { pathname: href.slice(start, query), search: query + 1 === end ? '' : href.slice(query, end) };
}

/**
 * `new URL(text, base)` that answers undefined instead of throwing: for every URL a peer hands over
 * (a link in an answer, a request target), where `http://localhost:PORT/x` or `http://a:99999/` is
 * ordinary input and an exception would reach a listener that has no `try` around it.
 */
export function parseUrl(text: string, base?: string | URL): URL | undefined {
  try {
    return new URL(text, base);
  } catch {
    return undefined;
  }
}

/**
 * Read a request's or response's body (after any decoding fetch did), stopping as soon as it exceeds
 * `maxBytes`: the rest is cancelled, so a peer's gigabytes or a gzip bomb cost at most the cap.
 * Resolves to 'too_large' past the limit (a declared Content-Length over it, before reading);
 * rejects only when the stream fails. `onChunk` sees each piece kept, as it arrives.
 */
export async function readLimited(
  message: { headers: Headers; body: ReadableStream<Uint8Array> | null },
  maxBytes: number,
  onChunk?: (chunk: Uint8Array) => void,
): Promise<Uint8Array | 'too_large'> {
  const declared = Number(message.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await message.body?.cancel().catch(() => undefined);
    return 'too_large';
  }
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return 'too_large';
    }
    chunks.push(value);
    onChunk?.(value);
  }
  return concatBytes(chunks);
}
