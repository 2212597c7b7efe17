/**
 * Judgments the coverage matrix asked for and no check made: each a pure function from what was
 * sent and what came back (one exchange, or the run's exchanges in order) to problem messages, so the
 * checker's checks (catalogue/contract.ts) and a passive judge can apply the same rule. Each follows
 * the tolerance rule: what OpenAI's own API answers passes (nullable fields may be null; a model may
 * be answered as a dated snapshot of the name asked for).
 */
import { sniffMediaType } from '../media/inspect-sniff.js';
import { formatModelName, parseModelName } from '../spec/model.js';
import { imageAspectOf, parseSize } from '../spec/rules.js';
import { EARLIEST_UNIX_SECONDS, jsonOf, LATEST_AHEAD_SECONDS } from './judge.js';
import type { OperationId } from '../spec/operations.js';
import type { OperationMatch } from '../spec/paths.js';
import { readChatEvents, sseData } from './sse.js';

/** What these judgments read of an exchange: the request as sent (JSON or a form's text fields) and the answer. */
export interface ContractExchange {
  method: string;
  url: string;
  /** The request's body fields: a JSON object, or a multipart form's text fields. */
  fields?: Record<string, unknown>;
  status: number;
  contentType: string;
  body: Uint8Array;
  /** A deliberate client mistake (not a request the deployment should serve). */
  mistake?: boolean;
  /** The answer's headers, lower-case names. */
  headers?: Record<string, string>;
}


function timestampProblem(name: string, value: unknown, now: number, { plausibleFrom = EARLIEST_UNIX_SECONDS } = {}): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (value > now / 1000 + LATEST_AHEAD_SECONDS) return `${name} ${value} is in the future: unix seconds are expected (milliseconds?)`;
  if (value < plausibleFrom) return `${name} ${value} is not plausible unix seconds`;
  return undefined;
}

/** The model answered names the model asked for: the same in canonical form, or a snapshot of it (OpenAI answers `gpt-4o-2024-08-06` for `gpt-4o`). */
export function sameModel(asked: unknown, answered: unknown): boolean {
  if (typeof asked !== 'string' || typeof answered !== 'string') return true;
  if (answered === asked || answered.startsWith(`${asked}-`)) return true;
  const a = parseModelName(asked);
  const b = parseModelName(answered);
  return a.ok && b.ok && formatModelName(a.model) === formatModelName(b.model);
}

interface Usage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  total_tokens?: unknown;
}
function usageProblem(usage: Usage | null | undefined, where: string): string | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const { prompt_tokens: p, completion_tokens: c, total_tokens: t } = usage;
  if (typeof p === 'number' && typeof c === 'number' && typeof t === 'number' && t !== p + c) return `${where}usage.total_tokens ${t} is not prompt_tokens + completion_tokens (${p} + ${c})`;
  return undefined;
}

type Json = Record<string, any>;
const asObject = (value: unknown): Json | undefined => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);

/** Chat answers: unix-second `created`, the model asked for, choice indexes, usage that adds up; a stream's chunks share `created` and `model`. */
function chatProblems(exchange: ContractExchange, now: number): string[] {
  const problems: string[] = [];
  const asked = exchange.fields?.model;
  const choices = Number.isInteger(exchange.fields?.n) ? (exchange.fields!.n as number) : 1;
  const judgeObject = (object: Json, where: string) => {
    const t = timestampProblem(`${where}created`, object.created, now);
    if (t) problems.push(t);
    if (!sameModel(asked, object.model)) problems.push(`${where}model '${String(object.model)}', the request asked for '${String(asked)}'`);
    const u = usageProblem(object.usage, where);
    if (u) problems.push(u);
  };
  if (/event-stream/i.test(exchange.contentType)) {
    const { chunks } = readChatEvents(sseData(exchange.body));
    chunks.forEach((chunk, i) => {
      judgeObject(chunk as Json, `chunk ${i + 1}: `);
      for (const choice of chunk.choices) if (choice.index >= Math.max(1, choices)) problems.push(`chunk ${i + 1}: choice index ${choice.index}, but only ${Math.max(1, choices)} choice(s) can be answered`);
    });
    const created = new Set(chunks.map((c) => c.created));
    const models = new Set(chunks.map((c) => c.model));
    if (created.size > 1) problems.push(`the chunks carry ${created.size} different created timestamps; every chunk of one completion has the same`);
    if (models.size > 1) problems.push(`the chunks name ${models.size} different models`);
    return problems;
  }
  const body = asObject(jsonOf(exchange.body));
  if (!body) return problems;
  judgeObject(body, '');
  if (Array.isArray(body.choices)) body.choices.forEach((choice: Json, i: number) => choice?.index !== i && problems.push(`choices[${i}].index is ${String(choice?.index)}, expected ${i}`));
  return problems;
}

