/**
 * Deployments that differ from the clean mock only in ways the platform document (specs/rules.md,
 * specs/mock.md, the seed's curl examples) and the OpenAI contract allow. Each must pass: no failed
 * check at must or should. `allowedBy` says why the difference is legitimate.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  contentTypeOf,
  dataEvent,
  editChatText,
  editVideos,
  envelope,
  eventJson,
  FILE_LINK,
  IMAGE_TYPES,
  isFile,
  isImageFile,
  isImages,
  isRemix,
  isStream,
  isVideoContent,
  isVideoCreate,
  isVideoList,
  jsonBody,
  pathOf,
  queryOf,
  rangeAnswer,
  sseEvents,
  transcode,
  videoIdOfRetrieve,
  withEvents,
  withJson,
  type MediaHost,
} from './gateway.js';
import type { Deviation, ProxyRequest, ProxyResponse } from './proxy.js';

export interface VariantContext {
  /** Another origin that serves media without a licence (a CDN). */
  mediaHost: MediaHost;
}

export interface Variant {
  name: string;
  /** Why a deployment may do this: the rule or the contract that leaves it open. */
  allowedBy: string;
  deviation: (ctx: VariantContext) => Deviation;
}

const isText = (res: ProxyResponse) => /json|event-stream/i.test(contentTypeOf(res.headers));
const isContentRoute = (req: ProxyRequest) => /\/videos\/[^/]+\/content$/.test(pathOf(req));

/** Rewrite every text answer (JSON and SSE) as text. */
const texts = (edit: (text: string) => string) => (res: ProxyResponse) => (isText(res) ? { ...res, body: Buffer.from(edit(res.body.toString('utf8'))) } : res);

/** Add a field to every object of a JSON value, recursively. */
function withExtraFields(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => withExtraFields(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withExtraFields(v, depth + 1);
    out[depth === 0 ? 'x_gateway' : 'x_gateway_note'] = depth === 0 ? { region: 'cn-east', trace: 'abc123', cached: false } : 'extra';
    return out;
  }
  return value;
}

/**
 * Ids of the deployment's own format: every mock id in an answer is replaced by an alias, and every
 * alias in a request (path, body) is turned back, so the mock never sees the aliases.
 */
function idAliases(pattern: RegExp, make: (real: string, n: number) => string): Deviation {
  const alias = new Map<string, string>();
  const real = new Map<string, string>();
  const aliasOf = (id: string) => {
    let a = alias.get(id);
    if (!a) {
      a = make(id, alias.size + 1);
      alias.set(id, a);
      real.set(a, id);
    }
    return a;
  };
  const back = (text: string) => {
    let out = text;
    // Longest first: task_3 is a prefix of task_33.
    for (const [a, r] of [...real].sort((x, y) => y[0].length - x[0].length)) if (out.includes(a)) out = out.split(a).join(r);
    return out;
  };
  return {
    request: (req) => ({ ...req, path: back(req.path), body: /json/i.test(contentTypeOf(req.headers)) ? Buffer.from(back(req.body.toString('utf8'))) : req.body }),
    response: texts((t) => t.replace(pattern, (id) => aliasOf(id))),
  };
}

/** The clean mock's media: links to `/sora/v1/files/...`, the content endpoint with its variants. */
const MEDIA_TYPES = /^(image|video)\//;

/**
 * Hide completion from the first `polls` polls of each job, showing `shown(n)` at the n-th poll
 * instead (the create answer shows `shown(0)`; list items and the content endpoint agree: 409 while
 * hidden). Progress never goes down. Before, the create answer was left as the mock made it: a job
 * created in progress then went back to queued at its first poll, which the judge rightly reported.
 */
function pacing(polls: number, shown: (n: number) => { status: string; progress: number }): Deviation {
  const seen = new Map<string, number>();
  const last = new Map<string, number>();
  const hidden = (id: string) => {
    const n = seen.get(id);
    return n !== undefined && n <= polls;
  };
  return {
    serve: (req) => {
      const id = isContentRoute(req) ? /\/videos\/([^/]+)\/content$/.exec(pathOf(req))![1] : undefined;
      return id && hidden(id) ? envelope(409, 'The video is not ready yet.', 'invalid_request_error', 'video_id', 'video_not_ready') : undefined;
    },
    response: (res, req) => {
      if (res.status !== 200) return res;
      const created = isVideoCreate(req) || isRemix(req);
      const id = videoIdOfRetrieve(req);
      if (id) seen.set(id, (seen.get(id) ?? 0) + 1);
      if (!created && !id && !isVideoList(req)) return res;
      return editVideos(res, (v) => {
        if (v.status === 'failed') return;
        if (created) seen.set(v.id, 0);
        if (hidden(v.id)) Object.assign(v, shown(seen.get(v.id)!), { completed_at: null, expires_at: null });
        else if (v.status !== 'completed') v.progress = Math.max(v.progress, last.get(v.id) ?? 0);
        last.set(v.id, v.progress);
      });
    },
  };
}

