/**
 * The rules the registry's judgments (registry.ts) are made of, as pure functions of bytes and
 * objects: the error envelope, SSE framing, media types, a job's life across its observations. Both
 * the checks and the registry call these, so a rule is written once.
 *
 * Nothing here depends on the mock's wording, id format or habits: ids are opaque, messages are free
 * text, extra fields are allowed (the schemas ignore unknown keys).
 */
import type { z } from 'zod';
import { sniffMediaType } from '../media/inspect-sniff.js';
import { formatModelName, parseModelName } from '../spec/model.js';
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import { resolveVideoRequest } from '../spec/rules.js';
import { ErrorEnvelope } from '../spec/schemas/errors.js';
import type { VideoResource } from '../spec/schemas/videos.js';
import { describeIssues } from './issues.js';
import { DONE, readChatEvents, sseData, type ChatEvents } from './sse.js';

const decoder = new TextDecoder();
const text = (body: Uint8Array) => decoder.decode(body);

/** A body as JSON, or undefined when it is not JSON. */
export function jsonOf(body: Uint8Array): unknown {
  try {
    return JSON.parse(text(body));
  } catch {
    return undefined;
  }
}

export const isJsonType = (contentType: string) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim());
export const isStreamType = (contentType: string) => /^text\/event-stream\b/i.test(contentType.trim());

/** An HTML page, by its type or by its first bytes (a proxy's error page often says text/plain). */
export function isHtmlAnswer(contentType: string, body: Uint8Array): boolean {
  if (/html/i.test(contentType)) return true;
  return /^\s*(<!doctype html|<html)/i.test(decoder.decode(body.subarray(0, 200)));
}

/** The schema of an operation's 200 JSON answer, from the table. */
export function okJsonSchema(id: OperationId): z.ZodType | undefined {
  const ok = OPERATIONS[id].ok as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  const schema = ok['200']?.content?.['application/json']?.schema;
  return schema && typeof (schema as z.ZodType).safeParse === 'function' ? (schema as z.ZodType) : undefined;
}

/** The seed's operations and OpenAI's: an error on any of them must be an envelope. */
export function envelopeProblemOf(exchange: { contentType: string; body: Uint8Array }): string | undefined {
  if (!isJsonType(exchange.contentType)) return `Content-Type is '${exchange.contentType || '(none)'}', expected application/json`;
  const body = jsonOf(exchange.body);
  if (body === undefined) return `the body is not JSON: ${excerpt(text(exchange.body), 80)}`;
  const parsed = ErrorEnvelope.safeParse(body);
  if (!parsed.success) return `the body is not an error envelope {error:{message,type,param,code}} (${describeIssues(parsed.error)})`;
  if (parsed.data.error.message.trim() === '') return 'error.message is empty';
  return undefined;
}

