/**
 * The registry of judgments: every rule that can be judged from traffic, once. The checker applies it
 * to every exchange of its run, the validating proxy to every exchange it forwards (traffic-judge.ts),
 * so a violation means the same thing wherever it is found and a rule is written in one place.
 *
 * An entry names the checks it reports (their severity and cited rule are in `JUDGMENT_CHECKS`), and
 * judges one exchange with the session's memory: a job across its polls, the links an answer carried
 * until their bytes come by, the licences seen accepted, the jobs deleted. The memory is bounded (a
 * proxy may watch a deployment for days): past its bounds a judgment that needs what was forgotten is
 * not made, never made wrong.
 *
 * Adding a rule: an entry here (and its check in `JUDGMENT_CHECKS`), a broken deployment that it
 * reports, and a legitimate one it passes (CONTRIBUTING.md, "A conformance check").
 */
import { parseUrl } from '../util/index.js';
import { inspectMedia, MediaInspectionError, type MediaFacts } from '../media/inspect.js';
import { BASE_MODELS, isVideoModel, modelOptionsOf, parseModelName, VIDEO_DEFAULTS, type ModelName } from '../spec/model.js';
import { OPERATIONS } from '../spec/operations.js';
import type { OperationMatch } from '../spec/paths.js';
import { imageAspectOf, parseImageCount, parseSize, videoSpecFor, type ImageAspect } from '../spec/rules.js';
import { ChatCompletion } from '../spec/schemas/chat.js';
import { ImagesResponse } from '../spec/schemas/images.js';
import { ModelList } from '../spec/schemas/models.js';
import { VideoListResource, VideoResource } from '../spec/schemas/videos.js';
import type { Finding, JudgedExchange } from './exchange.js';
import { JUDGMENT_CHECKS, type JudgmentCheckId } from './judgment-checks.js';

import { describeIssues } from './issues.js';
import { envelopeProblemOf, excerpt, isHtmlAnswer, isJsonType, isStreamType, jsonOf, mediaTypeProblem, okJsonSchema, readStream, streamProblems, VideoLives, type Timing } from './judge.js';
import { isRefusalAnswer, notRefusal, paramsAtFault, refusalEnvelopeFindings, refusalsOf, type Refusal } from './refusals.js';
import { consistencyProblems, listPageProblems, VideoRelations, type ContractExchange } from './contract-judgments.js';
import { aspectClass, describeFacts, findLinks, videoMismatches, type VideoExpectation } from './media-rules.js';
import type { ChatEvents } from './sse.js';


/** What `check` verifies: its own purpose, else what the entry that reports it judges. */
export const purposeOf = (check: string): string =>
  (JUDGMENT_CHECKS as Record<string, { purpose?: string }>)[check]?.purpose ?? JUDGMENTS.find((j) => (j.reports as readonly string[]).includes(check))?.what ?? check;

/** What the bytes behind a link should be, learnt from the answer that carried the link. */
type MediaExpectation =
  | { kind: 'video'; check: JudgmentCheckId; what: string; expected: VideoExpectation }
  | { kind: 'image'; check: JudgmentCheckId; what: string; aspect?: ImageAspect; orientation?: 'portrait' | 'landscape' };

/** Each bound of the memory: beyond it the oldest entries are forgotten. */
const MAX_TRACKED = 10_000;
const MAX_PER_LINK = 16;

function forgetOldest<K, V>(map: Map<K, V> | Set<K>): void {
  while (map.size > MAX_TRACKED) map.delete(map.keys().next().value as K);
}

/** What one session of traffic remembers between exchanges, bounded. */
export class JudgeMemory {
  readonly lives: VideoLives;
  /** What each media link should be; one link can answer several requests (the same recipe). */
  readonly expectations = new Map<string, MediaExpectation[]>();
  /** Licences answered 2xx in this session (a later 401 for them is the deployment's doing). */
  readonly accepted = new Set<string>();
  /** Ids answered `video.deleted`: a later 200 for them is a job that was not deleted. */
  readonly deleted = new Set<string>();
  /** The length of each content URL's whole answer, which a 206's Content-Range must agree with. */
  readonly wholeLengths = new Map<string, number>();

  /** What the operations said of each job, for `videos.relations`. */
  readonly relations = new VideoRelations();
  /** For exchanges that come without timing: each is taken as happening after the one before it. */
  private sequence = 0;

