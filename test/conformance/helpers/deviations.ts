/**
 * Broken deployments: each alters the clean mock in one way a real deployment could get wrong, and
 * names the check that must report it (`catches`) and the other checks the same fault may
 * legitimately trip (`collateral`). Every other check must still pass.
 */
import { editFields, editText, isJson, type Deviation, type ProxyRequest, type ProxyResponse } from './proxy.js';
import { LICENSE } from './mock.js';

export interface BrokenDeployment {
  name: string;
  catches: string[];
  collateral?: string[];
  /** Built per run: some deviations keep state (poll counters, created jobs). */
  deviation: (ctx: { fiveSecondMp4: Buffer }) => Deviation;
}

const path = (req: ProxyRequest) => req.path.split('?')[0];
const isContent = (req: ProxyRequest) => /\/videos\/[^/]+\/content$/.test(path(req)) && !req.path.includes('variant=');
const isStream = (res: ProxyResponse) => /event-stream/i.test(String(res.headers['content-type'] ?? ''));
const isClientError = (res: ProxyResponse) => res.status >= 400 && res.status <= 499;
const ENVELOPE_CHECKS = ['auth.missing-license', 'auth.unknown-license', 'videos.unknown-id', 'errors.envelope'];

export const BROKEN: BrokenDeployment[] = [
  {
    name: 'ignores model options (rewrites sora_video2-... to sora_video2)',
    catches: ['chat.video.options'],
    // Dropping every option also accepts the invalid ones, such as sora_video2-4k.
    collateral: ['errors.unknown-model'],
    deviation: () => ({
      request: (req) => editFields(req, (f) => {
        if (typeof f.model === 'string' && f.model.startsWith('sora_video2-')) f.model = 'sora_video2';
      }),
    }),
  },
  {
    name: 'wrong aspect (swaps the width and height of size)',
    catches: ['images.size.wide', 'images.size.tall', 'videos.size.orientation'],
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
    collateral: ['auth.raw-license', 'auth.bearer-license', 'chat.image.options-rejected', 'images.edits.missing-image', 'errors.invalid-json', 'videos.content.before-completion'],
    deviation: () => ({ response: (res) => (res.status === 400 ? { ...res, status: 500 } : res) }),
  },
  {
    name: 'wrong content type on video content',
    catches: ['videos.content.type'],
    deviation: () => ({ response: (res, req) => (isContent(req) && res.status === 200 ? { ...res, headers: { ...res.headers, 'content-type': 'application/octet-stream' } } : res) }),
  },
  {
    name: 'non-monotonic progress (the second poll goes back from 60 to 20)',
    catches: ['videos.poll'],
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
    collateral: ['images.n.max'],
    deviation: () => ({ request: (req) => (path(req).includes('/images/') ? editFields(req, (f) => void delete f.n) : req) }),
  },
  {
    name: 'licence not enforced (every request gets the valid licence)',
    catches: ['auth.missing-license', 'auth.unknown-license'],
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
    deviation: () => ({
      response: (res, req) => (path(req).endsWith('/chat/completions') && res.status === 200 && !isStream(res) ? { ...res, body: Buffer.from('\u0000\u0001 not json at all') } : res),
    }),
  },
  {
    name: 'chat streams that never answer',
    catches: ['chat.image.stream.content-type', 'chat.image.stream.chunks', 'chat.image.stream.role-first', 'chat.image.stream.done', 'chat.image.stream.image'],
    collateral: ['chat.image.image-to-image', 'chat.image.image-to-image.aspect', 'chat.video.stream', 'chat.video.options'],
    deviation: () => ({ hang: (req) => path(req).endsWith('/chat/completions') && req.body.includes('"stream":true') }),
  },
];
