/**
 * What the proxy keeps of the bodies passing through it, for the judge and the recording, and the
 * bounds on it. A deployment (or a client) may send anything: an endless event stream of tiny
 * chunks, a gzip answer that expands a thousand times, an answer with thousands of links. The client
 * always gets every byte as it came; what the proxy keeps of it is bounded here, and what did not
 * fit is said (the report's `notJudged`), never judged on a part.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { streamContent } from '../conformance/judge.js';
import { findLinks } from '../conformance/media-rules.js';
import type { HarChunk } from '../replay/index.js';
import { cutText } from '../spec/describe.js';

/** Most bytes of one body kept (and most bytes its content coding may expand to), unless `--max-body-bytes` says otherwise. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Bytes of bodies held at once across all exchanges, unless twice `--max-body-bytes` is more. */
export const MIN_HELD_BYTES = 128 * 1024 * 1024;
/** Chunk timings kept for one streamed answer (its HAR `_chunks`); later chunks are merged into the last one kept. */
export const MAX_CHUNK_TIMINGS = 4096;

/**
 * Bytes of bodies the proxy holds at once, across every exchange under way or waiting for the judge:
 * many clients downloading at once, or a judge slower than the traffic, cost this much and no more.
 */
export class BodyBudget {
  used = 0;
  constructor(readonly max: number) {}
  /** Up to `wanted` bytes; how many were granted. */
  grant(wanted: number): number {
    const n = Math.max(0, Math.min(wanted, this.max - this.used));
    this.used += n;
    return n;
  }
  give(n: number): void {
    this.used -= n;
  }
}

/**
 * Bytes of a body copied as it passes, up to a bound and within the proxy's budget, into one buffer:
 * an endless stream of small chunks costs its bytes, not an object per chunk.
 */
export class Tee {
  private buffer = new Uint8Array(0);
  private kept = 0;
  private released = false;
  truncated = false;
  /** The budget ran out before the bound: other bodies held it. */
  starved = false;
  total = 0;
  constructor(
    readonly limit: number,
    private readonly budget: BodyBudget,
  ) {}
  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.truncated || this.released) return;
    const room = Math.min(chunk.length, this.limit - this.kept);
    const take = this.budget.grant(room);
    if (take < room) this.starved = true;
    if (this.kept + take > this.buffer.length) {
      const grown = new Uint8Array(Math.min(this.limit, Math.max(this.kept + take, this.buffer.length * 2, 64 * 1024)));
      grown.set(this.buffer.subarray(0, this.kept));
      this.buffer = grown;
    }
    this.buffer.set(take === chunk.length ? chunk : chunk.subarray(0, take), this.kept);
    this.kept += take;
    if (take < chunk.length) this.truncated = true;
  }
  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.kept);
  }
  /** Why the body was cut (`truncated`), for the report: `what` was cut, `whole` says who got all of it. */
  whyCut(what: string, whole: string): string {
    return this.starved
      ? `the proxy already held ${this.budget.max} bytes of other bodies (in flight or waiting for the judge); ${whole}`
      : `${what} is over ${this.limit} bytes (--max-body-bytes); ${whole}`;
  }
  /** The bytes are no longer held (judged, or dropped): back to the budget. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.kept);
  }
}

/**
 * When each chunk of a streamed answer came (for the recording, which replays the pacing), at most
 * MAX_CHUNK_TIMINGS of them: chunks of the same tenth of a millisecond are one, and past the bound
 * the rest are added to the last.
 */
export class ChunkTimings {
  private readonly list: HarChunk[] = [];
  add(time: number, size: number): void {
    const last = this.list.at(-1);
    if (last && (last.time === time || this.list.length >= MAX_CHUNK_TIMINGS)) last.size += size;
    else this.list.push({ time, size });
  }
  /** The timings of the first `kept` bytes (all of them when the body was kept whole). */
  upTo(kept: number): HarChunk[] {
    const out: HarChunk[] = [];
    let at = 0;
    for (const c of this.list) {
      if (at >= kept) break;
      const size = Math.min(c.size, kept - at);
      out.push({ time: c.time, size });
      at += size;
    }
    return out;
  }
}

/**
 * The bodies of a forwarded exchange once it ended, as the judge and the recording get them: the
 * request's bytes and the answer content-decoded (what its coding added is held from `budget` too,
 * `expanded` bytes to give back with the tees), and why the judge may not see them: a body cut at the
 * bound or for the budget, or a coding that expands beyond the bound.
 */
export function keptBodies(request: Tee, response: Tee, encoding: string | undefined, budget: BodyBudget): { request: Uint8Array; response: Uint8Array; unjudged?: string; expanded: number } {
  const kept = response.bytes();
  let decoded = response.truncated ? undefined : contentDecoded(kept, encoding, response.limit);
  let expanded = 0;
  if (decoded && decoded.length > kept.length) {
    const wanted = decoded.length - kept.length;
    expanded = budget.grant(wanted);
    if (expanded < wanted) {
      response.starved = true;
      decoded = undefined;
    }
  }
  const unjudged = request.truncated
    ? request.whyCut('the request body', `the deployment got all ${request.total} bytes`)
    : response.truncated
      ? response.whyCut('the answer', `the client got all ${response.total} bytes`)
      : decoded === undefined
        ? response.starved
          ? response.whyCut('the answer', `the client got the ${kept.length} bytes as they came`)
          : `the answer's ${cutText(encoding ?? '', 40)} coding expands beyond ${response.limit} bytes (--max-body-bytes); the client got the ${kept.length} bytes as they came`
        : undefined;
  return { request: request.bytes(), response: decoded ?? kept, unjudged, expanded };
}

/**
 * The body as the client's HTTP library would read it (gzip, deflate and br undone), decoded to at
 * most `limit` bytes: `undefined` when it expands beyond (a bomb; zlib stops at the bound, so
 * memory never holds more), the bytes as they came when a coding is unknown or does not decode.
 */
export function contentDecoded(bytes: Uint8Array, encoding: string | undefined, limit: number): Uint8Array | undefined {
  const codings = (encoding ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
  let out: Uint8Array = bytes;
  const bound = { maxOutputLength: limit };
  try {
    for (const coding of codings.reverse()) {
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out, bound);
      else if (coding === 'deflate') out = inflateSync(out, bound);
      else if (coding === 'br') out = brotliDecompressSync(out, bound);
      else return bytes;
    }
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ? undefined : bytes;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/**
 * Media links in an API answer, found the way the checks find them (conformance/media.ts): in every
 * string of a JSON answer (an image's `url`, a chat answer's content, in markdown, HTML or bare), and
 * in the text a chat stream's deltas add up to.
 */
export function mediaLinks(body: Uint8Array, contentType: string): string[] {
  if (!/json|event-stream/i.test(contentType) || body.length === 0) return [];
  if (/event-stream/i.test(contentType)) return findLinks(streamContent(body) ?? '');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return [];
  }
  const strings: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  walk(value, 0);
  return findLinks(strings.join('\n'));
}

/** The first value of a header among pairs, by its lower-case name. */
export const headerOf = (pairs: ReadonlyArray<readonly [string, string]>, name: string): string | undefined => pairs.find(([n]) => n.toLowerCase() === name)?.[1];

/** Header pairs as the judge reads them (a Headers object); a pair the Fetch API cannot hold is left out. */
export function toHeaders(pairs: ReadonlyArray<readonly [string, string]>): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      // a header the Fetch API cannot hold: the judge does not see it
    }
  }
  return headers;
}