/** The aspect a requested image size gives, or undefined when it gives none. */
function askedAspect(size: unknown): string | undefined {
  const parsed = parseSize(size);
  return parsed.ok ? imageAspectOf(parsed.dims) : undefined;
}

const FORMAT_OF_MIME: Record<string, string> = { 'image/png': 'png', 'image/webp': 'webp', 'image/jpeg': 'jpeg' };

/**
 * Images answers: unix-second `created`; `size`, when answered, of the aspect the request's size
 * gives; `output_format`, when answered, the format of the b64_json bytes it describes. Linked images
 * are not held to it: a CDN in front of the links may re-encode what it serves (a legitimate gateway).
 */
function imagesProblems(exchange: ContractExchange, now: number): string[] {
  const body = asObject(jsonOf(exchange.body));
  if (!body) return [];
  const problems: string[] = [];
  const t = timestampProblem('created', body.created, now);
  if (t) problems.push(t);
  const asked = askedAspect(exchange.fields?.size);
  const answered = askedAspect(body.size);
  if (typeof body.size === 'string' && asked && answered && asked !== answered) problems.push(`size '${body.size}' is ${answered}, the request's size ${String(exchange.fields?.size)} gives ${asked}`);
  if (typeof body.output_format === 'string' && Array.isArray(body.data)) {
    for (const [i, item] of (body.data as Json[]).entries()) {
      const sniffed = typeof item?.b64_json === 'string' ? sniffMediaType(new Uint8Array(Buffer.from(item.b64_json, 'base64'))) : undefined;
      const format = sniffed ? (FORMAT_OF_MIME[sniffed.mime] ?? sniffed.format) : undefined;
      if (format && format !== body.output_format) problems.push(`output_format '${body.output_format}', but image ${i + 1} is ${format}`);
    }
  }
  return problems;
}

/** `GET /models`: `created` is unix seconds (not milliseconds; models may be older than 2020). */
function modelsProblems(exchange: ContractExchange, now: number): string[] {
  const body = asObject(jsonOf(exchange.body));
  if (!body || !Array.isArray(body.data)) return [];
  return (body.data as Json[]).flatMap((m, i) => {
    const t = timestampProblem(`data[${i}].created`, m?.created, now, { plausibleFrom: 0 });
    return t ? [t] : [];
  });
}

/**
 * `objects.consistency`: an answer agrees with its request and with itself beyond its schema. `op` is
 * the operation of the request; `now` the clock in ms.
 */
export function consistencyProblems(exchange: ContractExchange, op: OperationId, now = Date.now()): string[] {
  if (exchange.status !== 200 || exchange.mistake) return [];
  if (op === 'createChatCompletion') return chatProblems(exchange, now);
  if (op === 'createImage' || op === 'createImageEdit') return imagesProblems(exchange, now);
  if (op === 'listModels') return modelsProblems(exchange, now);
  return [];
}

/* Video jobs across operations. */

interface Observation {
  op: string;
  where: string;
  video: Json;
}

const isVideo = (v: unknown): boolean => asObject(v)?.object === 'video' && typeof (v as Json).id === 'string';

/** Jobs and deletions a relations judge remembers; beyond, the oldest are forgotten (a judgment then not made, never wrong). */
const MAX_JOBS_REMEMBERED = 10_000;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.set(key, value);
  while (map.size > MAX_JOBS_REMEMBERED) map.delete(map.keys().next().value as string);
}

/**
 * `videos.relations`: what the operations say of one job agrees, across the exchanges of a session,
 * observed one at a time in order. A created job is no remix and keeps the prompt sent; a remix keeps
 * its source's size and duration and the prompt sent; every answer about a job names the same model,
 * prompt, source and creation time; `expires_at` is not before `created_at`; `error` is set only on a
 * failed job; a deleted job is gone from reads, lists and its content.
 */
export class VideoRelations {
  private readonly first = new Map<string, Observation>();
  private readonly deleted = new Map<string, string>();

