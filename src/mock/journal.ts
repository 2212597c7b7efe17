/**
 * The request journal: what each request sent and what it got, for request verification in tests
 * (`mock.requests({ method, path, status, since })`, `GET /__sora/requests`) and for the inspector.
 *
 * Bounded twice: in count and in bytes. Each entry keeps at most BODY_PREVIEW_BYTES of its body (long
 * strings cut, deep structures cut, files reduced to name, type, size and digest), so the journal
 * never holds what a client uploaded, only what a test needs to assert on.
 */
import { compilePath } from '../spec/paths.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ParsedBody } from './body.js';
import { ADMIN_TOKEN_HEADER } from './admin-guard.js';
import { maskSecret } from './mask.js';
import type { JournalBody, JournalEntry, JournalField, JournalQuery, MediaLink } from './types.js';

export const JOURNAL_LIMIT = 1000;
export const JOURNAL_MAX_BYTES = 8 * 1024 * 1024;
export const BODY_PREVIEW_BYTES = 8 * 1024;
const STRING_PREVIEW = 1024;
const DEPTH_LIMIT = 16;
const HEADER_VALUE_LIMIT = 512;
const HEADER_COUNT_LIMIT = 64;

/** Headers whose values are secrets: masked like licences, never stored whole. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'openai-api-key', ADMIN_TOKEN_HEADER]);

const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max)}…(${s.length - max} more characters)` : s);

// The last secret header value masked and its mask: a client sends the same Authorization every time.
let lastSecret: string | undefined;
let lastMasked = '';

function maskedHeader(value: string): string {
  if (value === lastSecret) return lastMasked;
  const bearer = /^(bearer|basic)\s+/i.exec(value)?.[0] ?? '';
  lastMasked = `${bearer}${maskSecret(value.slice(bearer.length).trim())}`;
  lastSecret = value;
  return lastMasked;
}

type Recorded = { headers: Readonly<Record<string, string>>; bytes: number };

/**
 * What recordHeadersSized made of the last few Headers objects: the Node server hands a keep-alive
 * client's requests one Headers object while their raw headers do not change (src/adapters/bridge.ts),
 * so their entries share one record, frozen once it is shared. A Map of a few entries, not a property
 * on the Headers object or a WeakMap: either costs more per request than the record it would save.
 */
const recentRecords = new Map<Headers, Recorded & { shared?: true }>();
const RECENT_RECORDS = 64;

/**
 * Request headers as recorded (names lower-cased, secrets masked, values and count bounded), and what
 * they add to an entry's size (entryBytes), in one pass.
 */
export function recordHeadersSized(headers: Headers): Recorded {
  const known = recentRecords.get(headers);
  if (known) {
    if (!known.shared) {
      Object.freeze(known.headers);
      known.shared = true;
    }
    return known;
  }
  const recorded = recordHeadersOnce(headers);
  if (recentRecords.size >= RECENT_RECORDS) recentRecords.delete(recentRecords.keys().next().value as Headers);
  recentRecords.set(headers, recorded);
  return recorded;
}

function recordHeadersOnce(headers: Headers): { headers: Record<string, string>; bytes: number } {
  const out: Record<string, string> = {};
  let n = 0;
  let bytes = 0;
  for (const [name, value] of headers) {
    if (++n > HEADER_COUNT_LIMIT) break;
    const kept = SECRET_HEADERS.has(name) ? maskedHeader(value) : cut(value, HEADER_VALUE_LIMIT);
    out[name] = kept;
    bytes += name.length + kept.length + 6;
  }
  return { headers: out, bytes };
}

/**
 * A JSON value cut to a preview: strings past STRING_PREVIEW characters, structures past DEPTH_LIMIT
 * levels, and the whole past `budget` characters of output. Iterative bounds keep hostile bodies (a
 * 40 MB prompt, arrays nested thousands deep) from costing more than the preview itself.
 */
function preview(value: unknown, budget: { left: number }, depth = 0): unknown {
  if (budget.left <= 0) return '…';
  if (typeof value === 'string') {
    const s = cut(value, Math.min(STRING_PREVIEW, Math.max(16, budget.left)));
    budget.left -= s.length + 2;
    return s;
  }
  if (value === null || typeof value !== 'object') {
    budget.left -= 8;
    return value;
  }
  if (depth >= DEPTH_LIMIT) {
    budget.left -= 3;
    return '…';
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      if (budget.left <= 0) {
        out.push(`…(${value.length - out.length} more items)`);
        break;
      }
      out.push(preview(item, budget, depth + 1));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (budget.left <= 0) {
      out['…'] = 'cut';
      break;
    }
    budget.left -= k.length + 4;
    out[cut(k, 64)] = preview(v, budget, depth + 1);
  }
  return out;
}

/**
 * Web Crypto where the runtime has it (native, and off the calling thread in Node); browsers give it
 * only to secure contexts, and a page served from a LAN address gets @noble/hashes' digest instead.
 */
