import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMock, SoraMockOptions } from '../../src/mock/types.js';

export const ORIGIN = 'http://127.0.0.1:4010';
export const BASE = `${ORIGIN}/sora/v1`;
export const LICENCE = 'sk-sora-mock';

/** A mock on a manual clock: time moves only through `mock.advance(ms)`. */
export function manualMock(options: SoraMockOptions = {}): SoraMock {
  const start = Date.UTC(2026, 0, 1);
  return createSoraMock({ clock: { now: () => start }, ...options });
}

export function call(mock: SoraMock, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { authorization: `Bearer ${LICENCE}`, ...init.headers };
  let body: BodyInit | undefined;
  if (init.body instanceof FormData || typeof init.body === 'string' || init.body instanceof Uint8Array) {
    body = init.body as BodyInit;
  } else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  return mock.fetch(new Request(path.startsWith('http') ? path : `${BASE}${path}`, { method, headers, body }));
}

export async function expectEnvelope(response: Response, status: number) {
  const text = await response.text();
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${text}`);
  if (!response.headers.get('content-type')?.startsWith('application/json')) {
    throw new Error(`expected a JSON error, got ${response.headers.get('content-type')}: ${text}`);
  }
  const body = JSON.parse(text) as { error: { message: string; type: string; param: string | null; code: string | null } };
  for (const key of ['message', 'type', 'param', 'code'] as const) {
    if (!(key in body.error)) throw new Error(`error envelope lacks '${key}': ${text}`);
  }
  return body.error;
}

/** Parse an SSE body into its `data:` payloads and comment lines, in order. */
export async function readSse(response: Response): Promise<{ data: string[]; comments: string[]; raw: string }> {
  const raw = await response.text();
  const data: string[] = [];
  const comments: string[] = [];
  for (const event of raw.split('\n\n')) {
    for (const line of event.split('\n')) {
      if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith(':')) comments.push(line);
    }
  }
  return { data, comments, raw };
}

/** A real PNG, made by sora-kit itself (the tests of src/media check it with ffmpeg). */
export async function pngBytes(): Promise<Uint8Array> {
  const { generateImage, imageRecipe } = await import('../../src/media/index.js');
  const { imageSpecFor } = await import('../../src/spec/rules.js');
  return generateImage(imageRecipe({ prompt: 'input', spec: imageSpecFor('3:2') }));
}