  constructor(readonly now: () => number = Date.now) {
    this.lives = new VideoLives(now);
  }

  expect(url: string, expectation: MediaExpectation): void {
    this.expectations.set(url, [...(this.expectations.get(url) ?? []), expectation].slice(-MAX_PER_LINK));
    forgetOldest(this.expectations);
  }

  /** When an exchange happened: its own timing, or (without one) just after the last one judged. */
  timingOf(ex: JudgedExchange): Timing {
    if (ex.timing) return ex.timing;
    const t = ++this.sequence;
    return { sentAt: t, answeredAt: t };
  }

  remember<K>(set: Set<K>, value: K): void {
    set.add(value);
    forgetOldest(set);
  }
}

/** The facts of one exchange every entry reads, worked out once. */
interface Facts {
  ex: JudgedExchange;
  op?: OperationMatch;
  fields?: Record<string, unknown>;
  ok: boolean;
  stream: boolean;
  /** The refusals the rules call for; the parameters a refusal may name (these and the sender's). */
  refusals: Refusal[];
  mistakeParams: string[];
  mistake: boolean;
  /** The body as JSON (undefined when it is not), read once. */
  json(): unknown;
  /** The chat stream read from the body, once. */
  chat(): ChatEvents | undefined;
  /** When the exchange happened (JudgeMemory.timingOf). */
  timing: Timing;
}

type Add = (check: JudgmentCheckId, message: string) => void;

interface Judgment {
  /** What the entry judges, in a few words (the registry's table in specs/conformance.md). */
  what: string;
  reports: readonly JudgmentCheckId[];
  judge(facts: Facts, memory: JudgeMemory, add: Add): void | Promise<void>;
}

const SIZE_CHECK: Record<ImageAspect, JudgmentCheckId> = { '1:1': 'images.size.square', '3:2': 'images.size.wide', '2:3': 'images.size.tall' };

