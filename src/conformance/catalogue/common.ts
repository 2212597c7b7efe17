/** Request builders and response readers several groups of checks share. */
import { inspectMedia, MediaInspectionError } from '../../media/inspect.js';
import { ImagesResponse } from '../../spec/schemas/images.js';
import type { ConformanceClient, Exchange } from '../client.js';
import { expectJson, fail } from '../expect.js';
import { download, type Downloaded } from '../media.js';

/** A multipart body as the seed's curl sends it: every field is text, files under their own names. */
export function form(fields: Record<string, string | number | boolean | undefined>, files: Record<string, Uint8Array> = {}): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) body.append(name, String(value));
  for (const [name, bytes] of Object.entries(files)) body.append(name, new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'input.png');
  return body;
}

export function userMessage(content: unknown): Array<{ role: 'user'; content: unknown }> {
  return [{ role: 'user', content }];
}

/** Every image of an ImagesResponse, downloaded (url) or decoded (b64_json). */
export async function imagesOf(client: ConformanceClient, exchange: Exchange, what: string): Promise<{ response: ImagesResponse; images: Downloaded[] }> {
  const response = expectJson(exchange, ImagesResponse, what);
  const images: Downloaded[] = [];
  for (const [i, item] of response.data.entries()) {
    if ('url' in item) {
      images.push(await download(client, item.url, `${what}: image ${i + 1}`, exchange));
      continue;
    }
    const bytes = new Uint8Array(Buffer.from(item.b64_json, 'base64'));
    try {
      images.push({ exchange, facts: await inspectMedia(bytes) });
    } catch (error) {
      if (error instanceof MediaInspectionError) fail(`${what}: b64_json of image ${i + 1} does not decode (${error.message})`, exchange);
      throw error;
    }
  }
  return { response, images };
}

export function expectCount(actual: number, expected: number, what: string, exchange: Exchange): void {
  if (actual !== expected) fail(`${what}: expected ${expected} image(s), got ${actual}`, exchange, { expected: `${expected} image(s)`, actual: `${actual} image(s)` });
}
