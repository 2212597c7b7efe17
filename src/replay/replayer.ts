/**
 * Replay of recorded sessions (HAR 1.2, as `sora-kit proxy --record` writes them): Fetch API Request
 * in, the recorded Response out. Transport-free (no node: imports), so `sora-kit serve --replay` and
 * `createSoraHandlers({ replay })` in msw (Node or browser) answer alike.
 *
 * - A request matches a recorded one by method, path, query (as a set of parameters) and body: JSON
 *   compared as values (key order aside), multipart forms by their fields and files (the boundary
 *   aside), other bodies byte for byte. Headers do not count (the licence was redacted anyway).
 * - Recordings that match the same request form a sequence: the n-th such request gets the n-th
 *   recorded answer and the last one repeats, so a create -> poll -> content flow replays with its
 *   progress in order.
 * - Answers carry the recorded status, headers and bytes, with `nosniff`, and active content
 *   sandboxed (recorded-answer.ts). An event stream is replayed chunk by chunk (chunks less than
 *   MERGE_MS apart as one) with its recorded pacing divided by `speed` (0: no delay). What cannot be
 *   served within the bounds is refused at load; an answer no HTTP answer can be (status 101) gets a
 *   502 envelope.
 * - Absolute links in answers to URLs that were themselves recorded (the deployment's files, or media
 *   of a CDN the proxy fetched) are rewritten to the replay's own origin, which serves their bytes:
 *   the deployment's under the same path, a foreign origin's under `<basePath>/__replay/<scheme>/<host>/...`.
 */
import { concatBytes } from '../util/index.js';
import { parseHar, postDataBytes, type Har, type HarEntry } from './har.js';
import { prepareAnswer, REPLAY_LIMITS, type RecordedAnswer, type ReplayLimits } from './recorded-answer.js';

/** A recording: a parsed HAR document, optionally with the name errors should use (its file name). */
export type ReplayRecording = Har | { name: string; har: Har };

/** Bounds of what one recorded answer may need (REPLAY_LIMITS by default): beyond them a recording is refused at load, naming the entry. */
export interface ReplayOptions extends Partial<ReplayLimits> {
  /** Pacing of recorded event streams: 2 plays twice as fast, 0 without delay. Default 1. */
  speed?: number;
  /** Base path of the API; links to recorded media of other origins are served under `<basePath>/__replay/`. Default `/sora/v1`. */
  basePath?: string;
}

export interface Replayer {
  /** The recorded answer to `request`, or undefined when no recording matches it. */
  answer(request: Request): Promise<Response | undefined>;
  /** The 404 for an unmatched request: an OpenAI-style envelope naming the closest recording. */
  notFound(request: Request): Promise<Response>;
  /** Whether a path is one the recordings know (a recorded path, or a rewritten media link). */
  owns(pathname: string): boolean;
  /** Start every sequence over (the next poll gets the first recorded answer again). */
  reset(): void;
  /** Entries that can be answered. */
  readonly size: number;
}

interface Indexed {
  entry: HarEntry;
  /** Where it came from, for messages: `session.har#4`. */
  label: string;
  /** Set once every entry is indexed (the links it rewrites depend on all of them). */
  answer?: RecordedAnswer;
  method: string;
  url: URL;
  query: string;
  body: Promise<string>;
}

