/**
 * Judgments of single exchanges and of a job's life across them: one implementation the checks use
 * on the traffic of a run and the validating proxy uses on a client's traffic. A judgment names the
 * check it belongs to, so a violation means the same thing wherever it is found.
 *
 * Everything here is derived from the spec: the operation of a request and the schema of its answer
 * from the operations table, the video a request should produce from the rules. Nothing depends on
 * the mock's wording, id format or habits: ids are opaque, messages are free text, extra fields are
 * allowed (the schemas ignore unknown keys).
 */
import type { z } from 'zod';
import { sniffMediaType } from '../media/inspect-sniff.js';
import { formatModelName, parseModelName } from '../spec/model.js';
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import { resolveVideoRequest } from '../spec/rules.js';
import { ErrorEnvelope } from '../spec/schemas/errors.js';
import { VideoListResource, VideoResource } from '../spec/schemas/videos.js';
import { describeIssues } from './issues.js';
import { DONE, readChatEvents, sseData, type ChatEvents } from './sse.js';

/** What a judgment needs of an exchange, whoever saw it (the runner's client or the proxy). */
export interface JudgedExchange {
  method: string;
  url: string;
  /** The request body as the rules read it: JSON, or a form's text fields; undefined otherwise. */
  requestFields?: unknown;
  status: number;
  contentType: string;
  body: Uint8Array;
  /** The request was a deliberate mistake (the runner knows; the proxy does not). */
  mistake?: boolean;
  /** The parameter a refusal of the mistake should name. */
  param?: string;
}

export interface Problem {
  /** The id of the check the judgment belongs to. */
  check: string;
  message: string;
}

/** The checks whose judgments run over every exchange (in the runner, final checks over the whole run). */
export const TRAFFIC_CHECKS = {
  'objects.schema': { severity: 'should', rule: 'OpenAI: the schema of every object (VideoResource, ChatCompletion, ImagesResponse, lists, chunks)' },
  'chat.stream.framing': { severity: 'should', rule: 'OpenAI: chat completion streaming (data: chunk ... data: [DONE]); WHATWG HTML: server-sent events' },
  'errors.envelope': { severity: 'should', rule: 'OpenAI: error object {error:{message,type,param,code}}, invalid_request_error naming param' },
  'media.content-type': { severity: 'should', rule: 'RFC 9110 8.3: Content-Type names the representation (PNG, JPEG, WebP, MP4)' },
  'videos.lifecycle': { severity: 'should', rule: 'OpenAI: VideoResource status, progress 0..100, created_at/completed_at unix seconds; seed: 视频异步任务 (query until done)' },
} as const;
export type TrafficCheckId = keyof typeof TRAFFIC_CHECKS;

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

const isJsonType = (contentType: string) => /^application\/([\w.+-]+\+)?json\b/i.test(contentType.trim());
const isStreamType = (contentType: string) => /^text\/event-stream\b/i.test(contentType.trim());

/** Operation paths as matchers, from the table (one fact, one place). */
const MATCHERS = (Object.entries(OPERATIONS) as Array<[OperationId, (typeof OPERATIONS)[OperationId]]>).map(([id, op]) => {
  const names: string[] = [];
  const source = op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { id, method: op.method as string, pattern: new RegExp(`^${source}/?$`), names };
});

/**
 * The operation of a request, by method and path under the API root; undefined for anything else
 * (media links, other routes).
 */
export function operationOf(method: string, url: string, apiRoot: string): { id: OperationId; params: Record<string, string> } | undefined {
  let path: string;
  try {
    const target = new URL(url);
    const root = new URL(apiRoot);
    if (target.origin !== root.origin || !target.pathname.startsWith(root.pathname)) return undefined;
    path = target.pathname.slice(root.pathname.replace(/\/+$/, '').length) || '/';
  } catch {
    return undefined;
  }
  for (const m of MATCHERS) {
    if (m.method !== method.toUpperCase()) continue;
    const found = m.pattern.exec(path);
    if (found) return { id: m.id, params: Object.fromEntries(m.names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) };
  }
  return undefined;
}

/** The schema of an operation's 200 JSON answer, from the table. */
function okJsonSchema(id: OperationId): z.ZodType | undefined {
  const ok = OPERATIONS[id].ok as Record<string, { content?: Record<string, { schema?: unknown }> }>;
  const schema = ok['200']?.content?.['application/json']?.schema;
  return schema && typeof (schema as z.ZodType).safeParse === 'function' ? (schema as z.ZodType) : undefined;
}