/** The registry, in the order its entries judge an exchange (the job's life before what reads it). */
export const JUDGMENTS: readonly Judgment[] = [
  {
    what: 'a media answer has the Content-Type of its bytes',
    reports: ['media.content-type'],
    judge({ ex }, _, add) {
      const problem = mediaTypeProblem(ex);
      if (problem) add('media.content-type', problem);
    },
  },
  {
    what: 'an error answer is an envelope; a refused mistake is invalid_request_error naming its parameter',
    reports: ['errors.envelope', 'errors.param-named'],
    judge({ ex, op, mistake, mistakeParams }, _, add) {
      if (!op || ex.status < 400 || ex.truncated) return;
      if (!mistake) {
        const problem = envelopeProblemOf(ex);
        if (problem) add('errors.envelope', problem);
        return;
      }
      for (const f of refusalEnvelopeFindings(ex.status, ex.contentType, ex.body, mistakeParams)) add(f.check as JudgmentCheckId, f.message);
    },
  },
  {
    what: 'a request the platform document refuses is refused (400 or 422, or 404 model_not_found for a model), never served or crashed on',
    reports: ['errors.required-params', 'images.edits.missing-image', 'errors.options-on-base', 'chat.image.options-rejected', 'errors.unknown-model', 'errors.bad-size', 'images.n.max', 'errors.no-5xx-or-html'],
    judge({ ex, op, refusals, mistake }, _, add) {
      if (mistake && (ex.status >= 500 || isHtmlAnswer(ex.contentType, ex.body))) {
        add('errors.no-5xx-or-html', `${refusals[0]?.why ?? 'a deliberate mistake'}: answered ${ex.status} ${ex.contentType || '(no content-type)'}`);
      }
      if (!op || refusals.length === 0) return;
      const params = refusals.map((r) => r.param);
      const refused = isRefusalAnswer(ex.status, ex.body, params);
      // 401/403 is the licence's (judged below), 429 the load's, 409-416 a state or a transport: not the value's.
      const judged = (ex.status >= 200 && ex.status <= 299) || ex.status >= 500 || (ex.status === 404 && op.id !== 'remixVideo' && !refused);
      if (!judged) return;
      for (const r of refusals) add(r.check, `${r.why}: the platform refuses it (400 or 422), the deployment answered ${ex.status} (${notRefusal(ex.status)})`);
    },
  },
  {
    what: 'a licence seen accepted is not refused later; a request without a licence is not served',
    reports: ['auth.raw-license', 'auth.bearer-license', 'auth.missing-license'],
    judge({ ex, op, ok, refusals }, memory, add) {
      if (!op) return;
      const authorization = ex.request.headers.get('authorization') ?? undefined;
      if (ok && !authorization) add('auth.missing-license', `served ${ex.status} to a request without Authorization`);
      if (!authorization) return;
      const bearer = authorization.startsWith('Bearer ');
      const key = authorization.replace(/^Bearer\s+/, '');
      // 401 refuses the licence anywhere; 403 says it lacks this operation's add-on, so only a licence
      // seen accepted for the same add-on (a licence may have chat and not videos) is refused wrongly.
      const feature = `${key}\u0000${OPERATIONS[op.id].feature}`;
      if (ok) {
        memory.remember(memory.accepted, key);
        memory.remember(memory.accepted, feature);
      }
      const refusedLicence = (ex.status === 401 && memory.accepted.has(key)) || (ex.status === 403 && memory.accepted.has(feature));
      if (refusedLicence) {
        add(bearer ? 'auth.bearer-license' : 'auth.raw-license', `answered ${ex.status} with a licence this deployment accepted before${refusals.length ? ` (for a bad value: ${refusals[0].why}, which is 400 or 422)` : ''}`);
      }
    },
  },
  {
    what: 'an answer agrees with its request and itself beyond its schema (timestamps, model, choice indexes, usage, image size and format)',
    reports: ['objects.consistency'],
    judge(facts, memory, add) {
      if (!facts.op || !facts.ok || facts.mistake || facts.ex.truncated) return;
      for (const p of consistencyProblems(contractView(facts), facts.op.id, memory.now())) add('objects.consistency', p);
    },
  },
  {
    what: "what the operations say of one job agrees (model, prompt, source, creation time; a remix keeps its source's size and duration); a deleted job is gone",
    reports: ['videos.relations'],
    judge(facts, memory, add) {
      if (!facts.op || facts.ex.truncated) return;
      for (const p of memory.relations.observe(contractView(facts), facts.op)) add('videos.relations', p);
    },
  },
  {
    what: 'a page of GET /videos honours its limit and order, and first_id and last_id name its ends',
    reports: ['videos.list.pages'],
    judge(facts, _, add) {
      if (facts.op?.id !== 'listVideos' || facts.ex.status !== 200 || facts.ex.truncated) return;
      const page = facts.json();
      if (!page || typeof page !== 'object') return;
      const limit = Number(safeSearchParam(facts.ex.url, 'limit') ?? Number.NaN);
      const order = safeSearchParam(facts.ex.url, 'order');
      const asked: { limit?: number; order?: 'asc' | 'desc' } = {};
      if (Number.isInteger(limit) && limit > 0) asked.limit = limit;
      if (order === 'asc' || order === 'desc') asked.order = order;
      for (const p of listPageProblems(page as Record<string, unknown>, asked)) add('videos.list.pages', p);
    },
  },
  {
    what: 'an answer has a status HTTP can carry',
    reports: ['proxy.impossible-answer'],
    judge({ ex }, _, add) {
      if (!Number.isInteger(ex.status) || ex.status < 100 || ex.status > 599) add('proxy.impossible-answer', `status ${ex.status} is not an HTTP status (100 to 599)`);
    },
  },
  {
    what: 'an answer never carries the licence it was sent, in a header, its body or a link',
    reports: ['auth.licence-not-echoed'],
    judge({ ex }, _, add) {
      const key = (ex.request.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '').trim();
      // Short values are no secret worth the search (and would match by chance).
      if (key.length < 8) return;
      const forms = [...new Set([key, encodeURIComponent(key)])];
      const found: string[] = [];
      ex.headers.forEach((value, name) => {
        if (forms.some((f) => value.includes(f))) found.push(`the ${name} header`);
      });
      // A licence is text: bodies of a textual type are searched (not megabytes of media).
      if (/json|text|html|xml|event-stream|^$/i.test(ex.contentType.trim())) {
        const text = new TextDecoder().decode(ex.body);
        if (forms.some((f) => text.includes(f))) found.push('the body');
      }
      if (found.length) add('auth.licence-not-echoed', `the licence it was sent comes back in ${found.join(' and ')}`);
    },
  },
  {
    what: 'every 2xx JSON answer of an operation matches its OpenAI schema; every chat stream is framed as OpenAI streams',
    reports: ['objects.schema', 'chat.stream.framing'],
    judge(facts, _, add) {
      const { ex, op, ok, stream } = facts;
      if (!op || !ok || ex.truncated || op.id === 'retrieveVideoContent') return;
      if (stream) {
        for (const p of streamProblems(ex.body)) add('chat.stream.framing', p);
        return;
      }
      const schema = okJsonSchema(op.id);
      if (!schema) return;
      if (!isJsonType(ex.contentType)) add('objects.schema', `Content-Type '${ex.contentType || '(none)'}', expected application/json`);
      const body = facts.json();
      if (body === undefined) {
        add('objects.schema', `the body is not JSON: ${excerpt(new TextDecoder().decode(ex.body), 80)}`);
        return;
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) add('objects.schema', `the ${OPERATIONS[op.id].summary.replace(/\.$/, '').toLowerCase()} answer does not match its schema (${describeIssues(parsed.error)})`);
    },
  },
  {
    what: "every video object is an observation of its job: status only forward, progress never down, fields stable, the model and size the request asked for, no content before completion",
    reports: ['videos.lifecycle', 'videos.create', 'videos.content.before-completion'],
    judge(facts, memory, add) {
      const { ex, op, ok, fields } = facts;
      if (!op || !ok) return;
      const where = `${ex.method} ${pathOf(ex.url)}`;
      const videos: Array<{ video: VideoResource; create?: { fields: unknown } }> = [];
      if (op.id === 'createVideo' || op.id === 'remixVideo' || op.id === 'retrieveVideo') {
        const video = VideoResource.safeParse(facts.json());
        if (!video.success) return;
        videos.push({ video: video.data, create: op.id === 'createVideo' ? { fields } : undefined });
        if (op.id === 'retrieveVideo' && op.params.video_id !== video.data.id) add('videos.lifecycle', `asked for ${op.params.video_id}, answered the object of ${video.data.id}`);
      } else if (op.id === 'listVideos') {
        const list = VideoListResource.safeParse(facts.json());
        if (list.success) videos.push(...list.data.data.map((video) => ({ video })));
      }
      for (const { video, create } of videos) {
        for (const p of memory.lives.observe(video, where, facts.timing, create)) add('videos.lifecycle', p);
        const early = memory.lives.earlyContent(video, facts.timing);
        if (early) add('videos.content.before-completion', early);
        if (create) for (const p of memory.lives.specProblems(video)) add('videos.create', `${video.id}: ${p}`);
      }
    },
  },
  {
    what: 'a remix is a new job of its source; a deleted job is gone',
    reports: ['videos.remix', 'videos.delete'],
    judge(facts, memory, add) {
      const { op, ok } = facts;
      if (!op || !ok) return;
      if (op.id === 'remixVideo') {
        const video = VideoResource.safeParse(facts.json());
        if (video.success && video.data.remixed_from_video_id !== op.params.video_id) {
          add('videos.remix', `remix of ${op.params.video_id}: remixed_from_video_id is ${JSON.stringify(video.data.remixed_from_video_id)}`);
        }
        if (video.success && video.data.id === op.params.video_id) add('videos.remix', `remix of ${op.params.video_id} answered the source itself, not a new job`);
      }
      if (op.id === 'deleteVideo') memory.remember(memory.deleted, op.params.video_id);
      if (op.id === 'retrieveVideo' && memory.deleted.has(op.params.video_id)) add('videos.delete', `${op.params.video_id} was deleted, and is still answered ${facts.ex.status}`);
    },
  },
  {
    what: 'the model list names only platform models, and every base model',
    reports: ['models.list'],
    judge(facts, _, add) {
      if (facts.op?.id !== 'listModels' || !facts.ok) return;
      const list = ModelList.safeParse(facts.json());
      if (!list.success) return;
      const foreign = list.data.data.map((m) => m.id).filter((id) => !parseModelName(id).ok);
      if (foreign.length) add('models.list', `lists ${foreign.length} name(s) the platform does not accept: ${foreign.slice(0, 5).map((f) => excerpt(f, 60)).join(', ')}`);
      const absent = BASE_MODELS.filter((base) => !list.data.data.some((m) => m.id === base));
      if (absent.length) add('models.list', `does not list ${absent.join(', ')}`);
    },
  },
  {
    what: "a job's content: video/mp4, a Range answered with 206, and bytes of the job's size and duration (served early: the lifecycle entry)",
    reports: ['videos.content.range', 'videos.content.type'],
    judge({ ex, op, timing }, memory, add) {
      if (op?.id !== 'retrieveVideoContent') return;
      const variant = safeSearchParam(ex.url, 'variant') ?? 'video';
      const job = memory.lives.get(op.params.video_id)?.last;
      // Judged by the next observation of the job sent after this answer was in (the lifecycle entry).
      if (ex.status === 200) memory.lives.contentServed(op.params.video_id, `${ex.method} ${pathOf(ex.url)}`, timing);
      if (variant === 'video' && ex.status === 200 && ex.request.headers.has('range')) {
        add('videos.content.range', `Range: ${excerpt(ex.request.headers.get('range')!, 60)} answered 200 with ${ex.body.length} bytes, expected 206 with Content-Range`);
      }
      if (!job || ex.status !== 200) return;
      const [w, h] = job.size.split('x').map(Number);
      const orientation = w > h ? 'landscape' : 'portrait';
      if (variant === 'thumbnail') memory.expect(ex.url, { kind: 'image', check: 'videos.thumbnail', what: `thumbnail of ${job.id} (${job.size})`, orientation });
      if (variant === 'video') {
        if (!/^video\/mp4\b/i.test(ex.contentType)) add('videos.content.type', `Content-Type '${excerpt(ex.contentType, 60)}', expected video/mp4`);
        memory.expect(ex.url, { kind: 'video', check: 'videos.content.size', what: `content of ${job.id} (${job.size}, ${job.seconds} s)`, expected: { orientation, size: { width: w, height: h }, seconds: Number(job.seconds) } });
      }
    },
  },
  {
    what: "a chat stream asked for is an event stream: the assistant's role first, a finish_reason before [DONE]",
    reports: ['chat.image.stream.content-type', 'chat.image.stream.role-first', 'chat.image.stream.done'],
    judge(facts, _, add) {
      const { op, ok, fields, stream } = facts;
      if (op?.id !== 'createChatCompletion' || !ok || fields?.stream !== true || facts.ex.truncated) return;
      if (!stream) {
        add('chat.image.stream.content-type', `stream: true answered Content-Type '${excerpt(facts.ex.contentType, 60)}', expected text/event-stream`);
        return;
      }
      const chat = facts.chat();
      if (!chat) return;
      for (const p of streamEndProblems(chat)) add(p.check as JudgmentCheckId, p.message);
    },
  },
  {
    what: "a chat answer links the media its model makes, and each link's bytes are that media",
    reports: ['chat.image.stream.image', 'chat.image.nonstream', 'chat.video.stream', 'chat.video.options'],
    judge(facts, memory, add) {
      const { ex, op, ok, fields, stream } = facts;
      if (op?.id !== 'createChatCompletion' || !ok || !fields || ex.truncated) return;
      const text = stream ? facts.chat()?.content : chatContent(facts.json());
      const model = parseModelName(fields.model);
      if (text === undefined || !model.ok) return;
      const links = findLinks(text);
      const video = isVideoModel(model.model);
      const check: JudgmentCheckId = video ? (modelOptionsOf(model.model).length ? 'chat.video.options' : 'chat.video.stream') : stream ? 'chat.image.stream.image' : 'chat.image.nonstream';
      // A completion cut short or filtered says so in its finish_reason, and may carry no media.
      const reasons = stream ? (facts.chat()?.chunks ?? []).flatMap((c) => c.choices.map((choice) => choice.finish_reason)) : chatFinishReasons(facts.json());
      if (links.length === 0 && !reasons.some((r) => r === 'length' || r === 'content_filter')) add(check, `the ${model.model.base} answer links no media: ${excerpt(text, 160)}`);
      for (const link of links) {
        if (video) memory.expect(link, { kind: 'video', check, what: `video of ${excerpt(String(fields.model), 60)}`, expected: specOf(model.model) });
        else memory.expect(link, { kind: 'image', check, what: `image of ${excerpt(String(fields.model), 60)}` });
      }
    },
  },
  {
    what: 'an images answer has n images, of the asked aspect, as url or b64_json as asked',
    reports: ['images.n', 'images.size.square', 'images.size.wide', 'images.size.tall', 'images.edits', 'images.generations.multipart', 'images.b64-json'],
    async judge(facts, memory, add) {
      const { op, ok, fields } = facts;
      if ((op?.id !== 'createImage' && op?.id !== 'createImageEdit') || !ok || !fields) return;
      const images = ImagesResponse.safeParse(facts.json());
      if (!images.success) return;
      const n = parseImageCount(fields.n);
      if (n.ok && images.data.data.length !== n.n) add('images.n', `asked for ${n.n} image(s) (n ${fields.n === undefined ? 'defaults to 1' : excerpt(String(fields.n), 20)}), got ${images.data.data.length}`);
      const size = fields.size !== undefined && fields.size !== 'auto' ? parseSize(fields.size) : undefined;
      const aspect = size?.ok ? imageAspectOf(size.dims) : undefined;
      const check = aspect ? SIZE_CHECK[aspect] : op.id === 'createImageEdit' ? 'images.edits' : 'images.generations.multipart';
      if (fields.response_format === 'b64_json' && images.data.data.some((item) => 'url' in item)) add('images.b64-json', 'response_format b64_json answered with url items');
      for (const [i, item] of images.data.data.entries()) {
        const what = `image ${i + 1} of ${op.id === 'createImageEdit' ? 'an edit' : 'a generation'}${aspect ? ` (size ${excerpt(String(fields.size), 20)})` : ''}`;
        if ('url' in item) memory.expect(item.url, { kind: 'image', check, what, aspect });
        else await judgeBytes(Buffer.from(item.b64_json, 'base64'), { kind: 'image', check, what, aspect }, add);
      }
    },
  },
  {
    what: "a 206 says which bytes it carries, of the whole's length; a link's bytes are what its answer promised",
    reports: ['videos.content.range', 'videos.content.size', 'videos.content.duration', 'videos.thumbnail'],
    async judge({ ex, op }, memory, add) {
      if (ex.status === 206) judgeRange(ex, memory.wholeLengths.get(ex.url), add);
      if (ex.status === 200 && op?.id === 'retrieveVideoContent' && !ex.truncated) {
        memory.wholeLengths.set(ex.url, ex.body.length);
        forgetOldest(memory.wholeLengths);
      }
      if (ex.status !== 200 || ex.truncated) return;
      for (const e of memory.expectations.get(ex.url) ?? []) await judgeBytes(ex.body, e, add);
    },
  },
];