export function excerpt(value: string, max = 300): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}… (${value.length} chars)` : flat;
}

/** A stream's chat events read from its bytes (sse.ts), or undefined when it carries no valid chunk. */
export function readStream(body: Uint8Array): ChatEvents | undefined {
  const events = readChatEvents(sseData(body));
  return events.chunks.length ? events : undefined;
}

/** The text a chat stream's deltas add up to (choice 0), or undefined when it is not a stream of chunks. */
export function streamContent(body: Uint8Array): string | undefined {
  return readStream(body)?.content;
}

/** Does an envelope's `param` name the parameter? `image[]` and `image`, `messages.0.content` and `messages` agree. */
export function paramNames(given: string, param: string): boolean {
  const norm = (p: string) => p.replace(/\[\d*\]/g, '').replace(/^body\./, '');
  const [a, b] = [norm(given), norm(param)];
  return a === b || a.startsWith(`${b}.`) || a.split('.').includes(b);
}

/** Problems of one SSE body: framing, chunk schema, `[DONE]` last and once, one id for all chunks. */
export function streamProblems(body: Uint8Array): string[] {
  const events = sseData(body);
  if (events.length === 0) return ['the stream has no data: event'];
  const read = readChatEvents(events);
  const problems = read.invalid.map(({ index, data, kind, problem }) =>
    kind === 'done-early'
      ? `data: [DONE] is event ${index + 1} of ${events.length}, not the last`
      : kind === 'not-json'
        ? `event ${index + 1} is not JSON: ${excerpt(data, 120)}`
        : `event ${index + 1} is not a chat.completion.chunk (${problem})`,
  );
  if (events.at(-1) !== DONE) problems.push(`the last event is not data: [DONE] but ${excerpt(events.at(-1) ?? '', 80)}`);
  const dones = events.filter((e) => e === DONE).length;
  if (dones > 1) problems.push(`data: [DONE] comes ${dones} times`);
  // One completion: every chunk carries its id (OpenAI: "each chunk has the same ID").
  const ids = new Set(read.chunks.map((c) => c.id));
  if (ids.size > 1) problems.push(`the chunks carry ${ids.size} different ids; every chunk of one completion has the same id`);
  return problems.slice(0, 3);
}

const MEDIA_TYPES: Record<string, string[]> = {
  png: ['image/png'],
  jpeg: ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  webp: ['image/webp'],
  gif: ['image/gif'],
  mp4: ['video/mp4', 'application/mp4'],
  mov: ['video/quicktime'],
  webm: ['video/webm'],
};

/**
 * A media answer's Content-Type must name what its bytes are. Answers that are neither media by
 * their bytes nor by their type (JSON, text) are not media and not judged here.
 */
export function mediaTypeProblem(exchange: { contentType: string; body: Uint8Array; status: number }): string | undefined {
  if (exchange.status !== 200 && exchange.status !== 206) return undefined;
  const declared = exchange.contentType.split(';')[0].trim().toLowerCase();
  const declaresMedia = /^(image|video)\//.test(declared);
  // A 206 carries a slice: only its first bytes can be sniffed, and only when it starts at 0.
  const sniffed = sniffMediaType(exchange.body);
  const isMedia = sniffed && (sniffed.kind === 'image' || sniffed.kind === 'video');
  if (!isMedia) {
    if (declaresMedia && exchange.status === 200) return `Content-Type '${declared}' but the ${exchange.body.length} bytes are not media${sniffed ? ` (${sniffed.format})` : ''}`;
    return undefined;
  }
  const accepted = MEDIA_TYPES[sniffed.format] ?? [sniffed.mime];
  if (!accepted.includes(declared)) return `Content-Type '${declared || '(none)'}' but the bytes are ${sniffed.format.toUpperCase()} (expected ${accepted[0]})`;
  return undefined;
}

/** Plausible unix seconds: after 2020 and not more than a day ahead (milliseconds are 1000 times too big). */
export const EARLIEST_UNIX_SECONDS = 1_577_836_800;
export const LATEST_AHEAD_SECONDS = 86_400;
function plausibleSeconds(value: number, now: number): boolean {
  return value >= EARLIEST_UNIX_SECONDS && value <= now / 1000 + LATEST_AHEAD_SECONDS;
}

/**
 * When an exchange happened, on one clock per judge session: its request sent, its answer in. Two
 * exchanges that overlap have no order: a deployment may have answered either first, whatever order
 * their answers arrived in (the checker runs checks at once; a proxy sees many clients).
 */
export interface Timing {
  sentAt: number;
  answeredAt: number;
}

/** One observation of a job, for comparing later ones with (status rank, progress, when it was in). */
interface Seen {
  status: string;
  progress: number;
  answeredAt: number;
}

interface LifeState {
  firstSeen: string;
  created: VideoResource;
  /** The object as the newest observation to arrive showed it (what the job's size and seconds are read from). */
  last: VideoResource;
  /** The newest observations, bounded: a later one is compared with those answered before it was sent. */
  seen: Seen[];
  /** The earliest answer of 200 to the job's content, and where. */
  contentServed?: { answeredAt: number; where: string };
  /** What the rules give for the create request, when it was seen. */
  expected?: { size: string; seconds: string; model?: string };
}

/** Observations of a job kept to compare with: overlapping requests are few, so a short history covers them. */
const SEEN_KEPT = 16;

/** Jobs a judge follows at once (a proxy may watch a deployment for days). */
const MAX_LIVES = 10_000;

const RANK: Record<string, number> = { queued: 0, in_progress: 1, completed: 2, failed: 2 };

/**
 * Every video object of a session, by id: each observation judged against the previous one and
 * against the rules for the request that created it.
 */
export class VideoLives {
  private readonly lives = new Map<string, LifeState>();

  constructor(private readonly now: () => number = Date.now) {}

  get(id: string): LifeState | undefined {
    return this.lives.get(id);
  }

  /** The size and seconds the rules give a create request, or undefined when they do not decide (or refuse). */
  static expectedOf(fields: unknown): { size: string; seconds: string; model?: string } | undefined {
    if (!fields || typeof fields !== 'object') return undefined;
    const body = fields as Record<string, unknown>;
    const parsed = parseModelName(body.model);
    if (!parsed.ok) return undefined;
    const resolved = resolveVideoRequest({ model: parsed.model, size: body.size, seconds: body.seconds });
    if (!resolved.ok) return undefined;
    // Prompt analysis (a platform setting) may decide the orientation from the prompt; only when
    // the name or size decided it is the size certain.
    const model = formatModelName(parsed.model);
    if (resolved.decidedBy.orientation === 'default' || resolved.decidedBy.orientation === 'analysis') return { size: '', seconds: String(resolved.spec.seconds), model };
    return { size: resolved.spec.size, seconds: String(resolved.spec.seconds), model };
  }

  /**
   * Judge one observation of a video object; `where` names the exchange for messages. A job's status
   * and progress never go back: this one is compared with the highest of those answered before its
   * request was sent (`timing`), never with one it overlapped.
   */
  observe(video: VideoResource, where: string, timing: Timing, create?: { fields: unknown }): string[] {
    const problems: string[] = [];
    const now = this.now();
    for (const key of ['created_at', 'completed_at', 'expires_at'] as const) {
      const value = video[key];
      if (typeof value === 'number' && !plausibleSeconds(value, now)) problems.push(`${key} ${value} is not plausible unix seconds (milliseconds?)`);
    }
    if (video.completed_at !== null && video.completed_at < video.created_at) problems.push(`completed_at ${video.completed_at} is before created_at ${video.created_at}`);
    if (video.status === 'completed' && video.progress !== 100) problems.push(`status completed with progress ${video.progress}, expected 100`);
    if (video.status === 'completed' && video.completed_at === null) problems.push('status completed with completed_at null');
    const before = this.lives.get(video.id);
    if (!before) {
      const life: LifeState = { firstSeen: where, created: video, last: video, seen: [{ status: video.status, progress: video.progress, answeredAt: timing.answeredAt }] };
      if (create) life.expected = VideoLives.expectedOf(create.fields);
      // Bounded like the rest of a long-running judge: the oldest jobs are forgotten first.
      if (this.lives.size >= MAX_LIVES) this.lives.delete(this.lives.keys().next().value as string);
      // The model the object names is the model asked for, in any spelling the grammar reads the same.
      const asked = life.expected?.model;
      if (asked) {
        const named = parseModelName(video.model);
        if (!named.ok || formatModelName(named.model) !== asked) problems.push(`model '${video.model}', the request asked for '${asked}'`);
      }
      this.lives.set(video.id, life);
    } else {
      // What was in place before this request went out: the highest status (and progress) answered by then.
      const known = before.seen.filter((s) => s.answeredAt <= timing.sentAt);
      const status = known.reduce<Seen | undefined>((top, s) => (!top || (RANK[s.status] ?? -1) > (RANK[top.status] ?? -1) ? s : top), undefined);
      const progress = known.reduce<Seen | undefined>((top, s) => (!top || s.progress > top.progress ? s : top), undefined);
      if (status && ((RANK[video.status] ?? -1) < (RANK[status.status] ?? -1) || (status.status !== video.status && RANK[status.status] === 2))) {
        problems.push(`status went from ${status.status} to ${video.status}`);
      }
      if (progress && video.progress < progress.progress) problems.push(`progress went down from ${progress.progress} to ${video.progress}`);
      before.seen.push({ status: video.status, progress: video.progress, answeredAt: timing.answeredAt });
      if (before.seen.length > SEEN_KEPT) before.seen.shift();
      if (video.created_at !== before.created.created_at) problems.push(`created_at changed from ${before.created.created_at} to ${video.created_at}`);
      if (video.size !== before.created.size) problems.push(`size changed from ${before.created.size} to ${video.size}`);
      if (video.seconds !== before.created.seconds) problems.push(`seconds changed from ${before.created.seconds} to ${video.seconds}`);
      before.last = video;
    }
    return problems.map((p) => `${video.id} (${where}): ${p}`);
  }

  /** The job's content was answered 200 (`timing`): a later observation that says it is not completed shows it was early. */
  contentServed(id: string, where: string, timing: Timing): void {
    const life = this.lives.get(id);
    if (life && (!life.contentServed || timing.answeredAt < life.contentServed.answeredAt)) life.contentServed = { answeredAt: timing.answeredAt, where };
  }

  /**
   * Content served before the job completed: this observation, sent after a 200 to the content was in,
   * says the job is not completed. Status never goes back, so it was not completed then either. (An
   * observation answered before the content request proves nothing: the job may have completed since.)
   */
  earlyContent(video: VideoResource, timing: Timing): string | undefined {
    const served = this.lives.get(video.id)?.contentServed;
    if (!served || video.status === 'completed' || timing.sentAt < served.answeredAt) return undefined;
    return `content of ${video.id} was answered 200 (${served.where}) while the job was ${video.status}, as an answer asked for after it says`;
  }

  /** What the rules give for this job's request against what its object says; empty when they agree or cannot tell. */
  specProblems(video: VideoResource): string[] {
    const expected = this.lives.get(video.id)?.expected;
    if (!expected) return [];
    const problems: string[] = [];
    if (expected.size && video.size !== expected.size) problems.push(`size '${video.size}', the rules give '${expected.size}'`);
    if (video.seconds !== expected.seconds) problems.push(`seconds '${video.seconds}', the rules give '${expected.seconds}'`);
    return problems;
  }
}
