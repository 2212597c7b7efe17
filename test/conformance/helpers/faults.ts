/**
 * Broken deployments: each alters the clean mock in one way a real gateway in front of Sora could get
 * wrong, and names the check that must report it (`catches[0]`, the primary; further ids may report it
 * too) and the other checks the same fault may legitimately trip (`collateral`: ids, id prefixes or
 * groups). Every other check must still pass.
 *
 * A fault whose primary check does not exist yet, or exists but does not look at what the fault
 * breaks, carries a `proposal`: the severity that check should have (must: the platform document says
 * so; should: the OpenAI contract or HTTP semantics; info: sora-kit's own decision) and the rule.
 */
import { encodePng } from '../../../src/media/png.js';
import { parseModelName } from '../../../src/spec/model.js';
import {
  contentTypeOf,
  dataEvent,
  editVideos,
  envelope,
  eventJson,
  isChat,
  isEdits,
  isEmptyChat,
  isImageFile,
  isImages,
  isRemix,
  isStream,
  isThumbnail,
  isVideoContent,
  isVideoCreate,
  isVideoList,
  jsonBody,
  pathOf,
  sseEvents,
  transcode,
  videoIdOfRetrieve,
  withEvents,
  withJson,
} from './gateway.js';
import { LICENSE } from './mock.js';
import { editFields, editForm, editText, isJson, type Deviation, type ProxyRequest, type ProxyResponse } from './proxy.js';

export type Severity = 'must' | 'should' | 'info';

export interface FaultContext {
  /** A valid 5 s sora_video MP4 from the clean mock (for faults that serve the wrong video). */
  fiveSecondMp4: Buffer;
}

export interface Fault {
  name: string;
  /** The primary check id first, then any others that must report it too. */
  catches: [string, ...string[]];
  /** Checks (ids, id prefixes, groups) the fault may also trip. */
  collateral?: string[];
  /** When the primary check is missing or blind to this fault: its severity and rule. */
  proposal?: { severity: Severity; rule: string; note?: string };
  /**
   * What the validating proxy's judge must report from the same run's traffic: by default the
   * primary; the judge's own check where it names the fault differently (a poll outside the enum is
   * an `objects.schema` violation to a judge that cannot tell a poll of the run from another); or
   * why a passive judge cannot see the fault (`unseen`).
   */
  proxy?: string[] | { unseen: string };
  /** Built per run: some deviations keep state (poll counters, created jobs). */
  deviation: (ctx: FaultContext) => Deviation;
}

/** The name the first version of this list used. */
export type BrokenDeployment = Fault;

/** Does a check id fall under a collateral pattern (an id, an id prefix, a group)? */
export function coveredBy(id: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => id === p || id.startsWith(`${p}.`));
}

const path = pathOf;
const isContent = isVideoContent;
const isClientError = (res: ProxyResponse) => res.status >= 400 && res.status <= 499;
const ENVELOPE_CHECKS = ['auth.missing-license', 'auth.unknown-license', 'videos.unknown-id', 'errors.envelope'];
/** Checks that need the default job (create, poll, content) to go well. */
const DEFAULT_JOB = ['videos.poll', 'videos.content', 'videos.thumbnail', 'videos.remix', 'videos.size.orientation'];

/** A 400 refusal of a bad value (the run's deliberate mistakes), not the pre-flight's empty chat. */
const isRefusal = (res: ProxyResponse, req: ProxyRequest) => res.status === 400 && !isEmptyChat(req);

/** Answer the refusals of bad values with another status/type, keeping the message. */
function refusalsAs(status: number, type: string, code: string | null, headers: Record<string, string> = {}): Deviation {
  return {
    response: (res, req) => {
      if (!isRefusal(res, req)) return res;
      const error = jsonBody(res)?.error ?? {};
      return envelope(status, String(error.message ?? 'Refused.'), type, error.param ?? null, code ?? error.code ?? null, headers);
    },
  };
}

/** Edit the `error` object of every 400 refusal. */
function editRefusals(edit: (error: any) => void): Deviation {
  return {
    response: (res, req) => {
      if (!isRefusal(res, req)) return res;
      const body = jsonBody(res);
      if (!body?.error) return res;
      edit(body.error);
      return withJson(res, body);
    },
  };
}

/** Edit every video object answered by create, retrieve, remix and list. */
const videoObjects = (edit: (video: any, req: ProxyRequest) => void): Deviation => ({
  response: (res, req) => (res.status === 200 && req.method !== 'DELETE' ? editVideos(res, (v) => edit(v, req)) : res),
});

/** Edit the events of every chat stream. */
const streams = (edit: (events: string[]) => string[], separator?: string): Deviation => ({
  response: (res) => (isStream(res) && res.status === 200 ? withEvents(res, edit(sseEvents(res)), separator) : res),
});

const swapSize = (size: string) => size.replace(/^(\d+)x(\d+)$/, '$2x$1');