/**
 * Judge one exchange with every entry of the registry, in order, with the session's memory. `fields`
 * and `op` come with the exchange; the refusals the rules call for are worked out here, once.
 */
export async function judgeWithRegistry(ex: JudgedExchange, memory: JudgeMemory): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add: Add = (check, message) => findings.push({ check, message });
  const refusals = ex.op ? refusalsOf(ex.op.id, ex.request.fields) : [];
  const atFault = ex.op && (ex.declaredMistake || refusals.length) ? paramsAtFault(ex.op.id, ex.request.fields, refusals) : [];
  const mistakeParams = [...new Set([...(ex.declaredMistake?.param ? [ex.declaredMistake.param] : []), ...atFault])];
  let json: { value: unknown } | undefined;
  let chat: { value: ChatEvents | undefined } | undefined;
  const facts: Facts = {
    ex,
    op: ex.op,
    fields: ex.request.fields,
    ok: ex.status >= 200 && ex.status <= 299,
    stream: isStreamType(ex.contentType),
    refusals,
    mistakeParams,
    mistake: ex.declaredMistake !== undefined || refusals.length > 0,
    json: () => (json ??= { value: jsonOf(ex.body) }).value,
    chat: () => (chat ??= { value: readStream(ex.body) }).value,
    timing: memory.timingOf(ex),
  };
  for (const judgment of JUDGMENTS) await judgment.judge(facts, memory, add);
  return findings;
}