async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  const digest = subtle ? new Uint8Array(await subtle.digest('SHA-256', bytes)) : sha256(new Uint8Array(bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * The body as the journal keeps it: parsed JSON or the multipart field list, else the raw text start.
 * Synchronous but for a multipart form (its files are hashed), so a request without one waits for nothing.
 */
export function recordBody(
  parsed: ParsedBody | undefined,
  raw: { bytes: Uint8Array; size: number } | undefined,
): JournalBody | undefined | Promise<JournalBody> {
  if (parsed?.kind === 'json') {
    const budget = { left: BODY_PREVIEW_BYTES };
    const value = preview(parsed.value, budget);
    return budget.left <= 0 ? { kind: 'json', value, truncated: true } : { kind: 'json', value };
  }
  if (parsed?.kind === 'form') return recordForm(parsed.form);
  if (raw && raw.size > 0) {
    const text = new TextDecoder().decode(raw.bytes.subarray(0, BODY_PREVIEW_BYTES));
    return { kind: 'text', text, size: raw.size, ...(raw.size > BODY_PREVIEW_BYTES ? { truncated: true } : {}) };
  }
  return undefined;
}

async function recordForm(form: FormData): Promise<JournalBody> {
  const budget = { left: BODY_PREVIEW_BYTES };
  const fields: JournalField[] = [];
  let truncated = false;
  for (const [name, value] of form) {
    if (budget.left <= 0) {
      truncated = true;
      break;
    }
    budget.left -= name.length + 16;
    if (typeof value === 'string') {
      const v = cut(value, Math.min(STRING_PREVIEW, Math.max(16, budget.left)));
      budget.left -= v.length;
      fields.push({ name: cut(name, 64), value: v });
    } else {
      budget.left -= 128;
      fields.push({
        name: cut(name, 64),
        file: { filename: cut(value.name, 128), type: value.type, size: value.size, sha256: await sha256Hex(await value.arrayBuffer()) },
      });
    }
  }
  return { kind: 'form', fields, ...(truncated ? { truncated: true } : {}) };
}

/** What one media link adds to an entry, for the byte bound. */
export const linkBytes = (link: MediaLink): number => link.url.length + 32;

/**
 * A cheap upper estimate of an entry's size, for the byte bound (what JSON of it would weigh).
 * `headerBytes`, when the caller measured the recorded headers already (recordHeadersSized), saves a pass.
 */
export function entryBytes(entry: JournalEntry, headerBytes?: number): number {
  let n = 256 + entry.path.length;
  if (headerBytes !== undefined) n += headerBytes;
  else for (const [k, v] of Object.entries(entry.request?.headers ?? {})) n += k.length + v.length + 6;
  // Previews are bounded (BODY_PREVIEW_BYTES and the cuts above), so measuring them is cheap.
  if (entry.request?.body) n += JSON.stringify(entry.request.body).length;
  for (const m of entry.media ?? []) n += linkBytes(m);
  return n;
}

function statusMatches(status: number, wanted: JournalQuery['status']): boolean {
  if (wanted === undefined) return true;
  if (typeof wanted === 'number') return status === wanted;
  const m = /^([1-5])xx$/i.exec(wanted);
  return m ? Math.floor(status / 100) === Number(m[1]) : String(status) === wanted;
}

/** `path` matches the path without its query, exactly or as a pattern with `:name` or `{name}` segments (the router's matcher). */
function pathMatches(path: string, wanted: string | undefined): boolean {
  if (wanted === undefined) return true;
  const bare = path.split('?', 1)[0];
  if (!/\/[:{]/.test(wanted)) return bare === wanted;
  return compilePath(wanted).pattern.test(bare);
}

export function matchesQuery(entry: JournalEntry, query: JournalQuery): boolean {
  return (
    (query.method === undefined || entry.method === query.method.toUpperCase()) &&
    pathMatches(entry.path, query.path) &&
    statusMatches(entry.status, query.status) &&
    (query.since === undefined || entry.startedAt >= query.since)
  );
}

export interface Journal {
  /** `headerBytes`: what its recorded headers weigh, when the caller measured them (recordHeadersSized). */
  add(entry: JournalEntry, headerBytes?: number): void;
  /** An entry grew after it was written (a stream's media links): account for it. */
  grew(entry: JournalEntry, bytes: number): void;
  list(query?: JournalQuery): JournalEntry[];
  clear(): void;
  nextId(): number;
}

export function createJournal(limits: { count?: number; bytes?: number } = {}): Journal {
  const maxCount = limits.count ?? JOURNAL_LIMIT;
  const maxBytes = limits.bytes ?? JOURNAL_MAX_BYTES;
  // The entries are entries[head..]: eviction moves `head` (no shift of the whole array per request),
  // and the evicted front is cut off once it is as long as what is kept.
  const entries: JournalEntry[] = [];
  // sizes[i] is what entries[i] weighs (two parallel arrays: no per-entry map on the hot path).
  const sizes: number[] = [];
  let head = 0;
  let bytes = 0;
  let id = 0;
  const evict = () => {
    while (entries.length > head && (entries.length - head > maxCount || bytes > maxBytes)) {
      bytes -= sizes[head];
      entries[head] = undefined as unknown as JournalEntry;
      head++;
    }
    if (head > 64 && head * 2 >= entries.length) {
      entries.splice(0, head);
      sizes.splice(0, head);
      head = 0;
    }
  };
  return {
    add(entry, headerBytes) {
      const size = entryBytes(entry, headerBytes);
      sizes.push(size);
      bytes += size;
      entries.push(entry);
      evict();
    },
    grew(entry, more) {
      // Streams grow while they answer, so their entries are among the newest: search from the end.
      const i = entries.lastIndexOf(entry);
      if (i < head) return;
      sizes[i] += more;
      bytes += more;
      evict();
    },
    list(query) {
      const kept = entries.slice(head);
      return query ? kept.filter((e) => matchesQuery(e, query)) : kept;
    },
    clear() {
      entries.length = 0;
      sizes.length = 0;
      head = 0;
      bytes = 0;
      id = 0;
    },
    nextId: () => ++id,
  };
}
