/**
 * The traffic judge: the checks' judgments applied to exchanges someone else made (the validating
 * proxy's client). It cannot choose its requests, so it judges each one by what the rules say that
 * request should get:
 *
 * - every exchange: the judgments of judge.ts (schemas, streams, envelopes, media types, job life);
 * - a request the platform document refuses (an unknown model, options on a base that takes none, a
 *   malformed size, n over 4, a missing required parameter): accepted or a 5xx is a violation of the
 *   check that actively tests that mistake;
 * - a created video: its size and seconds against the rules for its request (`videos.create`);
 * - a video's content: decoded, against its job's size and duration (`videos.content.*`), and a 206
 *   must say its range (`videos.content.range`);
 * - media links in chat and image answers, in whatever form they are written: remembered with what
 *   they should be (a video of the model's spec, an image of the size's aspect), and judged when their
 *   bytes come by (the proxy fetches them, or the client downloads them through it).
 *
 * Violations name the catalogue's checks, with the catalogue's severities.
 */
import { inspectMedia, MediaInspectionError, type MediaFacts } from '../media/inspect.js';
import { BASE_MODEL_TABLE, BASE_MODELS, isVideoModel, modelOptionsOf, parseModelName, VIDEO_DEFAULTS, type ModelName } from '../spec/model.js';
import { ModelList } from '../spec/schemas/models.js';
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import { imageAspectOf, parseImageCount, parseSize, videoSpecFor, type ImageAspect } from '../spec/rules.js';
import { ChatCompletion } from '../spec/schemas/chat.js';
import { ImagesResponse } from '../spec/schemas/images.js';
import { VideoResource } from '../spec/schemas/videos.js';
import { CATALOGUE } from './catalogue/index.js';
import { jsonOf, judgeExchange, type DocumentRefusal, notRefusal, operationOf, readStream, TRAFFIC_CHECKS, VideoLives, type JudgedExchange } from './judge.js';
import { aspectClass, describeFacts, findLinks, videoMismatches, type VideoExpectation } from './media.js';
import { normalizeBaseUrl } from './runner.js';
import type { ObservedExchange, Severity, TrafficJudge, Violation } from './types.js';

const SEVERITY: Record<string, Severity> = {
  ...Object.fromEntries(CATALOGUE.map((c) => [c.id, c.severity])),
  ...Object.fromEntries(Object.entries(TRAFFIC_CHECKS).map(([id, t]) => [id, t.severity])),
};

export interface TrafficJudgeOptions {
  /** The deployment: its root or its API root, as for a conformance run. */
  target: string;
  /** The clock, for timestamp plausibility (tests). */
  now?: () => number;
}

/** What the bytes behind a link should be, learnt from the answer that carried the link. */
type MediaExpectation =
  | { kind: 'video'; check: string; what: string; expected: VideoExpectation }
  | { kind: 'image'; check: string; what: string; aspect?: ImageAspect; orientation?: 'portrait' | 'landscape' };

/**
 * A proxy runs for hours: what the judge remembers is bounded. Beyond these, the oldest links,
 * licences and deletions are forgotten (a judgment that needs them is then not made, never wrong).
 */
const MAX_TRACKED = 10_000;
const MAX_PER_LINK = 16;

function forgetOldest<K, V>(map: Map<K, V> | Set<K>): void {
  while (map.size > MAX_TRACKED) map.delete(map.keys().next().value as K);
}

const SIZE_CHECK: Record<ImageAspect, string> = { '1:1': 'images.size.square', '3:2': 'images.size.wide', '2:3': 'images.size.tall' };
const decoder = new TextDecoder();