/** What ends a chat stream well: the assistant's role first, some finish_reason (any non-null one), and [DONE]. */
export function streamEndProblems(chat: ChatEvents): Finding[] {
  const problems: Finding[] = [];
  if (chat.chunks[0]?.choices[0]?.delta.role !== 'assistant') problems.push({ check: 'chat.image.stream.role-first', message: "the first chunk has no delta.role 'assistant'" });
  // OpenAI ends a completion with the reason it stopped: "stop", or "length" / "content_filter" / "tool_calls".
  if (!chat.chunks.some((c) => c.choices.some((choice) => choice.finish_reason !== null && choice.finish_reason !== undefined))) {
    problems.push({ check: 'chat.image.stream.done', message: 'no chunk has a finish_reason' });
  }
  if (!chat.doneLast) problems.push({ check: 'chat.image.stream.done', message: 'the stream does not end with exactly one data: [DONE]' });
  return problems;
}

/** The exchange as the contract judgments read it. */
function contractView(facts: Facts): ContractExchange {
  const { ex } = facts;
  return { method: ex.method, url: ex.url, fields: facts.fields, status: ex.status, contentType: ex.contentType, body: ex.body, mistake: facts.mistake };
}

const pathOf = (url: string): string => parseUrl(url)?.pathname ?? url;
const safeSearchParam = (url: string, name: string): string | null => parseUrl(url)?.searchParams.get(name) ?? null;

