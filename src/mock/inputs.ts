/**
 * Input images (edits, image-to-image chat, video `input_reference`). They must be real images, checked
 * by their bytes, not by a declared type. Remote URLs are fetched only when the allow-list says so, so
 * the mock never becomes an open proxy; otherwise the URL itself stands in for the image (its digest
 * seeds the picture, and no shape is known).
 */
import { fromBase64, readLimited } from '../util/index.js';
import { inspectMedia, sniffMediaType } from '../media/index.js';
import { cutText, describeValue, type Dimensions } from '../spec/rules.js';
import { HttpError, badRequest } from './http.js';
import type { ResolvedSoraMockOptions } from './types.js';

export interface InputImage {
  bytes: Uint8Array;
  /** Known when the bytes were available and decoded. */
  dims?: Dimensions;
}

const REMOTE_IMAGE_MAX_BYTES = 20 * 1024 * 1024;
const REMOTE_IMAGE_TIMEOUT_MS = 10_000;
/** URLs in messages are shown longer than other values (they are what a client debugs), still cut. */
const URL_SHOWN = { max: 200 } as const;

export async function checkImageBytes(bytes: Uint8Array, param: string, what: string): Promise<InputImage> {
  const sniffed = sniffMediaType(bytes);
  if (!sniffed || sniffed.kind !== 'image') {
    throw badRequest(
      `Invalid '${param}': ${what} is not an image (${bytes.byteLength} bytes, ${sniffed ? `looks like ${sniffed.format}` : 'unknown format'}); ` +
        'accepted: PNG, JPEG, WebP or GIF.',
      param,
      'invalid_image',
    );
  }
  try {
    const facts = await inspectMedia(bytes, { timeoutMs: 5_000 });
    return { bytes, dims: { width: facts.width, height: facts.height } };
  } catch (error) {
    throw badRequest(`Invalid '${param}': ${what} is a damaged ${sniffed.format} image (${(error as Error).message}).`, param, 'invalid_image');
  }
}

export async function imageFromFile(file: unknown, param: string): Promise<InputImage> {
  if (!(typeof File !== 'undefined' && file instanceof File)) {
    throw badRequest(`Invalid '${param}': expected an image file upload.`, param, 'invalid_type');
  }
  return checkImageBytes(new Uint8Array(await file.arrayBuffer()), param, `the file ${describeValue(file.name || 'upload')}`);
}

type FetchRule =
  | { kind: 'host'; host: RegExp; port?: number }
  | { kind: 'prefix'; origin: string; segments: string[] };

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * The segments of a URL path as a server may come to read it: escapes of ASCII bytes decoded until
 * nothing changes (`%252e` -> `%2e` -> `.`), backslashes read as slashes, `.` and `..` resolved.
 * Undefined when decoding does not settle, which no honest URL needs.
 */
function normalisedSegments(pathname: string): string[] | undefined {
  let path = pathname;
  for (let round = 0; ; round++) {
    const next = path.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (next === path) break;
    if (round === 8) return undefined;
    path = next;
  }
  const segments: string[] = [];
  for (const segment of path.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments;
}

const HOST_GLOB = /^(\[[0-9a-f:.]+\]|[a-z0-9*_.-]+)(?::([0-9]{1,5}))?$/i;

/** A rule of `fetchImages.allow`, or why it is not one. */
export function parseFetchRule(rule: string): FetchRule | { error: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rule)) {
    let prefix: URL;
    try {
      prefix = new URL(rule);
    } catch {
      return { error: 'is not a valid URL' };
    }
    if (!(prefix.protocol in DEFAULT_PORTS)) return { error: 'is a URL prefix whose scheme is not http or https' };
    const segments = normalisedSegments(prefix.pathname);
    if (!segments) return { error: 'has a path that does not decode' };
    return { kind: 'prefix', origin: prefix.origin, segments };
  }
  const m = HOST_GLOB.exec(rule);
  const port = m?.[2] === undefined ? undefined : Number(m[2]);
  if (!m || (port !== undefined && !(port >= 1 && port <= 65535))) {
    return {
      error: rule.includes('/')
        ? "is neither a host glob nor a URL prefix (a prefix needs its scheme: 'https://cdn.example/images/')"
        : "is not a host glob such as '*.example.com' or '127.0.0.1:5322'",
    };
  }
  const host = new RegExp(`^${m[1].split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`, 'i');
  return { kind: 'host', host, port };
}