/** The request's fields as the rules read them: a JSON object, or a form through the operation's own reading. */
async function fieldsOf(exchange: ObservedExchange, op: OperationId | undefined): Promise<Record<string, unknown> | undefined> {
  const { request } = exchange;
  if (request.body.length === 0) return undefined;
  const type = request.headers.get('content-type') ?? '';
  if (/json/i.test(type)) {
    try {
      const value = JSON.parse(decoder.decode(request.body)) as unknown;
      return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
  const body = op ? (OPERATIONS[op] as { body?: { fromForm?: (form: FormData) => Record<string, unknown> } }).body : undefined;
  if (/multipart\/form-data/i.test(type) && body?.fromForm) {
    try {
      const form = await new Request('http://judge.invalid/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(request.body) }).formData();
      return body.fromForm(form);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const missing = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * The refusal the platform document calls for, if any: which check tests that mistake and why. Only
 * the document's rules are applied here (sora-kit's stricter ones, such as `seconds` a model cannot
 * make, are a deployment's to decide).
 */
export function seedRefusalOf(op: OperationId, fields: Record<string, unknown> | undefined): { check: string; why: string; param: DocumentRefusal } | undefined {
  if (!fields) return undefined;
  const required: Partial<Record<OperationId, DocumentRefusal[]>> = {
    createChatCompletion: ['model', 'messages'],
    createImage: ['prompt'],
    createImageEdit: ['prompt'],
    createVideo: ['prompt'],
  };
  for (const name of required[op] ?? []) if (missing(fields[name])) return { check: 'errors.required-params', why: `'${name}' is missing`, param: name };
  if (op === 'createImageEdit' && missing(fields.image)) return { check: 'images.edits.missing-image', why: 'no input image', param: 'image' };
  if ('model' in fields && fields.model !== undefined) {
    const parsed = parseModelName(fields.model);
    if (!parsed.ok) {
      const plain = BASE_MODEL_TABLE.find((row) => !row.takesOptions && typeof fields.model === 'string' && fields.model.startsWith(`${row.base}-`));
      if (parsed.error.reason === 'options_not_supported' || plain) {
        return { check: plain?.base === 'sora_image' && op === 'createChatCompletion' ? 'chat.image.options-rejected' : 'errors.options-on-base', why: `model '${String(fields.model).slice(0, 60)}' has options on a base that takes none`, param: 'model' };
      }
      return { check: 'errors.unknown-model', why: `model '${String(fields.model).slice(0, 60)}' is not a platform model (${parsed.error.reason})`, param: 'model' };
    }
  }
  if (fields.size !== undefined && fields.size !== null && fields.size !== 'auto' && (op === 'createImage' || op === 'createImageEdit' || op === 'createVideo')) {
    if (!parseSize(fields.size).ok) return { check: 'errors.bad-size', why: `size '${String(fields.size).slice(0, 40)}' is not widthxheight`, param: 'size' };
  }
  if ((op === 'createImage' || op === 'createImageEdit') && fields.n !== undefined && !parseImageCount(fields.n).ok) {
    return { check: 'images.n.max', why: `n ${JSON.stringify(fields.n).slice(0, 20)} is not 1 to 4`, param: 'n' };
  }
  return undefined;
}

export function createTrafficJudge(options: TrafficJudgeOptions): TrafficJudge {
  const apiRoot = normalizeBaseUrl(options.target);
  const lives = new VideoLives(options.now);
  /** What each media link should be; one link can answer several requests (the same recipe). */
  const expectations = new Map<string, MediaExpectation[]>();
  const expect = (url: string, e: MediaExpectation) => {
    expectations.set(url, [...(expectations.get(url) ?? []), e].slice(-MAX_PER_LINK));
    forgetOldest(expectations);
  };
  /** Licences answered 2xx in this session (a later 401 for them is the deployment's doing). */
  const accepted = new Set<string>();
  /** Ids answered `video.deleted`: a later 200 for them is a job that was not deleted. */
  const deleted = new Set<string>();
  /** The length of each content URL's whole answer, which a 206's Content-Range must agree with. */
  const wholeLengths = new Map<string, number>();

  return {
    async observe(exchange) {
      const { request, response } = exchange;
      const violations: Violation[] = [];
      const add = (check: string, message: string) =>
        violations.push({ check, severity: SEVERITY[check] ?? 'should', method: request.method, url: request.url, message });
      const op = operationOf(request.method, request.url, apiRoot);
      const fields = await fieldsOf(exchange, op?.id);
      const contentType = response.headers.get('content-type') ?? '';
      const refusal = op ? seedRefusalOf(op.id, fields) : undefined;
      const judged: JudgedExchange = {
        method: request.method,
        url: request.url,
        requestFields: fields,
        status: response.status,
        contentType,
        body: response.body,
        mistake: refusal !== undefined,
        param: refusal?.param,
      };
      for (const p of judgeExchange(judged, apiRoot, lives)) add(p.check, p.message);

      if (refusal && (response.status < 300 || response.status >= 500)) {
        add(refusal.check, `${refusal.why}: the platform refuses it (400 or 422), the deployment answered ${response.status} (${notRefusal(response.status)})`);
      }
      if (refusal && (response.status >= 500 || /html/i.test(contentType))) add('errors.no-5xx-or-html', `${refusal.why}: answered ${response.status} ${contentType || '(no content-type)'}`);
      // A licence this session saw accepted is not refused elsewhere: not for a bad value, not for a generation.
      const authorization = request.headers.get('authorization') ?? undefined;
      const form = authorization?.startsWith('Bearer ') ? 'bearer' : 'raw';
      const key = authorization?.replace(/^Bearer\s+/, '');
      if (op && key && response.status >= 200 && response.status <= 299) {
        accepted.add(key);
        forgetOldest(accepted);
      }
      if (op && key && accepted.has(key) && (response.status === 401 || response.status === 403)) {
        add(form === 'bearer' ? 'auth.bearer-license' : 'auth.raw-license', `answered ${response.status} with a licence this deployment accepted before${refusal ? ` (for a bad value: ${refusal.why}, which is 400 or 422)` : ''}`);
      }
      if (op && refusal && response.status === 404 && op.id !== 'remixVideo') add(refusal.check, `${refusal.why}: answered 404 (${notRefusal(404)}), expected 400 or 422`);
      // Every call carries the licence (seed: 调用示例): an operation that serves a request without one does not check it.
      if (op && !request.headers.has('authorization') && response.status >= 200 && response.status <= 299) {
        add('auth.missing-license', `served ${response.status} to a request without Authorization`);
      }
      if (refusal || response.status < 200 || response.status > 299) {
        if (response.status === 206) judgeRange(exchange, wholeLengths.get(request.url), add);
        for (const e of expectations.get(request.url) ?? []) await judgeMedia(exchange, e, add);
        return violations;
      }

      if (op?.id === 'createVideo') {
        const video = VideoResource.safeParse(jsonOf(response.body));
        if (video.success) for (const p of lives.specProblems(video.data)) add('videos.create', `${video.data.id}: ${p}`);
      }
      if (op?.id === 'remixVideo') {
        const video = VideoResource.safeParse(jsonOf(response.body));
        if (video.success && video.data.remixed_from_video_id !== op.params.video_id) {
          add('videos.remix', `remix of ${op.params.video_id}: remixed_from_video_id is ${JSON.stringify(video.data.remixed_from_video_id)}`);
        }
        if (video.success && video.data.id === op.params.video_id) add('videos.remix', `remix of ${op.params.video_id} answered the source itself, not a new job`);
      }
      if (op?.id === 'deleteVideo' && response.status >= 200 && response.status <= 299) {
        deleted.add(op.params.video_id);
        forgetOldest(deleted);
      }
      if (op?.id === 'retrieveVideo' && deleted.has(op.params.video_id)) add('videos.delete', `${op.params.video_id} was deleted, and is still answered ${response.status}`);
      if (op?.id === 'listModels') {
        const list = ModelList.safeParse(jsonOf(response.body));
        if (list.success) {
          const foreign = list.data.data.map((m) => m.id).filter((id) => !parseModelName(id).ok);
          if (foreign.length) add('models.list', `lists ${foreign.length} name(s) the platform does not accept: ${foreign.slice(0, 5).join(', ')}`);
          const absent = BASE_MODELS.filter((base) => !list.data.data.some((m) => m.id === base));
          if (absent.length) add('models.list', `does not list ${absent.join(', ')}`);
        }
      }
      if (op?.id === 'retrieveVideoContent') {
        const variant = new URL(request.url).searchParams.get('variant') ?? 'video';
        const job = lives.get(op.params.video_id)?.last;
        if (job && job.status !== 'completed' && response.status === 200) {
          add('videos.content.before-completion', `content of ${job.id} answered 200 while its last poll said ${job.status}`);
        }
        if (variant === 'video' && response.status === 200 && request.headers.has('range')) {
          add('videos.content.range', `Range: ${request.headers.get('range')} answered 200 with ${response.body.length} bytes, expected 206 with Content-Range`);
        }
        if (variant === 'thumbnail' && response.status === 200 && job) {
          const [w, h] = job.size.split('x').map(Number);
          expect(request.url, { kind: 'image', check: 'videos.thumbnail', what: `thumbnail of ${job.id} (${job.size})`, orientation: w > h ? 'landscape' : 'portrait' });
        }
        if (variant === 'video' && response.status === 200) {
          if (!/^video\/mp4\b/i.test(contentType)) add('videos.content.type', `Content-Type '${contentType}', expected video/mp4`);
          if (job) {
            const [w, h] = job.size.split('x').map(Number);
            expect(request.url, {
              kind: 'video',
              check: 'videos.content.size',
              what: `content of ${job.id} (${job.size}, ${job.seconds} s)`,
              expected: { orientation: w > h ? 'landscape' : 'portrait', size: { width: w, height: h }, seconds: Number(job.seconds) },
            });
          }
        }
      }
      // A stream's bytes are read once, for its first and last chunks and for the links its text carries.
      const stream = op?.id === 'createChatCompletion' && /event-stream/i.test(contentType) ? readStream(response.body) : undefined;
      if (op?.id === 'createChatCompletion' && fields?.stream === true) {
        if (!/event-stream/i.test(contentType)) add('chat.image.stream.content-type', `stream: true answered Content-Type '${contentType}', expected text/event-stream`);
        else if (stream) {
          const { chunks } = stream;
          if (chunks[0].choices[0]?.delta.role !== 'assistant') add('chat.image.stream.role-first', "the first chunk has no delta.role 'assistant'");
          if (!chunks.some((c) => c.choices.some((choice) => choice.finish_reason !== null && choice.finish_reason !== undefined))) add('chat.image.stream.done', 'no chunk has a finish_reason');
        }
      }
      if (op?.id === 'createChatCompletion' && fields) {
        const text = /event-stream/i.test(contentType) ? stream?.content : chatContent(response.body);
        const model = parseModelName(fields.model);
        if (text !== undefined && model.ok) {
          const links = findLinks(text);
          const streamed = /event-stream/i.test(contentType);
          const video = isVideoModel(model.model);
          const check = video ? (modelOptionsOf(model.model).length ? 'chat.video.options' : 'chat.video.stream') : streamed ? 'chat.image.stream.image' : 'chat.image.nonstream';
          if (links.length === 0 && !/"finish_reason"\s*:\s*"(length|content_filter)"/.test(decoder.decode(response.body))) {
            add(check, `the ${model.model.base} answer links no media: ${text.slice(0, 160)}`);
          }
          for (const link of links) {
            if (video) {
              const spec = specOf(model.model);
              expect(link, { kind: 'video', check, what: `video of ${String(fields.model)}`, expected: spec });
            } else expect(link, { kind: 'image', check, what: `image of ${String(fields.model)}` });
          }
        }
      }
      if ((op?.id === 'createImage' || op?.id === 'createImageEdit') && fields) {
        const images = ImagesResponse.safeParse(jsonOf(response.body));
        if (images.success) {
          const n = parseImageCount(fields.n);
          if (n.ok && images.data.data.length !== n.n) add('images.n', `asked for ${n.n} image(s) (n ${fields.n === undefined ? 'defaults to 1' : String(fields.n)}), got ${images.data.data.length}`);
          const size = fields.size !== undefined && fields.size !== 'auto' ? parseSize(fields.size) : undefined;
          const aspect = size?.ok ? imageAspectOf(size.dims) : undefined;
          const check = aspect ? SIZE_CHECK[aspect] : op.id === 'createImageEdit' ? 'images.edits' : 'images.generations.multipart';
          if (fields.response_format === 'b64_json' && images.data.data.some((item) => 'url' in item)) add('images.b64-json', 'response_format b64_json answered with url items');
          for (const [i, item] of images.data.data.entries()) {
            const what = `image ${i + 1} of ${op.id === 'createImageEdit' ? 'an edit' : 'a generation'}${aspect ? ` (size ${String(fields.size)})` : ''}`;
            if ('url' in item) expect(item.url, { kind: 'image', check, what, aspect });
            else await judgeBytes(Buffer.from(item.b64_json, 'base64'), { kind: 'image', check, what, aspect }, add);
          }
        }
      }
      if (response.status === 206) judgeRange(exchange, wholeLengths.get(request.url), add);
      if (response.status === 200 && op?.id === 'retrieveVideoContent') {
        wholeLengths.set(request.url, response.body.length);
        forgetOldest(wholeLengths);
      }
      for (const e of expectations.get(request.url) ?? []) await judgeMedia(exchange, e, add);
      return violations;
    },
  };
}

function chatContent(body: Uint8Array): string | undefined {
  const parsed = ChatCompletion.safeParse(jsonOf(body));
  if (!parsed.success) return undefined;
  return parsed.data.choices.map((c) => c.message.content ?? '').join('\n');
}

/** What a chat request for a video model gets: it has no size, so the name decides (the seed's defaults otherwise). */
function specOf(model: ModelName): VideoExpectation {
  const spec = videoSpecFor(model, model.orientation ?? VIDEO_DEFAULTS.orientation);
  return { orientation: spec.orientation, quality: spec.quality, seconds: spec.seconds };
}

/** A 206 must say which bytes it carries, of a whole as long as the whole answer was. */
function judgeRange(exchange: ObservedExchange, wholeLength: number | undefined, add: (check: string, message: string) => void): void {
  const range = exchange.response.headers.get('content-range') ?? '';
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range.trim());
  if (!m) {
    add('videos.content.range', `206 with Content-Range '${range || '(none)'}', expected 'bytes <first>-<last>/<size>'`);
    return;
  }
  const length = Number(m[2]) - Number(m[1]) + 1;
  if (exchange.response.body.length !== length) add('videos.content.range', `Content-Range ${range} says ${length} bytes, the body has ${exchange.response.body.length}`);
  if (wholeLength !== undefined && m[3] !== '*' && Number(m[3]) !== wholeLength) add('videos.content.range', `Content-Range ${range} gives a size of ${m[3]}, the whole answer had ${wholeLength} bytes`);
}

/** Bytes for a link with an expectation: decode and compare. */
async function judgeMedia(exchange: ObservedExchange, expectation: MediaExpectation | undefined, add: (check: string, message: string) => void): Promise<void> {
  if (!expectation || exchange.response.status !== 200) return;
  await judgeBytes(exchange.response.body, expectation, add);
}

async function judgeBytes(bytes: Uint8Array, expectation: MediaExpectation, add: (check: string, message: string) => void): Promise<void> {
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
    const problems = videoMismatches(facts, expectation.expected);
    // Content of a job: its size and its duration are two checks.
    for (const p of problems) {
      const check = expectation.check === 'videos.content.size' && p.startsWith('duration') ? 'videos.content.duration' : expectation.check;
      add(check, `${expectation.what}: decoded ${describeFacts(facts)}: ${p}`);
    }
  }
}