function chatContent(body: unknown): string | undefined {
  const parsed = ChatCompletion.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.choices.map((c) => c.message.content ?? '').join('\n');
}

function chatFinishReasons(body: unknown): Array<string | null | undefined> {
  const parsed = ChatCompletion.safeParse(body);
  return parsed.success ? parsed.data.choices.map((c) => c.finish_reason) : [];
}

/** What a chat request for a video model gets: it has no size, so the name decides (the seed's defaults otherwise). */
function specOf(model: ModelName): VideoExpectation {
  const spec = videoSpecFor(model, model.orientation ?? VIDEO_DEFAULTS.orientation);
  return { orientation: spec.orientation, quality: spec.quality, seconds: spec.seconds };
}

/** A 206 must say which bytes it carries, of a whole as long as the whole answer was. */
function judgeRange(ex: JudgedExchange, wholeLength: number | undefined, add: Add): void {
  const range = ex.headers.get('content-range') ?? '';
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range.trim());
  if (!m) {
    add('videos.content.range', `206 with Content-Range '${excerpt(range, 60) || '(none)'}', expected 'bytes <first>-<last>/<size>'`);
    return;
  }
  const length = Number(m[2]) - Number(m[1]) + 1;
  if (!ex.truncated && ex.body.length !== length) add('videos.content.range', `Content-Range ${range} says ${length} bytes, the body has ${ex.body.length}`);
  if (wholeLength !== undefined && m[3] !== '*' && Number(m[3]) !== wholeLength) add('videos.content.range', `Content-Range ${range} gives a size of ${m[3]}, the whole answer had ${wholeLength} bytes`);
}

