/**
 * Input images (edits, image-to-image chat, video `input_reference`). They must be real images, checked
 * by their bytes, not by a declared type. Remote URLs are fetched only when the allow-list says so, so
 * the mock never becomes an open proxy; otherwise the URL itself stands in for the image (its digest
 * seeds the picture, and no shape is known).
 */
import { fromBase64 } from '../util/index.js';
import { inspectMedia, sniffMediaType } from '../media/index.js';
import { cutText, describeValue, type Dimensions } from '../spec/rules.js';
import { readLimited } from './body.js';
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

/**
 * A rule is a URL prefix (`https://cdn.example/images/`: same origin, path starting with the rule's
 * path; comparing parsed URLs, since a textual prefix `http://good.example` would also let
 * `http://good.example.evil.net` through) or a host glob (`*.example.com`, any port; `*` stays inside one label).
 */
export function isFetchAllowed(url: URL, allow: readonly string[]): boolean {
  return allow.some((rule) => {
    if (/^https?:\/\//i.test(rule)) {
      let prefix: URL;
      try {
        prefix = new URL(rule);
      } catch {
        return false;
      }
      return url.origin === prefix.origin && url.pathname.startsWith(prefix.pathname);
    }
    const pattern = new RegExp(`^${rule.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^.]*')}$`, 'i');
    return pattern.test(url.hostname);
  });
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