const utf8 = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A 53-bit hash (cyrb53) of bytes, to compare files without keeping them twice. */
function hash(bytes: Uint8Array): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    h1 = Math.imul(h1 ^ bytes[i], 2654435761);
    h2 = Math.imul(h2 ^ bytes[i], 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${bytes.length}:${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a body is, for matching: JSON as a value, a form by its fields and files, anything else by its bytes. */
async function bodyKey(bytes: Uint8Array, contentType: string): Promise<string> {
  if (bytes.length === 0) return '';
  if (/json/i.test(contentType)) {
    try {
      return `json:${canonicalJson(JSON.parse(decoder.decode(bytes)))}`;
    } catch {
      // not JSON after all: compare the bytes
    }
  }
  if (/^multipart\/form-data/i.test(contentType)) {
    try {
      const form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': contentType } }).formData();
      const parts: string[] = [];
      for (const [name, value] of form.entries()) {
        parts.push(
          typeof value === 'string'
            ? `${JSON.stringify(name)}=${JSON.stringify(value)}`
            : `${JSON.stringify(name)}=file(${JSON.stringify(value.name)},${JSON.stringify(value.type)},${hash(new Uint8Array(await value.arrayBuffer()))})`,
        );
      }
      return `form:${parts.sort().join('&')}`;
    } catch {
      // an unreadable form: compare the bytes
    }
  }
  return `bytes:${hash(bytes)}`;
}

const queryKey = (url: URL): string => [...url.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).sort().join('&');

function headerOf(entry: HarEntry, name: string): string {
  return entry.request.headers.find((h) => h.name.toLowerCase() === name)?.value ?? entry.request.postData?.mimeType ?? '';
}

function envelope(status: number, message: string, code: string, type = 'invalid_request_error'): Response {
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

export function createReplayer(recordings: ReplayRecording | readonly ReplayRecording[], options: ReplayOptions = {}): Replayer {
  const speed = options.speed ?? 1;
  if (!(speed >= 0) || !Number.isFinite(speed)) throw new TypeError(`replay speed ${speed} must be a finite number >= 0 (0: no delay).`);
  const limits: ReplayLimits = { ...REPLAY_LIMITS };
  for (const name of Object.keys(REPLAY_LIMITS) as Array<keyof ReplayLimits>) {
    const value = options[name] ?? REPLAY_LIMITS[name];
    if (!(Number.isInteger(value) && value > 0)) throw new TypeError(`replay ${name} ${value} must be a positive integer.`);
    limits[name] = value;
  }
  const basePath = (options.basePath ?? '/sora/v1').replace(/\/+$/, '');
  const mediaPrefix = `${basePath}/__replay/`;
  const list = (Array.isArray(recordings) ? recordings : [recordings]) as ReplayRecording[];

  const entries: Indexed[] = [];
  for (const [fileIndex, recording] of list.entries()) {
    const named = 'har' in recording && 'name' in recording ? (recording as { name: string; har: Har }) : undefined;
    const name = named ? named.name : `recording ${fileIndex + 1}`;
    const har = parseHar(named ? named.har : recording, name);
    for (const [i, entry] of har.log.entries.entries()) {
      if (entry.response.status === 0) continue; // a request that got no answer
      const url = new URL(entry.request.url);
      entries.push({
        entry,
        label: `${name}#${i + 1}`,
        method: entry.request.method.toUpperCase(),
        url,
        query: queryKey(url),
        body: bodyKey(postDataBytes(entry.request.postData), headerOf(entry, 'content-type')),
      });
    }
  }
  // Origins the client's requests went to: the deployment. Media of other origins are served under the prefix.
  const deployment = new Set(entries.filter((e) => e.entry._sora?.by !== 'proxy').map((e) => e.url.origin));
  const recordedUrls = new Set(entries.filter((e) => e.method === 'GET').map((e) => e.url.href));
  const paths = new Set(entries.filter((e) => deployment.has(e.url.origin)).map((e) => e.url.pathname));
  const cursors = new Map<string, number>();

  /** The recorded URL a request stands for: its own path on the deployment, or a rewritten foreign link. */
  function recordedUrl(request: Request): { url: URL; foreign: boolean } | undefined {
    const url = new URL(request.url);
    if (!url.pathname.startsWith(mediaPrefix)) return { url, foreign: false };
    const rest = url.pathname.slice(mediaPrefix.length);
    const match = /^(https?)\/([^/]+)(\/.*)?$/.exec(rest);
    if (!match) return undefined;
    try {
      return { url: new URL(`${match[1]}://${match[2]}${match[3] ?? '/'}${url.search}`), foreign: true };
    } catch {
      return undefined;
    }
  }

  function candidates(method: string, target: { url: URL; foreign: boolean }, query: string): Indexed[] {
    return entries.filter((e) => {
      const sameMethod = e.method === method || (method === 'HEAD' && e.method === 'GET');
      if (!sameMethod || e.query !== query) return false;
      return target.foreign ? e.url.origin === target.url.origin && e.url.pathname === target.url.pathname : deployment.has(e.url.origin) && e.url.pathname === target.url.pathname;
    });
  }

  /** Where a recorded link is served on the replay's origin, or undefined for a link the recordings do not hold. */
  function replayedPath(link: string): string | undefined {
    let url: URL;
    try {
      url = new URL(link);
    } catch {
      return undefined;
    }
    if (!recordedUrls.has(link) && !recordedUrls.has(url.href)) return undefined;
    if (deployment.has(url.origin)) return `${url.pathname}${url.search}`;
    return `${mediaPrefix}${url.protocol.replace(':', '')}/${url.host}${url.pathname}${url.search}`;
  }

  /** `text` split at the links the replay serves: even pieces as they are, odd ones paths to prefix with the replay's origin. */
  function linkPieces(text: string): string[] {
    const pieces: string[] = [];
    let last = 0;
    for (const match of text.matchAll(/https?:\/\/[^\s"'<>()\\]+/g)) {
      const path = replayedPath(match[0]);
      if (path === undefined) continue;
      pieces.push(text.slice(last, match.index), path);
      last = match.index + match[0].length;
    }
    pieces.push(text.slice(last));
    return pieces;
  }

  const withOrigin = (pieces: readonly string[], origin: string): string => pieces.map((p, i) => (i % 2 ? `${origin}${p}` : p)).join('');
  for (const e of entries) e.answer = prepareAnswer(e.entry, e.label, limits, linkPieces);

  function respond(e: Indexed, request: Request): Response {
    const recorded = e.answer!;
    if (!recorded.servable) {
      return envelope(502, `The recording ${e.label} (${e.method} ${e.url.pathname}) cannot be replayed: ${recorded.problem}. Edit or remove that entry.`, 'replay_unservable', 'server_error');
    }
    const origin = new URL(request.url).origin;
    const { status, statusText, streamed } = recorded;
    const headers = new Headers();
    for (const [name, value] of recorded.headers) {
      try {
        headers.append(name, name.toLowerCase() === 'location' ? withOrigin(linkPieces(value), origin) : value);
      } catch {
        // a header the Fetch API refuses (set-cookie in some runtimes): not replayed
      }
    }
    if (!recorded.parts) return new Response(null, { status, statusText, headers });
    const parts = recorded.parts.map((p) => ({ time: p.time, bytes: 'bytes' in p ? p.bytes : utf8.encode(withOrigin(p.pieces, origin)) }));
    const length = parts.reduce((n, p) => n + p.bytes.length, 0);
    if (!streamed) headers.set('content-length', String(length));
    if (request.method === 'HEAD') return new Response(null, { status, statusText, headers });
    if (!streamed || parts.length <= 1) {
      const whole = parts.length === 1 ? parts[0].bytes : concatBytes(parts.map((p) => p.bytes));
      return new Response(whole as Uint8Array<ArrayBuffer>, { status, statusText, headers });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let index = 0;
    let previous = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index >= parts.length) {
          controller.close();
          return;
        }
        const part = parts[index++];
        const delay = speed === 0 ? 0 : Math.max(0, (part.time - previous) / speed);
        previous = part.time;
        if (delay === 0) {
          controller.enqueue(part.bytes);
          return;
        }
        return new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            timer = undefined;
            controller.enqueue(part.bytes);
            resolve();
          }, delay);
        });
      },
      cancel() {
        if (timer !== undefined) clearTimeout(timer);
      },
    });
    return new Response(body, { status, statusText, headers });
  }

  async function matching(request: Request): Promise<{ key: string; found: Indexed[] } | undefined> {
    const target = recordedUrl(request);
    if (!target) return undefined;
    const method = request.method.toUpperCase();
    const query = queryKey(new URL(request.url));
    const same = candidates(method, target, query);
    if (same.length === 0) return undefined;
    const body = await bodyKey(new Uint8Array(await request.clone().arrayBuffer()), request.headers.get('content-type') ?? '');
    const keyed = await Promise.all(same.map(async (e) => ({ e, body: await e.body })));
    const found = keyed.filter((k) => k.body === body).map((k) => k.e);
    if (found.length === 0) return undefined;
    return { key: `${method === 'HEAD' ? 'GET' : method} ${target.url.origin}${target.url.pathname}?${query}\n${body}`, found };
  }

  async function describeClosest(request: Request): Promise<string> {
    const url = new URL(request.url);
    const method = request.method.toUpperCase();
    const segments = url.pathname.split('/');
    const body = await bodyKey(new Uint8Array(await request.clone().arrayBuffer()), request.headers.get('content-type') ?? '');
    const query = queryKey(url);
    let best: { score: number; e: Indexed; why: string[] } | undefined;
    for (const e of entries) {
      const theirs = e.url.pathname.split('/');
      let shared = 0;
      while (shared < segments.length && shared < theirs.length && segments[shared] === theirs[shared]) shared++;
      const samePath = e.url.pathname === url.pathname;
      const sameBody = (await e.body) === body;
      const score = (e.method === method ? 1000 : 0) + shared * 10 + (samePath ? 100 : 0) + (e.query === query ? 5 : 0) + (sameBody ? 3 : 0) - Math.abs(theirs.length - segments.length);
      if (best && score <= best.score) continue;
      const why: string[] = [];
      if (e.method !== method) why.push(`method ${e.method}`);
      if (!samePath) why.push(`path ${e.url.pathname}`);
      if (e.query !== query) why.push(`query '${e.url.search}'`);
      if (!sameBody) why.push('another body');
      best = { score, e, why };
    }
    if (!best) return 'the recordings hold no requests';
    const { e, why } = best;
    return `the closest recording is ${e.method} ${e.url.pathname}${e.url.search} (${e.label}), which differs by ${why.length ? why.join(', ') : 'nothing but its place in the sequence'}`;
  }

  return {
    get size() {
      return entries.length;
    },
    owns(pathname) {
      return pathname.startsWith(mediaPrefix) || paths.has(pathname);
    },
    reset() {
      cursors.clear();
    },
    async answer(request) {
      const match = await matching(request);
      if (!match) return undefined;
      const n = cursors.get(match.key) ?? 0;
      // HEAD peeks: it does not move the sequence on.
      if (request.method.toUpperCase() !== 'HEAD') cursors.set(match.key, n + 1);
      return respond(match.found[Math.min(n, match.found.length - 1)], request);
    },
    async notFound(request) {
      const url = new URL(request.url);
      const closest = await describeClosest(request);
      return envelope(404, `No recording matches ${request.method.toUpperCase()} ${url.pathname}${url.search}; ${closest}.`, 'replay_not_found');
    },
  };
}
