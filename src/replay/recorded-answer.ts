/**
 * A recorded answer made ready at load: its bytes decoded once, an event stream's chunks merged into
 * the parts it is replayed in, and everything that cannot be served within the replay's bounds
 * refused there, naming the entry (so `serve --replay` says which and why before it listens). What is
 * wrong with one entry but harmless (a status no HTTP answer can carry, a body that is not the base64
 * it claims) is answered, when asked for, with an error envelope instead.
 *
 * A recording may come from a deployment nobody controls: its answers get `nosniff`, and active
 * content a sandbox, so a script it holds cannot run on the replay's origin.
 */
import { describeBytes } from '../util/index.js';
import { foreignContentHeaders } from '../util/origin-policy.js';
import { contentBytes, type HarEntry } from './har.js';

export interface ReplayLimits {
  /** Most bytes of one recorded answer. */
  maxBodyBytes: number;
  /** Most parts one recorded stream is replayed in, after merging (see MERGE_MS). */
  maxChunks: number;
  /** Longest recorded stream, in seconds of recorded time (before `speed`). */
  maxStreamSeconds: number;
}

export const REPLAY_LIMITS: ReplayLimits = {
  // Four times the most the proxy records of one body by default (64 MiB).
  maxBodyBytes: 256 * 2 ** 20,
  // A chat stream is a few hundred events; a stream of a long video's progress a few thousand.
  maxChunks: 10_000,
  maxStreamSeconds: 600,
};

/**
 * Chunks that arrived within this many ms of a part's first are written with it: timers and sockets
 * keep no finer pacing, and a million one-byte chunks would otherwise be a million writes per request.
 */
export const MERGE_MS = 10;

/** One write of a replayed body: bytes as they are, or text whose odd pieces are links to prefix with the replay's origin. */
export type Part = { time: number } & ({ bytes: Uint8Array } | { pieces: string[] });

export type RecordedAnswer =
  /** `parts` is absent for statuses without a body (204, 205, 304). */
  | { servable: true; status: number; statusText: string; headers: Array<[string, string]>; streamed: boolean; parts?: Part[] }
  /** What makes it impossible to replay, for the error envelope. */
  | { servable: false; problem: string };

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'content-encoding']);
const NO_BODY = new Set([204, 205, 304]);
/** RFC 9110 reason-phrase: what the Fetch API's Response accepts as `statusText`. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;
const decoder = new TextDecoder();

/** The body's byte ranges as replayed: chunks merged (MERGE_MS), within the bounds. */
function ranges(entry: HarEntry, length: number, limits: ReplayLimits, refuse: (why: string) => never): Array<{ end: number; time: number }> {
  const chunks = entry.response.content._chunks ?? [{ time: 0, size: length }];
  const out: Array<{ end: number; time: number }> = [];
  let at = 0;
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.time > limits.maxStreamSeconds * 1000) {
      refuse(`its stream lasts ${Math.round(chunk.time / 1000)} s of recorded time or more, longer than the ${limits.maxStreamSeconds} s a replay serves (maxStreamSeconds)`);
    }
    // A body edited since it was recorded (a scrubbed secret) may not add up: the last chunk takes the rest.
    at = i === chunks.length - 1 ? length : Math.min(length, at + chunk.size);
    const current = out.at(-1);
    if (current && chunk.time - current.time < MERGE_MS) {
      current.end = at;
      continue;
    }
    if (out.length === limits.maxChunks) {
      refuse(`its stream has more than ${limits.maxChunks} parts after merging the chunks less than ${MERGE_MS} ms apart (of ${chunks.length} chunks), more than a replay serves (maxChunks)`);
    }
    out.push({ end: at, time: chunk.time });
  }
  return out;
}

/**
 * Prepare one entry's answer, or throw a RangeError naming it (`label`) when it cannot be served
 * within `limits`. `linkPieces` splits text at the links the replay rewrites (see Part).
 */
export function prepareAnswer(entry: HarEntry, label: string, limits: ReplayLimits, linkPieces: (text: string) => string[]): RecordedAnswer {
  const { response } = entry;
  const refuse = (why: string): never => {
    throw new RangeError(`${label} (${entry.request.method} ${entry.request.url.slice(0, 200)}) cannot be replayed: ${why}.`);
  };
  if (!(response.status >= 200 && response.status <= 599)) {
    return { servable: false, problem: `its recorded status ${response.status} is not one an answer can carry (200 to 599)` };
  }
  let bytes: Uint8Array;
  try {
    bytes = contentBytes(response.content);
  } catch {
    return { servable: false, problem: 'its body is marked base64 but does not decode as base64' };
  }
  if (bytes.length > limits.maxBodyBytes) refuse(`its body is ${describeBytes(bytes.length)}, more than the ${describeBytes(limits.maxBodyBytes)} a replay serves (maxBodyBytes)`);
  const headers: Array<[string, string]> = response.headers.filter((h) => !HOP_BY_HOP.has(h.name.toLowerCase())).map((h) => [h.name, h.value]);
  const type = response.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? '';
  headers.push(...Object.entries(foreignContentHeaders(type)));
  const streamed = response.content._chunks !== undefined;
  const statusText = REASON_PHRASE.test(response.statusText) ? response.statusText : '';
  if (NO_BODY.has(response.status)) return { servable: true, status: response.status, statusText, headers, streamed };
  const textual = response.content.encoding !== 'base64';
  let start = 0;
  const parts = ranges(entry, bytes.length, limits, refuse).map(({ end, time }): Part => {
    // Text is rewritten part by part: a part ends at a whole UTF-8 character.
    if (textual) while (end < bytes.length && (bytes[end] & 0xc0) === 0x80) end++;
    const slice = bytes.subarray(start, Math.max(start, end));
    start = Math.max(start, end);
    if (!textual) return { time, bytes: slice };
    const pieces = linkPieces(decoder.decode(slice));
    return pieces.length === 1 ? { time, bytes: slice } : { time, pieces };
  });
  return { servable: true, status: response.status, statusText, headers, streamed, parts };
}