  observe(exchange: ContractExchange, found: OperationMatch): string[] {
    const problems: string[] = [];
    const where = `${exchange.method} ${exchange.url}`;
    const add = (message: string) => problems.push(message);
    const id = found.params.video_id;
    // Asked as a mistake or not, a deleted job's id answered 2xx is a job that was not deleted.
    if (id && this.deleted.has(id) && exchange.status >= 200 && exchange.status <= 299 && found.id !== 'deleteVideo') add(`${id} was deleted (${this.deleted.get(id)}), yet this answered ${exchange.status}`);
    const body = asObject(jsonOf(exchange.body));
    if (exchange.mistake || exchange.status !== 200 || !body) return problems;
    if (found.id === 'deleteVideo' && body.deleted === true && id) remember(this.deleted, id, where);
    const videos: Json[] = isVideo(body) ? [body] : found.id === 'listVideos' && Array.isArray(body.data) ? (body.data as Json[]).filter(isVideo) : [];
    for (const video of videos) {
      if (this.deleted.has(video.id)) add(`lists ${video.id}, deleted before (${this.deleted.get(video.id)})`);
      if (typeof video.expires_at === 'number' && typeof video.created_at === 'number' && video.expires_at < video.created_at) add(`${video.id}: expires_at ${video.expires_at} is before created_at ${video.created_at}`);
      if (video.error !== null && video.error !== undefined && video.status !== 'failed') add(`${video.id}: error ${JSON.stringify(video.error).slice(0, 80)} on a job whose status is ${String(video.status)}`);
      const sent = exchange.fields?.prompt;
      if ((found.id === 'createVideo' || found.id === 'remixVideo') && typeof video.prompt === 'string' && typeof sent === 'string' && video.prompt.trim() !== sent.trim()) {
        add(`${video.id}: prompt '${video.prompt.slice(0, 60)}', the request sent '${sent.slice(0, 60)}'`);
      }
      if (found.id === 'createVideo' && video.remixed_from_video_id !== null && video.remixed_from_video_id !== undefined) add(`${video.id}: a new job (no remix) says remixed_from_video_id ${JSON.stringify(video.remixed_from_video_id)}`);
      if (found.id === 'remixVideo' && id) {
        const source = this.first.get(id)?.video;
        for (const key of ['size', 'seconds'] as const) if (source && video[key] !== source[key]) add(`the remix ${video.id} has ${key} '${String(video[key])}', its source ${id} '${String(source[key])}' (a remix keeps them)`);
      }
      const before = this.first.get(video.id);
      if (!before) {
        remember(this.first, video.id, { op: found.id, where, video });
        continue;
      }
      for (const key of ['model', 'prompt', 'remixed_from_video_id', 'created_at'] as const) {
        const [a, b] = [before.video[key], video[key]];
        // A prompt or a source may be withheld (null) in one answer; when both say something, they agree.
        if (a === null || b === null || a === undefined || b === undefined) continue;
        if (key === 'model' ? !sameModel(a, b) : a !== b) add(`${video.id}: ${key} ${JSON.stringify(b).slice(0, 60)}, but ${before.where} said ${JSON.stringify(a).slice(0, 60)}`);
      }
    }
    return problems;
  }
}

/** Where a page of `GET /videos` disagrees with itself: its length over `limit`, its order, first_id and last_id. */
export function listPageProblems(page: Json, asked: { limit?: number; order?: 'asc' | 'desc' }): string[] {
  const problems: string[] = [];
  const data = Array.isArray(page.data) ? (page.data as Json[]) : [];
  if (asked.limit !== undefined && data.length > asked.limit) problems.push(`limit=${asked.limit}, but the page has ${data.length} items`);
  const order = asked.order ?? 'desc';
  for (let i = 1; i < data.length; i++) {
    const [a, b] = [data[i - 1].created_at, data[i].created_at];
    if (typeof a === 'number' && typeof b === 'number' && (order === 'desc' ? b > a : b < a)) {
      problems.push(`order=${order}, but item ${i + 1} (created_at ${b}) comes after item ${i} (created_at ${a})`);
      break;
    }
  }
  // OpenAI's list: first_id and last_id name the page's ends (null is tolerated: nullable).
  if (data.length && page.first_id !== null && page.first_id !== undefined && page.first_id !== data[0].id) problems.push(`first_id '${String(page.first_id)}' is not the first item '${String(data[0].id)}'`);
  if (data.length && page.last_id !== null && page.last_id !== undefined && page.last_id !== data.at(-1)!.id) problems.push(`last_id '${String(page.last_id)}' is not the last item '${String(data.at(-1)!.id)}'`);
  return problems;
}
