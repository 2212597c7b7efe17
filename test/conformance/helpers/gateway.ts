/**
 * What a gateway in front of Sora does on top of the plain proxy, for the fault and variant lists:
 * re-encoding images with ffmpeg, answering byte ranges itself, a second origin that serves media
 * without a licence (a CDN), SSE event editing and request recognition.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { startProxy, type Proxy, type ProxyRequest, type ProxyResponse } from './proxy.js';

/* Recognising requests. */

export const pathOf = (req: ProxyRequest): string => req.path.split('?')[0];
export const queryOf = (req: ProxyRequest): URLSearchParams => new URLSearchParams(req.path.split('?')[1] ?? '');
export const isChat = (req: ProxyRequest): boolean => req.method === 'POST' && pathOf(req).endsWith('/chat/completions');
export const isImages = (req: ProxyRequest): boolean => /\/images\/(generations|edits)$/.test(pathOf(req));
export const isEdits = (req: ProxyRequest): boolean => pathOf(req).endsWith('/images/edits');
export const isVideoCreate = (req: ProxyRequest): boolean => req.method === 'POST' && /\/sora\/v1\/videos$/.test(pathOf(req));
export const isVideoList = (req: ProxyRequest): boolean => req.method === 'GET' && /\/sora\/v1\/videos$/.test(pathOf(req));
export const videoIdOfRetrieve = (req: ProxyRequest): string | undefined =>
  req.method === 'GET' ? /\/sora\/v1\/videos\/([^/]+)$/.exec(pathOf(req))?.[1] : undefined;
export const isRemix = (req: ProxyRequest): boolean => req.method === 'POST' && /\/videos\/[^/]+\/remix$/.test(pathOf(req));
/** The main content of a video (not a thumbnail or spritesheet variant). */
export const isVideoContent = (req: ProxyRequest): boolean =>
  /\/videos\/[^/]+\/content$/.test(pathOf(req)) && (queryOf(req).get('variant') ?? 'video') === 'video';
export const isThumbnail = (req: ProxyRequest): boolean => /\/videos\/[^/]+\/content$/.test(pathOf(req)) && queryOf(req).get('variant') === 'thumbnail';
/** A generated file link of the mock (`/sora/v1/files/...`). */
export const isFile = (req: ProxyRequest): boolean => /\/sora\/v1\/files\//.test(pathOf(req));
export const isImageFile = (req: ProxyRequest): boolean => isFile(req) && /\.(png|jpg|webp)$/.test(pathOf(req));
export const isStream = (res: ProxyResponse): boolean => /event-stream/i.test(String(res.headers['content-type'] ?? ''));
export const contentTypeOf = (headers: IncomingHttpHeaders): string => String(headers['content-type'] ?? '');

/**
 * The runner's pre-flight (and the auth checks') request: a chat with empty `messages`, which no
 * deployment turns into a generation. Faults that must not end the run at the pre-flight spare it.
 */
export function isEmptyChat(req: ProxyRequest): boolean {
  if (!isChat(req)) return false;
  try {
    const body = JSON.parse(req.body.toString('utf8')) as { messages?: unknown };
    return Array.isArray(body.messages) && body.messages.length === 0;
  } catch {
    return false;
  }
}