/** The seed's operations and OpenAI's: an error on any of them must be an envelope. */
export function envelopeProblemOf(exchange: Pick<JudgedExchange, 'contentType' | 'body'>): string | undefined {
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

/**
 * The parameters whose refusal the platform document decides: the model list and its options, the
 * size format, n up to 4, and the parameters its calls carry. sora-kit refuses more (a `seconds` a
 * model cannot make, a `watermark` that is not a boolean); a deployment may accept or ignore those.
 */
export const DOCUMENT_REFUSALS = ['model', 'size', 'n', 'prompt', 'messages', 'image'] as const;
export type DocumentRefusal = (typeof DOCUMENT_REFUSALS)[number];

/** The statuses that refuse a value: OpenAI's 400, and 422 (HTTP's "well-formed but invalid"). */
export const REFUSAL_STATUSES: readonly number[] = [400, 422];

/** Why an answer to a mistake is not a refusal of the value, in a few words. */
export function notRefusal(status: number): string {
  if (status >= 200 && status <= 299) return 'the value was accepted';
  if (status === 401 || status === 403) return 'the licence was refused, not the value';
  if (status === 404) return 'the route was not found';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'a server error';
  return 'not a refusal of the value';
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

/** What is wrong with the envelope of a refused mistake as OpenAI words one. */
export function refusalEnvelopeProblem(exchange: JudgedExchange): string | undefined {
  const problem = envelopeProblemOf(exchange);
  if (problem) return problem;
  if (!REFUSAL_STATUSES.includes(exchange.status)) return undefined;
  const { error } = ErrorEnvelope.parse(jsonOf(exchange.body));
  if (error.type !== 'invalid_request_error') return `error.type is '${error.type}', expected 'invalid_request_error' for a refused value`;
  if (exchange.param && (typeof error.param !== 'string' || !paramNames(error.param, exchange.param))) {
    return `error.param is ${JSON.stringify(error.param)}, expected it to name '${exchange.param}'`;
  }
  return undefined;
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
export function mediaTypeProblem(exchange: Pick<JudgedExchange, 'contentType' | 'body' | 'status'>): string | undefined {
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
const EARLIEST = 1_577_836_800;
function plausibleSeconds(value: number, now: number): boolean {
  return value >= EARLIEST && value <= now / 1000 + 86_400;
}

interface LifeState {
  firstSeen: string;
  created: VideoResource;
  last: VideoResource;
  /** What the rules give for the create request, when it was seen. */
  expected?: { size: string; seconds: string; model?: string };
}

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

  /** Judge one observation of a video object; `where` names the exchange for messages. */
  observe(video: VideoResource, where: string, create?: { fields: unknown }): string[] {
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
      const life: LifeState = { firstSeen: where, created: video, last: video };
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
      const last = before.last;
      if ((RANK[video.status] ?? -1) < (RANK[last.status] ?? -1) || (last.status !== video.status && RANK[last.status] === 2)) {
        problems.push(`status went from ${last.status} to ${video.status}`);
      }
      if (video.progress < last.progress) problems.push(`progress went down from ${last.progress} to ${video.progress}`);
      if (video.created_at !== before.created.created_at) problems.push(`created_at changed from ${before.created.created_at} to ${video.created_at}`);
      if (video.size !== before.created.size) problems.push(`size changed from ${before.created.size} to ${video.size}`);
      if (video.seconds !== before.created.seconds) problems.push(`seconds changed from ${before.created.seconds} to ${video.seconds}`);
      before.last = video;
    }
    return problems.map((p) => `${video.id} (${where}): ${p}`);
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

/**
 * The judgments of one exchange that hold whatever the exchange is: the schema of the answer, the
 * stream framing, the error envelope, the media type, and the job's life. `apiRoot` is the
 * deployment's API root (`http://host/sora/v1`).
 */
export function judgeExchange(exchange: JudgedExchange, apiRoot: string, lives: VideoLives): Problem[] {
  const problems: Problem[] = [];
  const where = `${exchange.method} ${exchange.url}`;
  const add = (check: TrafficCheckId, message: string) => problems.push({ check, message: `${where} -> ${exchange.status}: ${message}` });
  const op = operationOf(exchange.method, exchange.url, apiRoot);

  const media = mediaTypeProblem(exchange);
  if (media) add('media.content-type', media);
  if (!op) return problems;

  if (exchange.status >= 400) {
    const problem = exchange.mistake ? refusalEnvelopeProblem(exchange) : envelopeProblemOf(exchange);
    if (problem) add('errors.envelope', problem);
    return problems;
  }
  if (exchange.status < 200 || exchange.status > 299) return problems;
  if (op.id === 'retrieveVideoContent') return problems;

  if (isStreamType(exchange.contentType)) {
    for (const p of streamProblems(exchange.body)) add('chat.stream.framing', p);
    return problems;
  }
  const schema = okJsonSchema(op.id);
  if (!schema) return problems;
  const body = jsonOf(exchange.body);
  if (!isJsonType(exchange.contentType)) add('objects.schema', `Content-Type '${exchange.contentType || '(none)'}', expected application/json`);
  if (body === undefined) {
    add('objects.schema', `the body is not JSON: ${excerpt(text(exchange.body), 80)}`);
    return problems;
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    add('objects.schema', `the ${OPERATIONS[op.id].summary.replace(/\.$/, '').toLowerCase()} answer does not match its schema (${describeIssues(parsed.error)})`);
  }

  // Every video object, wherever it appears, is an observation of its job.
  const videos: Array<{ video: VideoResource; create?: { fields: unknown } }> = [];
  if (op.id === 'createVideo' || op.id === 'remixVideo' || op.id === 'retrieveVideo') {
    const video = VideoResource.safeParse(body);
    if (video.success) videos.push({ video: video.data, create: op.id === 'createVideo' ? { fields: exchange.requestFields } : undefined });
    if (video.success && op.id === 'retrieveVideo' && op.params.video_id !== video.data.id) {
      add('videos.lifecycle', `asked for ${op.params.video_id}, answered the object of ${video.data.id}`);
    }
  } else if (op.id === 'listVideos') {
    const list = VideoListResource.safeParse(body);
    if (list.success) videos.push(...list.data.data.map((video) => ({ video })));
  }
  for (const { video, create } of videos) for (const p of lives.observe(video, `${exchange.method} ${new URL(exchange.url).pathname}`, create)) add('videos.lifecycle', p);
  return problems;
}
