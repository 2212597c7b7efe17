/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the parts sora-kit writes and reads, as
 * zod schemas and their types. Transport-free: the replay runs in msw in the browser too.
 *
 * sora-kit's own fields (HAR allows custom fields whose names start with `_`):
 * - `request.postData._encoding: "base64"`: a request body that is not UTF-8 text (a multipart
 *   upload with an image), whose bytes HAR 1.2 has no field for;
 * - `response.content._chunks: [{ time, size }]`: an event stream as it arrived, each chunk's byte
 *   count and its arrival in ms after the response headers; the chunks concatenated are the body;
 * - `entry._sora: { by: "client" | "proxy" }`: `proxy` marks media the proxy fetched itself from a
 *   link an answer carried (`--fetch-media`), not a request the client sent;
 * - `log._sora: { target }`: the deployment the session was recorded against.
 */
import { z } from 'zod';
import { fromBase64, toBase64 } from '../util/index.js';

const nameValue = z.looseObject({ name: z.string(), value: z.string(), comment: z.string().optional() });
const cookie = z.looseObject({
  name: z.string(),
  value: z.string(),
  path: z.string().optional(),
  domain: z.string().optional(),
  expires: z.string().optional(),
  httpOnly: z.boolean().optional(),
  secure: z.boolean().optional(),
  comment: z.string().optional(),
});
/** ISO 8601 with time zone, as HAR's dates are (`2009-07-24T19:20:30.45+01:00`). */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/, 'an ISO 8601 date with time zone');
/** Timings are ms, -1 where they do not apply. */
const timing = z.number().min(-1);

export const harChunkSchema = z.strictObject({ time: z.number().min(0), size: z.number().int().positive() });

export const harPostDataSchema = z.looseObject({
  mimeType: z.string(),
  params: z
    .array(
      z.looseObject({
        name: z.string(),
        value: z.string().optional(),
        fileName: z.string().optional(),
        contentType: z.string().optional(),
        comment: z.string().optional(),
      }),
    )
    .optional(),
  text: z.string().optional(),
  comment: z.string().optional(),
  _encoding: z.literal('base64').optional(),
});

export const harRequestSchema = z.looseObject({
  method: z.string().min(1),
  url: z.url(),
  httpVersion: z.string(),
  cookies: z.array(cookie),
  headers: z.array(nameValue),
  queryString: z.array(nameValue),
  postData: harPostDataSchema.optional(),
  headersSize: z.number().int().min(-1),
  bodySize: z.number().int().min(-1),
  comment: z.string().optional(),
});

export const harContentSchema = z.looseObject({
  size: z.number().int().min(0),
  compression: z.number().int().optional(),
  mimeType: z.string(),
  text: z.string().optional(),
  encoding: z.string().optional(),
  comment: z.string().optional(),
  _chunks: z.array(harChunkSchema).optional(),
});

export const harResponseSchema = z.looseObject({
  status: z.number().int(),
  statusText: z.string(),
  httpVersion: z.string(),
  cookies: z.array(cookie),
  headers: z.array(nameValue),
  content: harContentSchema,
  redirectURL: z.string(),
  headersSize: z.number().int().min(-1),
  bodySize: z.number().int().min(-1),
  comment: z.string().optional(),
});

export const harEntrySchema = z.looseObject({
  pageref: z.string().optional(),
  startedDateTime: isoDate,
  time: z.number().min(0),
  request: harRequestSchema,
  response: harResponseSchema,
  cache: z.looseObject({}),
  timings: z.looseObject({
    blocked: timing.optional(),
    dns: timing.optional(),
    connect: timing.optional(),
    send: z.number().min(0),
    wait: z.number().min(0),
    receive: z.number().min(0),
    ssl: timing.optional(),
    comment: z.string().optional(),
  }),
  serverIPAddress: z.string().optional(),
  connection: z.string().optional(),
  comment: z.string().optional(),
  _sora: z.looseObject({ by: z.enum(['client', 'proxy']) }).optional(),
});

const creator = z.looseObject({ name: z.string(), version: z.string(), comment: z.string().optional() });

export const harSchema = z.looseObject({
  log: z.looseObject({
    version: z.string(),
    creator,
    browser: creator.optional(),
    pages: z
      .array(
        z.looseObject({
          startedDateTime: isoDate,
          id: z.string(),
          title: z.string(),
          pageTimings: z.looseObject({ onContentLoad: z.number().optional(), onLoad: z.number().optional() }),
        }),
      )
      .optional(),
    entries: z.array(harEntrySchema),
    comment: z.string().optional(),
    _sora: z.looseObject({ target: z.string() }).optional(),
  }),
});

export type Har = z.infer<typeof harSchema>;
export type HarEntry = z.infer<typeof harEntrySchema>;
export type HarRequest = z.infer<typeof harRequestSchema>;
export type HarResponse = z.infer<typeof harResponseSchema>;
export type HarContent = z.infer<typeof harContentSchema>;
export type HarPostData = z.infer<typeof harPostDataSchema>;
export type HarChunk = z.infer<typeof harChunkSchema>;
export type HarNameValue = z.infer<typeof nameValue>;

/** What redacted headers carry instead of their value. */
export const REDACTED = '[redacted]';

/** Parse and check a HAR document; the error names the first bad field (`log.entries[3].response.status`). */
export function parseHar(data: unknown, label = 'HAR'): Har {
  const result = harSchema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  throw new TypeError(`${label} is not a HAR 1.2 document: ${path || '(root)'}: ${issue.message}`);
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Body types kept as text in a HAR when they are valid UTF-8; everything else is base64. */
export function isTextual(mimeType: string): boolean {
  return /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded|x-ndjson)\b)/i.test(mimeType.trim());
}

/** `bytes` as HAR text: UTF-8 text for textual types that decode cleanly, else base64. */
export function encodeBody(bytes: Uint8Array, mimeType: string): { text: string; base64: boolean } {
  if (isTextual(mimeType)) {
    try {
      return { text: strictUtf8.decode(bytes), base64: false };
    } catch {
      // not UTF-8: keep the bytes
    }
  }
  return { text: toBase64(bytes), base64: true };
}

/** The bytes of a HAR body (`content` or `postData`); empty when it has no text. */
export function decodeBody(text: string | undefined, base64: boolean): Uint8Array {
  if (text === undefined) return new Uint8Array(0);
  if (!base64) return utf8.encode(text);
  const bytes = fromBase64(text);
  if (bytes === undefined) throw new TypeError('a HAR body marked base64 does not decode as base64');
  return bytes;
}

export const contentBytes = (content: HarContent): Uint8Array => decodeBody(content.text, content.encoding === 'base64');
export const postDataBytes = (postData: HarPostData | undefined): Uint8Array =>
  postData === undefined ? new Uint8Array(0) : decodeBody(postData.text, postData._encoding === 'base64');
