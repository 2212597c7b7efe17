/**
 * `createSoraHandlers` under `setupServer` with msw's strict `onUnhandledRequest` strategies: requests
 * that are not http(s) (the `openai` SDK's `fetch('data:,')` probe before a multipart upload) go through
 * untouched and silently, while a genuinely unhandled http request is still reported.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupServer } from 'msw/node';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { createSoraHandlers } from '../../src/adapters/msw.js';
import { FIXTURE_PNG, LICENCE } from '../e2e/support.js';

const ORIGIN = 'https://sora.test';
const UNHANDLED = 'without a matching request handler';

// A local server stands in for "the network" that msw lets an unhandled request through to.
let outside: Server;
let outsideUrl = '';
beforeAll(async () => {
  outside = createServer((_req, res) => res.end('outside'));
  await new Promise<void>((resolve) => outside.listen(0, '127.0.0.1', resolve));
  outsideUrl = `http://127.0.0.1:${(outside.address() as AddressInfo).port}/not-the-mock`;
});
afterAll(() => new Promise<void>((resolve) => outside.close(() => resolve())));

/** Everything printed through console.warn / console.error (where msw reports) since the last reset. */
let warn: MockInstance<typeof console.warn>;
let error: MockInstance<typeof console.error>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => {
  warn.mockRestore();
  error.mockRestore();
});
const printed = () => [...warn.mock.calls, ...error.mock.calls].map((args) => args.map(String).join(' '));

/** An SDK client with a fetch of its own, so the SDK probes it again (it caches the probe per fetch). */
function sdkClient(): OpenAI {
  return new OpenAI({ apiKey: LICENCE, baseURL: `${ORIGIN}/sora/v1`, maxRetries: 0, fetch: (input, init) => fetch(input, init) });
}

async function sdkUpload(client: OpenAI) {
  return client.images.edit({
    model: 'sora_image',
    prompt: 'a red fox',
    image: await toFile(readFileSync(FIXTURE_PNG), 'example.png', { type: 'image/png' }),
  });
}

for (const strategy of ['warn', 'error'] as const) {
  describe(`setupServer(...createSoraHandlers()) with onUnhandledRequest: '${strategy}'`, () => {
    let server: ReturnType<typeof setupServer>;
    beforeAll(() => {
      server = setupServer(...createSoraHandlers({ baseUrl: ORIGIN, instant: true }));
      server.listen({ onUnhandledRequest: strategy });
    });
    afterAll(() => server.close());

    it("lets fetch('data:,') through without a word", async () => {
      const response = await fetch('data:,');
      expect(response.status).toBe(200);
      expect(await (await fetch('data:text/plain,hello')).text()).toBe('hello');
      expect(printed().filter((line) => line.includes(UNHANDLED))).toEqual([]);
    });

    it("lets the openai SDK's multipart upload (and its data: probe) through silently", async () => {
      const response = await sdkUpload(sdkClient());
      expect(response.data?.[0].url).toMatch(/^https:\/\/sora\.test\/sora\/v1\/files\//);
      expect(printed()).toEqual([]);
    });

    it('still reports a genuinely unhandled http request', async () => {
      if (strategy === 'warn') {
        expect(await (await fetch(outsideUrl)).text()).toBe('outside');
      } else {
        await expect(fetch(outsideUrl)).rejects.toThrow();
      }
      const reports = printed().filter((line) => line.includes(UNHANDLED));
      expect(reports).toHaveLength(1);
      expect(reports[0]).toContain('/not-the-mock');
    });
  });
}