/** Throws a TypeError naming the first rule of `allow` that is not one (the mock refuses it at start). */
export function checkFetchRules(allow: readonly string[]): void {
  for (const rule of allow) {
    const parsed = parseFetchRule(rule);
    if ('error' in parsed) throw new TypeError(`fetchImages: the rule ${describeValue(rule)} ${parsed.error}.`);
  }
}

/**
 * A rule is a URL prefix (`https://cdn.example/images/`: the same origin, scheme and port included,
 * and a path whose decoded, normalised segments start with the rule's, so neither
 * `http://good.example.evil.net` nor `/images/..%2fsecret` gets through) or a host glob
 * (`*.example.com` on any port, `127.0.0.1:5322` on that port only; `*` stays inside one label).
 */
export function isFetchAllowed(url: URL, allow: readonly string[]): boolean {
  return allow.some((text) => {
    const rule = parseFetchRule(text);
    if ('error' in rule) return false;
    if (rule.kind === 'host') {
      const port = url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port);
      return rule.host.test(url.hostname) && (rule.port === undefined || rule.port === port);
    }
    if (url.origin !== rule.origin) return false;
    const segments = normalisedSegments(url.pathname);
    return segments !== undefined && rule.segments.every((segment, i) => segments[i] === segment);
  });
}

/**
 * The input images of one request, in order: each distinct URL is decoded or fetched once (a body
 * naming the same URL sixteen times costs one fetch), and a failure names its first occurrence.
 */
export async function imagesFromUrls(
  images: ReadonlyArray<{ url: string; param: string }>,
  options: ResolvedSoraMockOptions,
  signal?: AbortSignal,
): Promise<InputImage[]> {
  const seen = new Map<string, InputImage>();
  const out: InputImage[] = [];
  for (const { url, param } of images) {
    let key = url;
    if (!/^data:/i.test(url)) {
      try {
        key = new URL(url).href;
      } catch {
        // imageFromUrl names it
      }
    }
    let image = seen.get(key);
    if (!image) {
      image = await imageFromUrl(url, param, options, signal);
      seen.set(key, image);
    }
    out.push(image);
  }
  return out;
}

/** `signal`: the client's request; when it leaves, a remote fetch on its behalf stops too. */
export async function imageFromUrl(url: string, param: string, options: ResolvedSoraMockOptions, signal?: AbortSignal): Promise<InputImage> {
  const dataUri = /^data:([^;,]*)(;[^,]*)?,(.*)$/s.exec(url);
  if (dataUri) {
    if (!/;base64$/i.test(dataUri[2] ?? '')) {
      throw badRequest(`Invalid '${param}': a data URI image must be base64-encoded ('data:image/png;base64,...').`, param, 'invalid_image');
    }
    const bytes = fromBase64(dataUri[3]);
    if (!bytes) throw badRequest(`Invalid '${param}': the data URI's base64 payload does not decode.`, param, 'invalid_image');
    return checkImageBytes(bytes, param, 'the data URI');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`Invalid '${param}' ${describeValue(url)}: expected an http(s) URL or a base64 data URI.`, param, 'invalid_value');
  }
  if (options.fetchImages && isFetchAllowed(parsed, options.fetchImages.allow)) {
    const timeout = AbortSignal.timeout(REMOTE_IMAGE_TIMEOUT_MS);
    // Redirects are refused: following one could leave the allow-list.
    let bytes: Uint8Array | 'too_large';
    try {
      const response = await fetch(parsed, { signal: signal && typeof AbortSignal.any === 'function' ? AbortSignal.any([timeout, signal]) : timeout, redirect: 'error' });
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw badRequest(`Invalid '${param}': fetching ${describeValue(parsed.href, URL_SHOWN)} answered HTTP ${response.status}.`, param, 'image_fetch_failed');
      }
      bytes = await readLimited(response, REMOTE_IMAGE_MAX_BYTES);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw badRequest(`Invalid '${param}': fetching ${describeValue(parsed.href, URL_SHOWN)} failed (${cutText((error as Error).message, 200)}).`, param, 'image_fetch_failed');
    }
    if (bytes === 'too_large') {
      throw badRequest(`Invalid '${param}': ${describeValue(parsed.href, URL_SHOWN)} is larger than ${REMOTE_IMAGE_MAX_BYTES} bytes.`, param, 'image_too_large');
    }
    return checkImageBytes(bytes, param, describeValue(parsed.href, URL_SHOWN));
  }
  return { bytes: new TextEncoder().encode(parsed.href) };
}