/** The request body as JSON fields, or undefined (multipart, invalid). */
export function jsonFields(req: ProxyRequest): Record<string, unknown> | undefined {
  if (!/json/i.test(contentTypeOf(req.headers))) return undefined;
  try {
    const value = JSON.parse(req.body.toString('utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/* JSON answers. */

export function jsonBody(res: ProxyResponse): any {
  if (!/json/i.test(contentTypeOf(res.headers))) return undefined;
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function withJson(res: ProxyResponse, value: unknown, status = res.status): ProxyResponse {
  const headers = { ...res.headers, 'content-type': 'application/json; charset=utf-8' };
  delete headers.etag;
  return { ...res, status, headers, body: Buffer.from(JSON.stringify(value)) };
}

export function envelope(status: number, message: string, type: string, param: string | null, code: string | null, extra: IncomingHttpHeaders = {}): ProxyResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...extra }, body: Buffer.from(JSON.stringify({ error: { message, type, param, code } })) };
}

/** Is this a video object (as answered by create, retrieve, remix)? */
export const isVideoObject = (value: any): boolean => value && typeof value === 'object' && value.object === 'video' && typeof value.id === 'string';

/** Apply `edit` to every video object of a JSON answer (a single one, or the items of a list). */
export function editVideos(res: ProxyResponse, edit: (video: any) => void): ProxyResponse {
  const body = jsonBody(res);
  if (!body) return res;
  if (isVideoObject(body)) edit(body);
  else if (body.object === 'list' && Array.isArray(body.data)) body.data.filter(isVideoObject).forEach(edit);
  else return res;
  return withJson(res, body);
}

/* Server-sent events. */

/** The events of an SSE body (blocks between blank lines), and a writer back. */
export function sseEvents(res: ProxyResponse): string[] {
  return res.body
    .toString('utf8')
    .split(/\n\n/)
    .filter((block) => block.trim() !== '');
}

export function withEvents(res: ProxyResponse, events: string[], separator = '\n\n'): ProxyResponse {
  return { ...res, body: Buffer.from(events.join(separator) + separator) };
}

/** The JSON of a `data: {...}` event, or undefined (`[DONE]`, comments). */
export function eventJson(event: string): any {
  const m = /^data: (\{.*\})$/s.exec(event.trim());
  if (!m) return undefined;
  try {
    return JSON.parse(m[1]);
  } catch {
    return undefined;
  }
}

export const dataEvent = (value: unknown): string => `data: ${typeof value === 'string' ? value : JSON.stringify(value)}`;

/** Edit the delta text of every chunk of a chat stream (links, wording). */
export function editStreamText(res: ProxyResponse, edit: (text: string) => string): ProxyResponse {
  if (!isStream(res)) return res;
  return withEvents(
    res,
    sseEvents(res).map((event) => {
      const chunk = eventJson(event);
      const delta = chunk?.choices?.[0]?.delta;
      if (typeof delta?.content !== 'string') return event;
      delta.content = edit(delta.content);
      return dataEvent(chunk);
    }),
  );
}

/** Edit the message text of a non-streamed chat completion. */
export function editCompletionText(res: ProxyResponse, edit: (text: string) => string): ProxyResponse {
  const body = jsonBody(res);
  const message = body?.object === 'chat.completion' ? body.choices?.[0]?.message : undefined;
  if (typeof message?.content !== 'string') return res;
  message.content = edit(message.content);
  return withJson(res, body);
}

/** Edit the text of any chat answer, streamed or not. */
export const editChatText = (res: ProxyResponse, edit: (text: string) => string): ProxyResponse =>
  isStream(res) ? editStreamText(res, edit) : editCompletionText(res, edit);

/* Media. */

const transcoded = new Map<string, Promise<Buffer>>();

/**
 * Re-encode an image (or take one frame of a video) with ffmpeg: `format` jpeg, webp or png, and
 * optional filters (`transpose=1`). Memoised by input and arguments.
 */
export function transcode(bytes: Buffer, format: 'jpeg' | 'webp' | 'png', filters?: string): Promise<Buffer> {
  const key = `${createHash('sha256').update(bytes).digest('hex')}:${format}:${filters ?? ''}`;
  let result = transcoded.get(key);
  if (!result) {
    const codec = { jpeg: ['-c:v', 'mjpeg', '-q:v', '3', '-f', 'image2pipe'], webp: ['-c:v', 'libwebp', '-compression_level', '0', '-quality', '80', '-f', 'webp'], png: ['-c:v', 'png', '-f', 'image2pipe'] }[format];
    const args = ['-nostdin', '-v', 'error', '-threads', '1', '-i', 'pipe:0', '-frames:v', '1', ...(filters ? ['-vf', filters] : []), ...(format === 'jpeg' ? ['-pix_fmt', 'yuvj420p'] : []), ...codec, 'pipe:1'];
    result = new Promise<Buffer>((resolve, reject) => {
      const child = execFile('/usr/bin/ffmpeg', args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`ffmpeg ${args.join(' ')}: ${String(stderr)}`));
        else resolve(stdout);
      });
      child.stdin!.on('error', () => {});
      child.stdin!.end(bytes);
    });
    transcoded.set(key, result);
  }
  return result;
}

