/**
 * Shared pieces of the end-to-end tests: the served mock, the official OpenAI schemas (ajv), and the
 * project's fixtures.
 */
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { createSoraServer, type SoraServer, type SoraServerOptions } from '../../src/adapters/node.js';
import type { SoraMockOptions } from '../../src/mock/types.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { officialErrors } from '../spec/schemas/official.js';

export { REPO_ROOT };
export const SEED_CURL_EXAMPLES = resolve(REPO_ROOT, 'fixtures/seed/curl-examples.json');
export const FIXTURE_JPEG = resolve(REPO_ROOT, 'fixtures/media/image-96x64.jpg');
export const FIXTURE_PNG = resolve(REPO_ROOT, 'fixtures/media/image-64x48.png');

export const LICENCE = 'sk-sora-mock';

export interface Served {
  server: SoraServer;
  /** Origin, e.g. http://127.0.0.1:53211 */
  url: string;
  /** Origin + base path. */
  api: string;
}

export async function serve(options: SoraMockOptions = {}, serverOptions: SoraServerOptions = {}): Promise<Served> {
  const server = createSoraServer(options, serverOptions);
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, url, api: `${url}${server.mock.options.basePath}` };
}

// ---------------------------------------------------------------------------------------------------
// The official shapes

/** Assert `value` matches `components.schemas[name]` of the official OpenAI schemas (fixtures/openai). */
export function expectOpenAiShape(name: string, value: unknown): void {
  expect(officialErrors(name, value), `${name}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
}

/** Assert an OpenAI-style error envelope whose message names what it should. */
export function expectErrorEnvelope(body: unknown, ...mentions: string[]): void {
  expectOpenAiShape('ErrorResponse', body);
  const message = (body as { error: { message: string } }).error.message;
  for (const m of mentions) expect(message).toContain(m);
}

/** Read an SSE body into its `data:` payloads (comments and blank lines skipped). */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim());
}

/** Markdown links `[..](url)` and images `![..](url)` in a message. */
export function markdownUrls(text: string): string[] {
  return [...text.matchAll(/\]\((https?:\/\/[^)\s]+)\)/g)].map((m) => m[1]);
}
