/**
 * One exchange as a HAR 1.2 entry, secrets redacted. Transport-free: the proxy (src/proxy) gives it
 * what it saw on the wire, and the bytes are kept as HAR keeps them (text, or base64 for media).
 */
import { encodeBody, REDACTED, type HarChunk, type HarEntry, type HarNameValue } from './har.js';

/** Request headers whose values are credentials: never written to a recording. */
export const SECRET_REQUEST_HEADERS = ['authorization', 'proxy-authorization', 'x-api-key', 'api-key', 'cookie', 'x-sora-admin-token'];
/** Response headers whose values are credentials. */
export const SECRET_RESPONSE_HEADERS = ['set-cookie'];

export interface ExchangeToRecord {
  /** Epoch ms when the request started. */
  startedAt: number;
  /** Who asked: the client through the proxy, or the proxy itself (media of a link an answer carried). */
  by: 'client' | 'proxy';
  request: { method: string; url: string; httpVersion: string; headers: ReadonlyArray<readonly [string, string]>; body: Uint8Array };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    headers: ReadonlyArray<readonly [string, string]>;
    /** The body as the client got it, content-decoded. */
    body: Uint8Array;
    /** Set for event streams: each chunk's arrival (ms after the headers) and size. */
    chunks?: HarChunk[];
  };
  /** ms: sending the request, waiting for the headers, receiving the body. */
  timings: { send: number; wait: number; receive: number };
  /** The body was longer than the proxy keeps; what is recorded is its start. */
  truncated?: boolean;
}

const header = (headers: ReadonlyArray<readonly [string, string]>, name: string): string | undefined =>
  headers.find(([n]) => n.toLowerCase() === name)?.[1];

/**
 * The secrets a request carries (licence, API keys, cookies), to be scrubbed wherever they appear.
 * Short values (under 8 characters) are not scrubbed from bodies: they would match innocent text.
 */
export function secretsOf(headers: ReadonlyArray<readonly [string, string]>): string[] {
  const out = new Set<string>();
  for (const [name, value] of headers) {
    if (!SECRET_REQUEST_HEADERS.includes(name.toLowerCase())) continue;
    const bare = value.replace(/^(Bearer|Basic|Token)\s+/i, '').trim();
    for (const v of [value.trim(), bare, ...bare.split(/;\s*/).map((c) => c.slice(c.indexOf('=') + 1))]) if (v.length >= 8) out.add(v);
  }
  return [...out].sort((a, b) => b.length - a.length);
}

function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  return out;
}

function headerList(headers: ReadonlyArray<readonly [string, string]>, secret: readonly string[], secrets: readonly string[]): HarNameValue[] {
  return headers.map(([name, value]) => ({ name, value: secret.includes(name.toLowerCase()) ? REDACTED : scrub(value, secrets) }));
}

function cookies(value: string | undefined, separator: RegExp): Array<{ name: string; value: string }> {
  if (!value) return [];
  return value
    .split(separator)
    .map((c) => c.split(';')[0].trim())
    .filter((c) => c.includes('='))
    .map((c) => ({ name: c.slice(0, c.indexOf('=')).trim(), value: REDACTED }));
}

function mimeOf(headers: ReadonlyArray<readonly [string, string]>, fallback: string): string {
  return header(headers, 'content-type') ?? fallback;
}

/** The HAR entry of an exchange: headers named in SECRET_* are `[redacted]`, and their values are scrubbed from text bodies and URLs. */
export function toHarEntry(exchange: ExchangeToRecord): HarEntry {
  const { request, response } = exchange;
  const secrets = secretsOf(request.headers);
  const url = new URL(scrub(request.url, secrets));
  const requestType = mimeOf(request.headers, 'application/octet-stream');
  const requestBody = encodeBody(request.body, requestType);
  const responseType = mimeOf(response.headers, response.body.length === 0 ? '' : 'application/octet-stream');
  const responseBody = encodeBody(response.body, responseType || 'application/octet-stream');
  const location = header(response.headers, 'location');
  const comments = exchange.truncated ? { comment: 'body truncated: longer than the proxy keeps (--max-body-bytes)' } : {};
  return {
    startedDateTime: new Date(exchange.startedAt).toISOString(),
    time: exchange.timings.send + exchange.timings.wait + exchange.timings.receive,
    request: {
      method: request.method,
      url: url.href,
      httpVersion: `HTTP/${request.httpVersion}`,
      cookies: cookies(header(request.headers, 'cookie'), /;\s*/),
      headers: headerList(request.headers, SECRET_REQUEST_HEADERS, secrets),
      queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
      ...(request.body.length > 0
        ? {
            postData: {
              mimeType: requestType,
              text: requestBody.base64 ? requestBody.text : scrub(requestBody.text, secrets),
              ...(requestBody.base64 ? { _encoding: 'base64' as const } : {}),
            },
          }
        : {}),
      headersSize: -1,
      bodySize: request.body.length,
    },
    response: {
      status: response.status,
      statusText: response.statusText,
      httpVersion: `HTTP/${response.httpVersion}`,
      cookies: response.headers.filter(([n]) => n.toLowerCase() === 'set-cookie').flatMap(([, v]) => cookies(v, /\n/)),
      headers: headerList(response.headers, SECRET_RESPONSE_HEADERS, secrets),
      content: {
        size: response.body.length,
        mimeType: responseType,
        ...(response.body.length > 0
          ? responseBody.base64
            ? { text: responseBody.text, encoding: 'base64' }
            : { text: scrub(responseBody.text, secrets) }
          : {}),
        ...(response.chunks ? { _chunks: response.chunks } : {}),
        ...comments,
      },
      redirectURL: location ?? '',
      headersSize: -1,
      bodySize: response.body.length,
    },
    cache: {},
    timings: { ...exchange.timings },
    _sora: { by: exchange.by },
  };
}