export const IMAGE_TYPES = { jpeg: 'image/jpeg', webp: 'image/webp', png: 'image/png' } as const;

/**
 * Answer a request for `body` the way an HTTP file server does: `Range: bytes=a-b` (one range) gives
 * 206 with Content-Range, a range past the end 416, anything else the whole body with Accept-Ranges.
 */
export function rangeAnswer(body: Buffer, contentType: string, range: string | undefined, extra: IncomingHttpHeaders = {}): ProxyResponse {
  const headers: IncomingHttpHeaders = { 'content-type': contentType, 'accept-ranges': 'bytes', ...extra };
  const m = range ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return { status: 200, headers, body };
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, body.length - Number(m[2]));
    end = body.length - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
  }
  if (start >= body.length || start > end) return { status: 416, headers: { ...headers, 'content-range': `bytes */${body.length}` }, body: Buffer.alloc(0) };
  return { status: 206, headers: { ...headers, 'content-range': `bytes ${start}-${end}/${body.length}` }, body: body.subarray(start, end + 1) };
}

/* A second origin: the CDN. */

export interface MediaHost {
  /** `http://127.0.0.1:port` */
  url: string;
  proxy: Proxy;
  /** Keep bytes and return the URL that serves them (with ranges), as a CDN upload does. */
  put(bytes: Buffer, contentType: string): string;
  /** URL on this host of a mock file path (`/sora/v1/files/...`): fetched from the mock, no licence. */
  fileUrl(filePath: string): string;
  /** Requests that reached this host carrying an Authorization header (a licence leaked to a CDN). */
  authorised: string[];
  close(): Promise<void>;
}

/**
 * Another origin (another port) that serves media without a licence: `/blob/<n>` from what `put`
 * stored, `/m/<rest>` from the mock's signed `/sora/v1/files/<rest>`. It ignores the Authorization
 * header (and records it: a licence has no business going there).
 */
export async function startMediaHost(upstreamUrl: string): Promise<MediaHost> {
  const blobs = new Map<string, { bytes: Buffer; type: string }>();
  const authorised: string[] = [];
  let counter = 0;
  const proxy = await startProxy(upstreamUrl, {
    request: (req) => {
      if (req.headers.authorization) authorised.push(`${req.method} ${req.path}`);
      const headers = { ...req.headers };
      delete headers.authorization;
      const file = /^\/m\/(.+)$/.exec(req.path);
      return { ...req, headers, path: file ? `/sora/v1/files/${file[1]}` : req.path };
    },
    serve: (req) => {
      const blob = /^\/blob\/(\d+)/.exec(req.path);
      if (!blob) return isFile(req) ? undefined : envelope(404, 'No such object.', 'invalid_request_error', null, 'not_found');
      const stored = blobs.get(blob[1]);
      if (!stored) return envelope(404, 'No such object.', 'invalid_request_error', null, 'not_found');
      return rangeAnswer(stored.bytes, stored.type, req.headers.range as string | undefined, { 'cache-control': 'public, max-age=600' });
    },
  });
  return {
    url: proxy.url,
    proxy,
    authorised,
    put(bytes, type) {
      const id = String(++counter);
      blobs.set(id, { bytes, type });
      return `${proxy.url}/blob/${id}`;
    },
    fileUrl: (filePath) => `${proxy.url}/m/${filePath.replace(/^.*\/sora\/v1\/files\//, '')}`,
    close: () => proxy.close(),
  };
}

/** Every link to a mock file in a text, as written (absolute URLs on whatever origin). */
export const FILE_LINK = /https?:\/\/[^\s)"'<>\]]+\/sora\/v1\/files\/[^\s)"'<>\]]+/g;