/** Re-encode every generated image (links and b64_json) to another format, labelled as such. */
function imagesAs(format: 'jpeg' | 'webp'): Deviation {
  return {
    response: async (res, req) => {
      if (isImageFile(req) && res.status === 200 && /png/.test(contentTypeOf(res.headers))) {
        const headers = { ...res.headers, 'content-type': IMAGE_TYPES[format] };
        delete headers.etag;
        return { ...res, headers, body: await transcode(res.body, format) };
      }
      const body = isImages(req) && res.status === 200 ? jsonBody(res) : undefined;
      if (!Array.isArray(body?.data) || !body.data.some((d: { b64_json?: string }) => d.b64_json)) return res;
      for (const item of body.data) if (item.b64_json) item.b64_json = (await transcode(Buffer.from(item.b64_json, 'base64'), format)).toString('base64');
      if (body.output_format !== undefined) body.output_format = format;
      return withJson(res, body);
    },
  };
}

const ROUTE_KEY = (req: ProxyRequest) => `${req.method} ${pathOf(req).replace(/\/videos\/[^/]+/, '/videos/:id')}`;

export const VARIANTS: Variant[] = [
  {
    name: 'extra unknown fields in every JSON object (answers and stream chunks), and extra headers',
    allowedBy: 'OpenAI: clients ignore unknown fields (objects grow over time); HTTP: unknown headers are ignored',
    deviation: () => ({
      response: (res) => {
        const headers = { ...res.headers, 'x-request-id': randomUUID(), 'x-gateway': 'sora-gw/1.4', server: 'sora-gw' };
        if (isStream(res)) {
          const events = sseEvents(res).map((e) => {
            const chunk = eventJson(e);
            return chunk ? dataEvent(withExtraFields(chunk)) : e;
          });
          return withEvents({ ...res, headers }, events);
        }
        const body = jsonBody(res);
        return body === undefined ? { ...res, headers } : { ...withJson(res, withExtraFields(body)), headers: { ...headers, 'content-type': res.headers['content-type'] } };
      },
    }),
  },
  {
    name: 'ids in another format: video_<uuid> and chatcmpl-<uuid>',
    allowedBy: 'OpenAI: ids are opaque strings; specs/mock.md#determinism describes only the mock’s own ids',
    deviation: () => idAliases(/\b(video_[0-9a-f]{16}|chatcmpl-[0-9a-f]{16})\b/g, (real) => `${real.startsWith('video_') ? 'video_' : 'chatcmpl-'}${randomUUID()}`),
  },
  {
    name: 'video ids without the video_ prefix (task_1, task_2, ...)',
    allowedBy: 'OpenAI: ids are opaque; the seed writes {video_id} without a format',
    deviation: () => idAliases(/\bvideo_[0-9a-f]{16}\b/g, (_, n) => `task_${n}`),
  },
  {
    name: 'other error wording and other error codes (type kept)',
    allowedBy: 'OpenAI: message is for humans and code is an open string; rules.md E2 is sora-kit’s own wording',
    deviation: () => ({
      response: (res) => {
        const body = res.status >= 400 ? jsonBody(res) : undefined;
        const error = body?.error;
        if (!error) return res;
        const subject = error.param ? `parameter '${error.param}'` : 'the request';
        error.message = `Rejected by the gateway: ${subject} cannot be processed (${res.status}).`;
        if (typeof error.code === 'string') error.code = `E_${error.code.toUpperCase()}`;
        return withJson(res, body);
      },
    }),
  },
  {
    name: 'media behind a 302 to another path of the same origin',
    allowedBy: 'HTTP: a redirect is a valid answer to GET (RFC 9110 15.4); the seed says nothing of where media live',
    deviation: () => {
      const blobs = new Map<string, { body: Buffer; type: string }>();
      return {
        serve: async (req, upstream) => {
          const file = /^\/cache\/files\/(.+)$/.exec(req.path);
          if (file) return upstream({ ...req, path: `/sora/v1/files/${file[1]}` });
          const blob = /^\/cache\/blob\/(\d+)$/.exec(pathOf(req));
          if (!blob) return undefined;
          const stored = blobs.get(blob[1]);
          return stored ? rangeAnswer(stored.body, stored.type, req.headers.range as string | undefined) : envelope(404, 'No such file.', 'invalid_request_error', null, 'not_found');
        },
        response: (res, req) => {
          if (req.method !== 'GET' || res.status !== 200) return res;
          if (isFile(req)) return { status: 302, headers: { location: `/cache/files/${pathOf(req).replace(/^.*\/sora\/v1\/files\//, '')}` }, body: Buffer.alloc(0) };
          if (!isContentRoute(req) || !MEDIA_TYPES.test(contentTypeOf(res.headers))) return res;
          const id = String(blobs.size + 1);
          blobs.set(id, { body: res.body, type: contentTypeOf(res.headers) });
          return { status: 302, headers: { location: `/cache/blob/${id}` }, body: Buffer.alloc(0) };
        },
      };
    },
  },
  {
    name: 'media on another origin (a CDN on another port that needs no licence): links rewritten, content redirected',
    allowedBy: 'specs/mock.md (issued links need no licence, like a CDN’s signed URL); OpenAI hands out links to other hosts; HTTP redirects',
    deviation: ({ mediaHost }) => ({
      response: (res, req) => {
        if (isText(res)) return texts((t) => t.replace(FILE_LINK, (link) => mediaHost.fileUrl(new URL(link).pathname)))(res);
        if (req.method === 'GET' && res.status === 200 && isContentRoute(req) && MEDIA_TYPES.test(contentTypeOf(res.headers))) {
          return { status: 302, headers: { location: mediaHost.put(res.body, contentTypeOf(res.headers)) }, body: Buffer.alloc(0) };
        }
        return res;
      },
    }),
  },
  {
    name: 'chat links as bare URLs instead of markdown',
    allowedBy: 'seed: the chat answers are text with a link; the markdown form is sora-kit’s (specs/mock.md#chat-completions)',
    deviation: () => ({ response: (res) => editChatText(res, (t) => t.replace(/!?\[[^\]]*\]\((\S+?)\)/g, '$1')) }),
  },
  {
    name: 'chat image links as markdown links [text](url), not images',
    allowedBy: 'seed: a link in the text; the ![...] form is sora-kit’s',
    deviation: () => ({ response: (res) => editChatText(res, (t) => t.replace(/!\[([^\]]*)\]\((\S+?)\)/g, '[$1]($2)')) }),
  },
  {
    name: 'chat links as HTML <img src> / <video src>',
    allowedBy: 'seed: a link in the text; some gateways answer HTML for their web front end',
    deviation: () => ({
      response: (res) =>
        editChatText(res, (t) =>
          t.replace(/!\[([^\]]*)\]\((\S+?)\)/g, '<img src="$2" alt="$1">').replace(/\[Download video\]\((\S+?)\)/g, '<video src="$1" controls></video>'),
        ),
    }),
  },
  {
    name: 'progress lines and notices worded differently (Chinese)',
    allowedBy: 'specs/mock.md#chat-completions: the wording of progress lines is sora-kit’s; the seed shows none',
    deviation: () => ({
      response: (res) =>
        editChatText(res, (t) =>
          t
            .replace(/Progress: (\d+)%/g, '生成进度：$1%')
            .replace(/Generating (\d+) images? \((\d+x\d+)\)…/g, '正在生成 $1 张图片（$2）…')
            .replace(/Video (\S+) queued: [^\n]*/g, '任务 $1 已提交，排队中'),
        ),
    }),
  },
  {
    name: 'every answer with chunked transfer encoding (no Content-Length)',
    allowedBy: 'HTTP/1.1: chunked and Content-Length framing are equivalent (RFC 9112 6)',
    deviation: () => ({ response: (res) => ({ ...res, chunked: true }) }),
  },
  {
    name: 'Content-Type application/json and text/event-stream without charset, in other cases',
    allowedBy: 'RFC 8259 (JSON is UTF-8, charset has no meaning); media types are case-insensitive (RFC 9110 8.3.1)',
    deviation: () => ({
      response: (res) => {
        const type = contentTypeOf(res.headers);
        if (/^application\/json/i.test(type)) return { ...res, headers: { ...res.headers, 'content-type': 'Application/JSON' } };
        if (/^text\/event-stream/i.test(type)) return { ...res, headers: { ...res.headers, 'content-type': 'text/event-stream' } };
        return res;
      },
    }),
  },
  {
    name: 'SSE with CRLF line endings, keep-alive comments, retry/id fields and data: without a space',
    allowedBy: 'WHATWG HTML server-sent events (CRLF, comments, id, retry, the optional space after the colon); specs/mock.md (keep-alive comments)',
    deviation: () => ({
      response: (res) => {
        if (!isStream(res)) return res;
        const events = sseEvents(res).map((e, i) => `: keep-alive\r\nid: ${i + 1}\r\n${e.trim().replace(/^data: /, 'data:')}`);
        return { ...res, body: Buffer.from(`retry: 3000\r\n\r\n${events.join('\r\n\r\n')}\r\n\r\n`) };
      },
    }),
  },
  {
    name: 'slower job pacing: six in_progress polls (10% ... 60%) before completion shows',
    allowedBy: 'OpenAI VideoResource: status in_progress with progress rising; the seed says nothing of timing',
    deviation: () => pacing(6, (n) => ({ status: 'in_progress', progress: 10 * n })),
  },
  {
    name: 'jobs queued for a while (three polls queued at 0%)',
    allowedBy: 'OpenAI VideoResource: queued comes first; how long is the deployment’s business',
    deviation: () => pacing(3, () => ({ status: 'queued', progress: 0 })),
  },
  {
    name: 'one 429 with Retry-After: 1 per route, then success',
    allowedBy: 'OpenAI: 429 rate_limit_error with Retry-After, retried by clients; specs/mock.md (rate_limited)',
    deviation: () => {
      const limited = new Set<string>();
      return {
        serve: (req) => {
          if (isFile(req) || limited.has(ROUTE_KEY(req))) return undefined;
          limited.add(ROUTE_KEY(req));
          return envelope(429, 'Rate limit reached, retry in 1 s.', 'rate_limit_error', null, 'rate_limit_exceeded', { 'retry-after': '1' });
        },
      };
    },
  },
  {
    name: 'JPEG images (image/jpeg) instead of PNG, links and b64_json',
    allowedBy: 'the seed names no image format; OpenAI images come as png, jpeg or webp (output_format); specs/mock.md lists .jpg files',
    deviation: () => imagesAs('jpeg'),
  },
  {
    name: 'WebP images (image/webp) instead of PNG, links and b64_json',
    allowedBy: 'the seed names no image format; OpenAI output_format webp',
    deviation: () => imagesAs('webp'),
  },
  {
    name: '422 instead of 400 for refusals (everywhere, the empty-messages pre-flight too)',
    allowedBy: 'HTTP: 422 Unprocessable Content for a well-formed request with bad values (RFC 9110 15.5.21); OpenAI-compatible servers (vLLM, FastAPI) answer 422',
    deviation: () => ({ response: (res) => (res.status === 400 ? { ...res, status: 422 } : res) }),
  },
  {
    name: 'video content served by the gateway’s own file server (Accept-Ranges, its own 206 answers, no ETag)',
    allowedBy: 'HTTP range requests (RFC 9110 14); the seed only names GET /videos/{id}/content',
    deviation: () => ({
      request: (req) => {
        if (!isVideoContent(req)) return req;
        const headers = { ...req.headers, 'x-client-range': String(req.headers.range ?? '') };
        delete headers.range;
        return { ...req, headers };
      },
      response: (res, req) => {
        if (!isVideoContent(req) || res.status !== 200) return res;
        return rangeAnswer(res.body, 'video/mp4', (req.headers['x-client-range'] as string) || undefined, { 'cache-control': 'private, max-age=600' });
      },
    }),
  },
  {
    name: 'gzip-compressed JSON and event streams when the client accepts gzip',
    allowedBy: 'HTTP content coding (RFC 9110 8.4), negotiated by Accept-Encoding',
    deviation: () => ({
      response: (res, req) => {
        if (!isText(res) || !/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) || res.body.length === 0) return res;
        return { ...res, headers: { ...res.headers, 'content-encoding': 'gzip', vary: 'Accept-Encoding' }, body: gzipSync(res.body) };
      },
    }),
  },
  {
    name: 'no GET /videos list and no DELETE (404 unknown_route)',
    allowedBy: 'the seed documents create, retrieve, remix and content only; list and delete are OpenAI’s',
    deviation: () => ({
      serve: (req) => (isVideoList(req) || req.method === 'DELETE' ? envelope(404, 'No such route.', 'invalid_request_error', null, 'unknown_route') : undefined),
    }),
  },
  {
    name: 'jobs start in_progress (not queued) and never expire (expires_at null)',
    allowedBy: 'OpenAI VideoResource: expires_at is nullable, queued may be skipped',
    deviation: () => ({
      response: (res, req) =>
        res.status === 200 && req.method !== 'DELETE' && !queryOf(req).has('variant')
          ? editVideos(res, (v) => {
              if (v.status === 'queued') v.status = 'in_progress';
              v.expires_at = null;
            })
          : res,
    }),
  },
];