/** A video model name with its orientation option swapped (portrait <-> landscape). */
const swapOrientation = (model: string) =>
  model.replace(/-(portrait|landscape)\b/, (_, o: string) => (o === 'portrait' ? '-landscape' : '-portrait'));

const blankPng = () => Buffer.from(encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(200) }));

/** A plausible video object for an id the deployment does not have (what a careless cache answers). */
function fabricatedVideo(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    object: 'video',
    model: 'sora_video2',
    status: 'queued',
    progress: 0,
    created_at: Math.floor(Date.now() / 1000),
    completed_at: null,
    expires_at: null,
    prompt: null,
    size: '720x1280',
    seconds: '10',
    remixed_from_video_id: null,
    error: null,
    ...extra,
  };
}

/** The sixteen faults of the first list (faults.test.ts runs them with the rest; cli.test.ts picks some). */
export const BROKEN: Fault[] = [
  {
    name: 'ignores model options (rewrites sora_video2-... to sora_video2)',
    catches: ['chat.video.options'],
    // Dropping every option also accepts the invalid ones, such as sora_video2-4k.
    collateral: ['errors.unknown-model', 'objects.consistency'],
    deviation: () => ({
      request: (req) => editFields(req, (f) => {
        if (typeof f.model === 'string' && f.model.startsWith('sora_video2-')) f.model = 'sora_video2';
      }),
    }),
  },
  {
    name: 'wrong aspect (swaps the width and height of size)',
    catches: ['images.size.wide', 'images.size.tall', 'videos.size.orientation', 'videos.create'],
    collateral: ['videos.size.orientation.multipart', 'chat.params', 'images.edits.params', 'objects.consistency'],
    deviation: () => ({
      request: (req) => editFields(req, (f) => {
        const m = typeof f.size === 'string' ? /^(\d+)x(\d+)$/.exec(f.size) : null;
        if (m) f.size = `${m[2]}x${m[1]}`;
      }),
    }),
  },
  {
    name: 'stream without data: [DONE]',
    catches: ['chat.image.stream.done'],
    collateral: ['chat.stream.framing'],
    proxy: ['chat.stream.framing'],
    deviation: () => ({ response: (res) => (isStream(res) ? editText(res, (t) => t.replace('data: [DONE]\n\n', '')) : res) }),
  },
  {
    name: 'missing role in the first chunk',
    catches: ['chat.image.stream.role-first'],
    deviation: () => ({ response: (res) => (isStream(res) ? editText(res, (t) => t.replace('"role":"assistant",', '')) : res) }),
  },
  {
    name: 'bad error envelope ({"message": ...} instead of {"error": {...}})',
    catches: ['errors.envelope'],
    collateral: ENVELOPE_CHECKS,
    deviation: () => ({
      response: (res) => (isClientError(res) && isJson(res.headers) ? editText(res, (t) => JSON.stringify({ message: (JSON.parse(t) as { error: { message: string } }).error.message })) : res),
    }),
  },
  {
    name: 'HTML error pages for client mistakes',
    catches: ['errors.no-5xx-or-html'],
    collateral: ENVELOPE_CHECKS,
    deviation: () => ({
      response: (res) =>
        isClientError(res)
          ? { ...res, headers: { ...res.headers, 'content-type': 'text/html; charset=utf-8' }, body: Buffer.from(`<!DOCTYPE html><html><body><h1>${res.status}</h1></body></html>`) }
          : res,
    }),
  },
  {
    name: '500 for bad input',
    catches: ['errors.no-5xx-or-html', 'images.n.max', 'errors.bad-size', 'errors.unknown-model'],
    collateral: ['auth.raw-license', 'auth.bearer-license', 'chat.image.options-rejected', 'images.edits.missing-image', 'errors.invalid-json', 'videos.content.before-completion', 'errors.options-on-base', 'errors.required-params', 'videos.unknown-id', 'auth.missing-license', 'auth.unknown-license'],
    deviation: () => ({ response: (res) => (res.status === 400 ? { ...res, status: 500 } : res) }),
  },
  {
    name: 'wrong content type on video content',
    catches: ['videos.content.type'],
    collateral: ['media.content-type'],
    deviation: () => ({ response: (res, req) => (isContent(req) && res.status === 200 ? { ...res, headers: { ...res.headers, 'content-type': 'application/octet-stream' } } : res) }),
  },
  {
    name: 'non-monotonic progress (the second poll goes back from 60 to 20)',
    catches: ['videos.lifecycle'],
    collateral: ['videos.content.before-completion'],
    deviation: () => {
      const polls = new Map<string, number>();
      return {
        response: (res, req) => {
          const m = /\/videos\/([^/]+)$/.exec(path(req));
          if (!m || req.method !== 'GET' || res.status !== 200) return res;
          const seen = (polls.get(m[1]) ?? 0) + 1;
          polls.set(m[1], seen);
          if (seen > 2) return res;
          const video = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
          return { ...res, body: Buffer.from(JSON.stringify({ ...video, status: 'in_progress', progress: seen === 1 ? 60 : 20, completed_at: null, expires_at: null })) };
        },
      };
    },
  },
  {
    name: 'wrong duration (a 5 s video for a 10 s portrait job)',
    catches: ['videos.content.duration'],
    collateral: ['videos.content.range'],
    deviation: ({ fiveSecondMp4 }) => {
      // Which jobs are 10 s portrait, learnt from the video objects going by.
      const tenSecondPortrait = new Set<string>();
      return {
        response: (res, req) => {
          if (isJson(res.headers) && res.status === 200) {
            const body = JSON.parse(res.body.toString('utf8')) as { object?: string; id?: string; size?: string; seconds?: string };
            if (body.object === 'video' && body.id && body.size === '720x1280' && body.seconds === '10') tenSecondPortrait.add(body.id);
          }
          const id = /\/videos\/([^/]+)\/content$/.exec(path(req))?.[1];
          if (!isContent(req) || res.status !== 200 || !id || !tenSecondPortrait.has(id)) return res;
          const headers = { ...res.headers };
          delete headers.etag;
          return { ...res, headers, body: fiveSecondMp4 };
        },
      };
    },
  },
  {
    name: 'n ignored (n is dropped from image requests)',
    catches: ['images.n'],
    collateral: ['images.n.max', 'images.edits.params'],
    deviation: () => ({ request: (req) => (path(req).includes('/images/') ? editFields(req, (f) => void delete f.n) : req) }),
  },
  {
    name: 'licence not enforced (every request gets the valid licence)',
    catches: ['auth.missing-license', 'auth.unknown-license'],
    proxy: { unseen: 'the fault lends the licence to requests that lack it, after the proxy: the proxy only sees requests refused as they should be' },
    deviation: () => ({ request: (req) => ({ ...req, headers: { ...req.headers, authorization: LICENSE } }) }),
  },
  {
    name: 'options on sora_image accepted (sora_image-hd served as sora_image)',
    catches: ['chat.image.options-rejected'],
    deviation: () => ({ request: (req) => editFields(req, (f) => void (f.model === 'sora_image-hd' && (f.model = 'sora_image'))) }),
  },
  {
    name: 'remix forgets its source (remixed_from_video_id null)',
    catches: ['videos.remix'],
    deviation: () => ({
      response: (res) => (isJson(res.headers) && res.body.includes('"remixed_from_video_id":"') ? editText(res, (t) => t.replace(/"remixed_from_video_id":"[^"]*"/g, '"remixed_from_video_id":null')) : res),
    }),
  },
  {
    name: 'garbage instead of a chat completion',
    catches: ['chat.image.nonstream'],
    collateral: ['objects.schema', 'chat.params'],
    proxy: ['objects.schema'],
    deviation: () => ({
      response: (res, req) => (path(req).endsWith('/chat/completions') && res.status === 200 && !isStream(res) ? { ...res, body: Buffer.from('\u0000\u0001 not json at all') } : res),
    }),
  },
  {
    name: 'chat streams that never answer',
    catches: ['chat.image.stream.content-type', 'chat.image.stream.chunks', 'chat.image.stream.role-first', 'chat.image.stream.done', 'chat.image.stream.image'],
    collateral: ['chat.image.image-to-image', 'chat.image.image-to-image.aspect', 'chat.video.stream', 'chat.video.options', 'chat.image.default-aspect', 'chat.stream.usage'],
    proxy: { unseen: 'a stream that never answers never ends, so there is no exchange to judge' },
    deviation: () => ({ hang: (req) => path(req).endsWith('/chat/completions') && req.body.includes('"stream":true') }),
  },
];


/** Faults beyond the first sixteen. */
export const MORE_FAULTS: Fault[] = [
  /* Refusals: status, type, param, message. */
  {
    name: 'refusals of bad values answered 401 (the empty-messages pre-flight still gets 400)',
    catches: ['images.n.max', 'errors.bad-size', 'errors.unknown-model', 'auth.raw-license'],
    collateral: ['chat.image.options-rejected', 'images.edits.missing-image', 'errors', 'auth.missing-license', 'auth.unknown-license'],
    proxy: ['auth.raw-license'],
    deviation: () => refusalsAs(401, 'authentication_error', 'invalid_license'),
  },
  {
    name: 'refusals of bad values answered 403',
    catches: ['images.n.max', 'errors.bad-size', 'errors.unknown-model', 'auth.raw-license'],
    collateral: ['chat.image.options-rejected', 'images.edits.missing-image', 'errors', 'auth.missing-license', 'auth.unknown-license'],
    proxy: ['auth.raw-license'],
    deviation: () => refusalsAs(403, 'permission_error', 'forbidden'),
  },
  {
    name: 'refusals of bad values answered 404',
    catches: ['images.n.max', 'errors.bad-size', 'errors.unknown-model'],
    collateral: ['chat.image.options-rejected', 'images.edits.missing-image', 'errors', 'auth.missing-license', 'auth.unknown-license'],
    deviation: () => refusalsAs(404, 'invalid_request_error', 'not_found'),
  },
  {
    name: 'refusals of bad values answered 429 (Retry-After: 1), so a client retries a request that can never succeed',
    catches: ['images.n.max', 'errors.bad-size', 'errors.unknown-model'],
    collateral: ['chat.image.options-rejected', 'images.edits.missing-image', 'errors', 'auth.missing-license', 'auth.unknown-license'],
    proxy: { unseen: 'a 429 is a legitimate answer to any request under load; only a chosen request can tell it is the refusal' },
    deviation: () => refusalsAs(429, 'rate_limit_error', 'rate_limit_exceeded', { 'retry-after': '1' }),
  },
  {
    name: 'refusals are 400 with type "api_error" instead of invalid_request_error',
    catches: ['errors.envelope'],
    deviation: () => editRefusals((e) => void (e.type = 'api_error')),
  },
  {
    name: 'refusals without param (param null for a bad size, n or model)',
    // OpenAI's param is nullable and OpenAI answers some refusals with null: reported, at info.
    catches: ['errors.param-named'],
    deviation: () => editRefusals((e) => void (e.param = null)),
  },
  {
    name: 'refusals name the wrong param (always "prompt")',
    catches: ['errors.envelope'],
    deviation: () => editRefusals((e) => void (e.param = 'prompt')),
  },
  {
    name: 'error envelopes with an empty message',
    catches: ['errors.envelope'],
    collateral: ENVELOPE_CHECKS,
    deviation: () => ({
      response: (res) => {
        const body = isClientError(res) ? jsonBody(res) : undefined;
        if (!body?.error) return res;
        body.error.message = '';
        return withJson(res, body);
      },
    }),
  },
  {
    name: 'unknown video id answered by the gateway with an HTML 404 page',
    catches: ['videos.unknown-id'],
    collateral: ['errors.envelope', 'errors.no-5xx-or-html', 'videos.delete'],
    proxy: ['errors.envelope'],
    deviation: () => ({
      response: (res, req) =>
        res.status === 404 && /\/videos\//.test(path(req))
          ? { status: 404, headers: { 'content-type': 'text/html' }, body: Buffer.from('<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>') }
          : res,
    }),
  },
  /* Licences. */
  {
    name: 'licence refused (401) on every generation, while the empty-messages pre-flight still gets 400',
    catches: ['auth.raw-license'],
    collateral: ['chat', 'images', 'videos', 'auth.bearer-license', 'chat', 'images', 'videos', 'errors', 'traffic'],
    deviation: () => ({
      serve: (req) =>
        req.method === 'POST' && !isEmptyChat(req)
          ? envelope(401, 'Licence expired.', 'authentication_error', null, 'invalid_license', { 'www-authenticate': 'Bearer' })
          : undefined,
    }),
  },
  {
    name: 'licence checked only on /chat/completions (images and videos serve without one)',
    catches: ['auth.missing-license'],
    proxy: { unseen: 'the fault lends the licence after the proxy, as above' },
    deviation: () => ({ request: (req) => (!isChat(req) && !req.headers.authorization ? { ...req, headers: { ...req.headers, authorization: LICENSE } } : req) }),
  },
  {
    name: 'Bearer form refused (only the raw licence accepted)',
    catches: ['auth.bearer-license'],
    proxy: { unseen: 'the run sends the Bearer form first in its probe, before the proxy has seen the licence accepted' },
    deviation: () => ({
      serve: (req) => (/^Bearer /i.test(String(req.headers.authorization ?? '')) ? envelope(401, 'Unknown licence.', 'authentication_error', null, 'invalid_license') : undefined),
    }),
  },
  {
    name: "raw form refused (only 'Bearer <licence>' accepted)",
    catches: ['auth.raw-license'],
    collateral: ['chat', 'images', 'videos', 'errors'],
    deviation: () => ({
      serve: (req) => {
        const auth = String(req.headers.authorization ?? '');
        return auth && !/^Bearer /i.test(auth) ? envelope(401, 'Use Authorization: Bearer <key>.', 'authentication_error', null, 'invalid_license') : undefined;
      },
    }),
  },
  {
    name: 'every answer echoes the licence in a debug header (X-Debug-Licence)',
    catches: ['auth.licence-not-echoed'],
    deviation: () => ({
      response: (res, req) => {
        const key = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
        return key ? { ...res, headers: { ...res.headers, 'x-debug-licence': key } } : res;
      },
    }),
  },
  {
    name: 'unknown licence answered 403 instead of 401',
    catches: ['auth.unknown-license'],
    // The mock says invalid_license for a licence it does not know (missing_license when none is sent).
    proxy: { unseen: 'only the client knows that a licence is unknown; the proxy cannot tell a refused licence from an unknown one' },
    deviation: () => ({ response: (res) => (res.status === 401 && jsonBody(res)?.error?.code === 'invalid_license' ? { ...res, status: 403 } : res) }),
  },
  {
    name: 'poll status outside the enum ("processing" instead of queued/in_progress)',
    catches: ['videos.poll'],
    collateral: ['videos', 'objects.schema', ...DEFAULT_JOB],
    proxy: ['objects.schema'],
    deviation: () => {
      // Polls after creation say "processing" three times before the real status shows.
      const polls = new Map<string, number>();
      return {
        response: (res, req) => {
          const id = videoIdOfRetrieve(req);
          if (!id || res.status !== 200) return res;
          const n = (polls.get(id) ?? 0) + 1;
          polls.set(id, n);
          return n <= 3 ? editVideos(res, (v) => Object.assign(v, { status: 'processing', progress: 50, completed_at: null, expires_at: null })) : res;
        },
      };
    },
  },
  {
    name: 'progress in per mille (completed jobs report 1000)',
    catches: ['videos.poll'],
    // List items carry the same progress.
    collateral: [...DEFAULT_JOB, 'videos.list', 'videos', 'objects.schema'],
    proxy: ['objects.schema'],
    deviation: () => videoObjects((v) => void (v.progress *= 10)),
  },
  {
    name: 'negative progress (-1 while queued)',
    catches: ['videos.create'],
    collateral: ['videos', 'objects.schema'],
    proxy: ['objects.schema'],
    deviation: () => videoObjects((v) => void (v.status === 'queued' && (v.progress = -1))),
  },
  {
    name: 'completed with progress 99',
    catches: ['videos.lifecycle'],
    deviation: () => videoObjects((v) => void (v.status === 'completed' && (v.progress = 99))),
  },
  {
    name: 'completed_at an hour before created_at',
    catches: ['videos.lifecycle'],
    deviation: () =>
      videoObjects((v) => {
        if (typeof v.completed_at !== 'number') return;
        v.completed_at = v.created_at - 3600;
        v.expires_at = v.completed_at + 3600;
      }),
  },
  {
    name: 'timestamps in milliseconds',
    catches: ['videos.lifecycle'],
    deviation: () =>
      videoObjects((v) => {
        for (const key of ['created_at', 'completed_at', 'expires_at']) if (typeof v[key] === 'number') v[key] *= 1000;
      }),
  },
  {
    name: 'polls answer another id than the one asked (the gateway resolves both)',
    catches: ['videos.lifecycle'],
    // The asked job's last poll was never its own: its content then looks early (info).
    collateral: ['videos.content.before-completion'],
    deviation: () => {
      const alias = (id: string) => `video_${id.slice(6).split('').reverse().join('')}`;
      const real = new Map<string, string>();
      return {
        request: (req) => {
          const m = /^(.*\/videos\/)([^/?]+)(.*)$/.exec(req.path);
          return m && real.has(m[2]) ? { ...req, path: `${m[1]}${real.get(m[2])}${m[3]}` } : req;
        },
        response: (res, req) => {
          if (!videoIdOfRetrieve(req) || res.status !== 200) return res;
          return editVideos(res, (v) => {
            const a = alias(v.id);
            real.set(a, v.id);
            v.id = a;
          });
        },
      };
    },
  },
  {
    name: 'video objects name the model "sora-2" instead of the requested name',
    catches: ['videos.lifecycle'],
    deviation: () => videoObjects((v) => void (v.model = 'sora-2')),
  },
  {
    name: 'video objects declare the other orientation (portrait jobs say 1280x720)',
    catches: ['videos.create', 'videos.size.orientation', 'videos.content.size'],
    collateral: ['videos.size.orientation.multipart', 'videos.thumbnail'],
    deviation: () => videoObjects((v) => void (v.size = swapSize(v.size))),
  },
  {
    name: 'video objects say seconds "15" for 10 s jobs',
    catches: ['videos.create', 'videos.size.orientation', 'videos.content.duration'],
    deviation: () => videoObjects((v) => void (v.seconds === '10' && (v.seconds = '15'))),
  },
  {
    name: 'object "video.job" instead of "video"',
    catches: ['videos.create'],
    collateral: ['videos', 'objects.schema'],
    proxy: ['objects.schema'],
    deviation: () => ({
      response: (res, req) => (res.status === 200 && /\/videos/.test(path(req)) && isJson(res.headers) ? editText(res, (t) => t.replace(/"object":"video"/g, '"object":"video.job"')) : res),
    }),
  },
  {
    name: 'list items are not video objects (status "done")',
    catches: ['videos.list'],
    collateral: ['objects.schema', 'videos.list.pages'],
    proxy: ['objects.schema'],
    deviation: () => ({ response: (res, req) => (isVideoList(req) && res.status === 200 ? editVideos(res, (v) => void (v.status = 'done')) : res) }),
  },
  {
    name: 'poll answers cached: every GET shows the create answer (queued forever)',
    catches: ['videos.poll'],
    collateral: [...DEFAULT_JOB, 'videos.delete', 'videos'],
    proxy: { unseen: 'a job that stays queued breaks no rule at any one exchange; only a client that waits can tell it never ends' },
    deviation: () => {
      const first = new Map<string, Buffer>();
      return {
        response: (res, req) => {
          const body = res.status === 200 && (isVideoCreate(req) || isRemix(req)) ? jsonBody(res) : undefined;
          if (body?.id) first.set(body.id, res.body);
          const id = videoIdOfRetrieve(req);
          return id && first.has(id) && res.status === 200 ? { ...res, body: first.get(id)! } : res;
        },
      };
    },
  },
  /* Chat streams. */
  {
    name: 'a chat chunk invalid midway (the second event has no choices)',
    catches: ['chat.image.stream.chunks'],
    collateral: ['chat.stream.framing'],
    proxy: ['chat.stream.framing'],
    deviation: () =>
      streams((events) =>
        events.map((event, i) => {
          const chunk = i === 1 ? eventJson(event) : undefined;
          if (!chunk) return event;
          delete chunk.choices;
          return dataEvent(chunk);
        }),
      ),
  },
  {
    name: 'data: [DONE] sent twice',
    catches: ['chat.image.stream.done', 'chat.stream.framing'],
    collateral: ['chat.image.stream.chunks', 'chat.image.stream.chunks'],
    proxy: ['chat.stream.framing'],
    deviation: () => streams((events) => [...events, 'data: [DONE]']),
  },
  {
    name: 'data: [DONE] before the last chunk',
    catches: ['chat.image.stream.done'],
    collateral: ['chat.image.stream.chunks', 'chat.stream.framing'],
    proxy: ['chat.stream.framing'],
    deviation: () =>
      streams((events) => {
        const done = events.findIndex((e) => e.trim() === 'data: [DONE]');
        if (done < 1) return events;
        const copy = [...events];
        [copy[done - 1], copy[done]] = [copy[done], copy[done - 1]];
        return copy;
      }),
  },
  {
    name: 'SSE events without blank-line separation (data: lines back to back)',
    catches: ['chat.image.stream.chunks'],
    collateral: ['chat', 'chat.stream.framing'],
    proxy: ['chat.stream.framing'],
    deviation: () => streams((events) => events, '\n'),
  },
  {
    name: 'the last chunk has finish_reason null (never "stop")',
    catches: ['chat.image.stream.done'],
    deviation: () => ({ response: (res) => (isStream(res) ? editText(res, (t) => t.replace(/"finish_reason":"stop"/g, '"finish_reason":null')) : res) }),
  },
  {
    name: 'every chunk of a stream has its own id',
    catches: ['chat.stream.framing'],
    deviation: () =>
      streams((events) =>
        events.map((event, i) => {
          const chunk = eventJson(event);
          if (!chunk) return event;
          chunk.id = `${chunk.id}-${i}`;
          return dataEvent(chunk);
        }),
      ),
  },
  {
    name: 'chat completion without created',
    catches: ['chat.image.nonstream'],
    collateral: ['objects.schema', 'chat.params'],
    proxy: ['objects.schema'],
    deviation: () => ({
      response: (res, req) => {
        const body = isChat(req) && res.status === 200 ? jsonBody(res) : undefined;
        if (body?.object !== 'chat.completion') return res;
        delete body.created;
        return withJson(res, body);
      },
    }),
  },
  {
    name: 'chat stream labelled text/plain',
    catches: ['chat.image.stream.content-type'],
    collateral: ['objects.schema'],
    deviation: () => ({ response: (res) => (isStream(res) ? { ...res, headers: { ...res.headers, 'content-type': 'text/plain; charset=utf-8' } } : res) }),
  },
  {
    name: 'orientation options swapped (-portrait served as -landscape and back)',
    catches: ['chat.video.options'],
    // The contract checks see it too (catalogue/contract.ts).
    collateral: ['objects.consistency'],
    deviation: () => ({ request: (req) => editFields(req, (f) => void (typeof f.model === 'string' && (f.model = swapOrientation(f.model)))) }),
  },
  /* Media bytes and headers. */
  {
    name: 'image files labelled image/png carry JPEG bytes',
    catches: ['media.content-type'],
    deviation: () => ({
      response: async (res, req) => {
        if (!isImageFile(req) || res.status !== 200 || !/png/.test(contentTypeOf(res.headers))) return res;
        const headers = { ...res.headers };
        delete headers.etag;
        delete headers['content-length'];
        return { ...res, headers, body: await transcode(res.body, 'jpeg') };
      },
    }),
  },
  {
    name: 'thumbnail serves an MP4',
    catches: ['videos.thumbnail'],
    collateral: ['media.content-type'],
    deviation: ({ fiveSecondMp4 }) => ({ response: (res, req) => (isThumbnail(req) && res.status === 200 ? { ...res, body: fiveSecondMp4 } : res) }),
  },
  {
    name: 'thumbnail of the wrong orientation (landscape for a portrait video)',
    catches: ['videos.thumbnail'],
    deviation: () => ({
      response: async (res, req) => (isThumbnail(req) && res.status === 200 ? { ...res, headers: { ...res.headers, 'content-type': 'image/webp' }, body: await transcode(res.body, 'webp', 'transpose=1') } : res),
    }),
  },
  {
    name: 'video content ignores Range (200 and the whole file for bytes=0-99)',
    catches: ['videos.content.range'],
    deviation: () => ({
      request: (req) => {
        if (!(isContent(req) || /\.mp4$/.test(path(req))) || !req.headers.range) return req;
        const headers = { ...req.headers };
        delete headers.range;
        return { ...req, headers };
      },
    }),
  },
  {
    name: 'Content-Range off by one (bytes 0-100/N for 100 bytes)',
    catches: ['videos.content.range'],
    deviation: () => ({
      response: (res) => {
        const m = res.status === 206 ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers['content-range'] ?? '')) : null;
        return m ? { ...res, headers: { ...res.headers, 'content-range': `bytes ${m[1]}-${Number(m[2]) + 1}/${m[3]}` } } : res;
      },
    }),
  },
  {
    name: '206 without Content-Range',
    catches: ['videos.content.range'],
    deviation: () => ({
      response: (res) => {
        if (res.status !== 206) return res;
        const headers = { ...res.headers };
        delete headers['content-range'];
        return { ...res, headers };
      },
    }),
  },
  {
    name: 'truncated MP4 (the first half of the bytes, as 200)',
    catches: ['videos.content.size', 'videos.content.duration'],
    // The landscape job's content is cut too.
    collateral: ['videos.size.orientation', 'videos.content.range', 'videos.seconds', 'videos.size.orientation.multipart'],
    deviation: () => ({
      response: (res, req) => {
        if (!isContent(req) || res.status !== 200) return res;
        const headers = { ...res.headers };
        delete headers.etag;
        return { ...res, headers, body: res.body.subarray(0, Math.floor(res.body.length / 2)) };
      },
    }),
  },
  {
    name: 'content of an unfinished job answered 200 with a placeholder MP4',
    catches: ['videos.content.before-completion'],
    proxy: ['videos.content.before-completion'],
    deviation: ({ fiveSecondMp4 }) => ({
      response: (res, req) => (isContent(req) && res.status === 409 ? { status: 200, headers: { 'content-type': 'video/mp4' }, body: fiveSecondMp4 } : res),
    }),
  },
  /* Parameters honoured, ignored, accepted. */
  {
    name: 'seconds ignored when the name leaves the duration open (sora_video2 + seconds 15 renders 10 s)',
    catches: ['videos.seconds', 'videos.create'],
    proxy: ['videos.create'],
    deviation: () => ({
      request: async (req) => {
        if (!isVideoCreate(req)) return req;
        const open = (model: unknown) => typeof model === 'string' && model.startsWith('sora_video2') && !/-(15s|25s)\b/.test(model);
        const drop = (f: Record<string, unknown>) => void (open(f.model) && delete f.seconds);
        return /multipart/i.test(contentTypeOf(req.headers)) ? editForm(req, drop) : editFields(req, drop);
      },
    }),
  },
  {
    name: 'options accepted on sora_video (sora_video-hd served as sora_video)',
    catches: ['errors.options-on-base'],
    deviation: () => ({ request: (req) => editFields(req, (f) => void (typeof f.model === 'string' && /^sora_video-/.test(f.model) && (f.model = 'sora_video'))) }),
  },
  {
    name: 'n defaults to 2 on the images endpoints',
    catches: ['images.generations.multipart', 'images.generations.json', 'images.edits', 'images.b64-json', 'images.n'],
    collateral: ['images.edits.aspect', 'images.edits.params'],
    proxy: ['images.n'],
    deviation: () => ({ request: (req) => (isImages(req) ? editFields(req, (f) => void (f.n === undefined && (f.n = 2))) : req) }),
  },
  {
    name: 'n ignored in JSON bodies (honoured in multipart)',
    catches: ['images.n'],
    deviation: () => ({ request: (req) => (isImages(req) && /json/i.test(contentTypeOf(req.headers)) ? editFields(req, (f) => void delete f.n) : req) }),
  },
  {
    name: 'size ignored for videos sent as multipart (honoured in JSON)',
    catches: ['videos.size.orientation.multipart', 'videos.create'],
    collateral: ['errors.bad-size'],
    proxy: ['videos.create'],
    deviation: () => ({ request: (req) => (isVideoCreate(req) ? editForm(req, (f) => void delete f.size) : req) }),
  },
  {
    name: 'prompt not required by /videos (a default prompt is filled in)',
    catches: ['errors.required-params'],
    deviation: () => ({
      request: async (req) => {
        if (!isVideoCreate(req)) return req;
        const fill = (f: Record<string, unknown>) => void (f.prompt === undefined && (f.prompt = 'a short video'));
        return /multipart/i.test(contentTypeOf(req.headers)) ? editForm(req, fill) : editFields(req, fill);
      },
    }),
  },
  {
    name: 'remix answers the source id',
    catches: ['videos.remix'],
    // The new job's answer, under the source's id, is the source's last poll to the registry: a read of
    // the source's content after it (whether one comes after depends on the run's order) looks early (info).
    collateral: ['videos.lifecycle', 'videos.list.pages', 'videos.relations', 'videos.content.before-completion'],
    deviation: () => ({
      response: (res, req) => {
        const source = isRemix(req) ? /\/videos\/([^/]+)\/remix$/.exec(path(req))?.[1] : undefined;
        return source && res.status === 200 ? editVideos(res, (v) => void (v.id = source)) : res;
      },
    }),
  },
  {
    name: 'remix of an unknown id answers 200 with a new job',
    catches: ['videos.unknown-id'],
    collateral: ['videos.lifecycle'],
    proxy: { unseen: 'the proxy cannot know an id is unknown (its session may start after the id was made)' },
    deviation: () => ({
      response: (res, req) => {
        const source = isRemix(req) ? /\/videos\/([^/]+)\/remix$/.exec(path(req))?.[1] : undefined;
        return source && res.status === 404 ? withJson(res, fabricatedVideo(`video_${Date.now().toString(16).padStart(16, '0')}`, { remixed_from_video_id: source }), 200) : res;
      },
    }),
  },
  {
    name: 'DELETE answers deleted but keeps the job',
    catches: ['videos.delete'],
    // The contract checks see it too (catalogue/contract.ts). A kept job's content read after a poll
    // that showed it unfinished may look early to the registry, depending on the run's order (info).
    collateral: ['videos.relations', 'videos.content.before-completion'],
    deviation: () => ({
      serve: (req) => {
        const id = req.method === 'DELETE' ? /\/videos\/([^/]+)$/.exec(path(req))?.[1] : undefined;
        return id ? { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ id, object: 'video.deleted', deleted: true })) } : undefined;
      },
    }),
  },
  {
    name: "edits ignore the input image's shape (1:1 whatever the input)",
    catches: ['images.edits.aspect'],
    proxy: { unseen: "the passive judge does not decode uploaded input images (their aspect rule is sora-kit's own, info)" },
    deviation: () => ({ request: (req) => (isEdits(req) ? editForm(req, (f) => void (f.size === undefined && (f.size = '1024x1024'))) : req) }),
  },
  {
    name: 'response_format b64_json answered with a url',
    catches: ['images.b64-json'],
    // The contract checks see it too (catalogue/contract.ts).
    collateral: ['images.edits.params'],
    deviation: () => ({ request: (req) => (isImages(req) ? editFields(req, (f) => void (f.response_format === 'b64_json' && delete f.response_format)) : req) }),
  },
  {
    name: 'unknown video id answers 200 with a queued video object',
    catches: ['videos.unknown-id'],
    // A deleted job read back answers 200 too, which the relations across operations see.
    collateral: ['videos.delete', 'videos.lifecycle', 'videos.relations'],
    proxy: ['videos.lifecycle'],
    deviation: () => ({ response: (res, req) => { const id = videoIdOfRetrieve(req); return id && res.status === 404 ? withJson(res, fabricatedVideo(id), 200) : res; } }),
  },
  {
    name: 'invalid model names on /videos fall back to sora_video2',
    catches: ['errors.unknown-model'],
    collateral: ['errors.options-on-base'],
    deviation: () => ({ request: (req) => (isVideoCreate(req) ? editFields(req, (f) => void (!parseModelName(f.model).ok && (f.model = 'sora_video2'))) : req) }),
  },
  {
    name: 'a malformed size on /videos is dropped instead of refused',
    catches: ['errors.bad-size'],
    deviation: () => ({ request: (req) => (isVideoCreate(req) ? editFields(req, (f) => void (typeof f.size === 'string' && !/^\d+x\d+$/.test(f.size) && delete f.size)) : req) }),
  },
  {
    name: 'n over 4 clamped to 4',
    catches: ['images.n.max'],
    deviation: () => ({ request: (req) => (isImages(req) ? editFields(req, (f) => void (Number(f.n) > 4 && (f.n = typeof f.n === 'string' ? '4' : 4))) : req) }),
  },
  {
    name: 'edits without an input image accepted (the gateway substitutes a blank one)',
    catches: ['images.edits.missing-image'],
    deviation: () => ({
      request: (req) =>
        isEdits(req)
          ? editForm(req, (_, files) => {
              if (files.length === 0) files.push(['image[]', new File([new Uint8Array(blankPng())], 'blank.png', { type: 'image/png' })]);
            })
          : req,
    }),
  },
  {
    name: "GET /models lists OpenAI's models instead of the platform's",
    catches: ['models.list'],
    deviation: () => ({
      response: (res, req) =>
        req.method === 'GET' && path(req).endsWith('/models') && res.status === 200
          ? withJson(res, { object: 'list', data: ['gpt-4o', 'dall-e-3', 'sora-2'].map((id) => ({ id, object: 'model', created: 0, owned_by: 'openai' })) })
          : res,
    }),
  },
];

export const FAULTS: Fault[] = [...BROKEN, ...MORE_FAULTS];