async function judgeBytes(bytes: Uint8Array, expectation: MediaExpectation, add: Add): Promise<void> {
  let facts: MediaFacts;
  try {
    facts = await inspectMedia(bytes);
  } catch (error) {
    if (!(error instanceof MediaInspectionError)) throw error;
    add(expectation.check, `${expectation.what}: the bytes do not decode (${error.message})`);
    return;
  }
  if (facts.kind !== expectation.kind) {
    add(expectation.check, `${expectation.what}: expected ${expectation.kind === 'image' ? 'an image' : 'a video'}, decoded ${describeFacts(facts)}`);
    return;
  }
  if (expectation.kind === 'image' && facts.kind === 'image' && expectation.aspect) {
    const seen = aspectClass(facts.width, facts.height);
    if (seen !== expectation.aspect) add(expectation.check, `${expectation.what}: expected ${expectation.aspect}, decoded ${describeFacts(facts)}`);
  }
  if (expectation.kind === 'image' && facts.kind === 'image' && expectation.orientation) {
    const seen = facts.width > facts.height ? 'landscape' : 'portrait';
    if (seen !== expectation.orientation) add(expectation.check, `${expectation.what}: expected ${expectation.orientation} like the video, decoded ${describeFacts(facts)}`);
  }
  if (expectation.kind === 'video' && facts.kind === 'video') {
    // Content of a job: its size and its duration are two checks.
    for (const p of videoMismatches(facts, expectation.expected)) {
      const check = expectation.check === 'videos.content.size' && p.startsWith('duration') ? 'videos.content.duration' : expectation.check;
      add(check, `${expectation.what}: decoded ${describeFacts(facts)}: ${p}`);
    }
  }
}
