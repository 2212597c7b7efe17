/**
 * The `openai` SDK's own retries (its defaults: 2 retries) through msw's setupServer, against run-time
 * faults that resolve. msw 2 keeps a clone of each mocked answer whose unread branch stops the SDK's
 * cancel of a 5xx body from settling (mswjs/interceptors#799), so the retry never went out;
 * `releaseResponseClone` on `server.events` lets it (src/adapters/msw.ts).
 */
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSoraHandlers, releaseResponseClone } from '../../src/adapters/msw.js';

const ORIGIN = 'https://sora.test';
const handlers = createSoraHandlers({ instant: true, baseUrl: ORIGIN });
const server = setupServer(...handlers);
let client: OpenAI;

beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  // After listen: the SDK keeps the fetch it finds when constructed, and msw patches the global one.
  // Its defaults (maxRetries 2), with a timeout that ends a hang well before the test's own.
  client = new OpenAI({ apiKey: 'sk-sora-mock', baseURL: `${ORIGIN}/sora/v1`, timeout: 10_000 });
});
afterEach(() => {
  server.events.removeAllListeners();
  handlers.mock.reset();
});
afterAll(() => server.close());

/** `METHOD path status retry-count` of each request the mock answered. */
const attempts = () => handlers.mock.requests().map((r) => `${r.method} ${r.path} ${r.status} ${r.request.headers['x-stainless-retry-count']}`);

describe('the openai SDK with its default retries, through msw', () => {
  it('retries a 5xx fault and gets the answer once the fault resolves', async () => {
    server.events.on('response:mocked', releaseResponseClone);
    handlers.mock.faults.add({ scenario: 'server_error', times: 1, route: 'GET /models' });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('sora_image');
    expect(attempts()).toEqual(['GET /sora/v1/models 500 0', 'GET /sora/v1/models 200 1']);
  });

  it('retries a failed generation (a streamed chat) the same way', async () => {
    server.events.on('response:mocked', releaseResponseClone);
    handlers.mock.faults.add({ scenario: 'server_error', times: 2, route: 'POST /chat/completions' });
    const stream = await client.chat.completions.create({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: 'a kite' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toMatch(/!\[[^\]]*\]\(https:\/\/sora\.test\/sora\/v1\/files\/[^)]+\.png\)/);
    expect(attempts()).toEqual(['POST /sora/v1/chat/completions 500 0', 'POST /sora/v1/chat/completions 500 1', 'POST /sora/v1/chat/completions 200 2']);
  });

  it('without the listener, the SDK\'s cancel of a mocked body does not settle (remove releaseResponseClone when msw fixes this)', async () => {
    handlers.mock.faults.add({ scenario: 'server_error', times: 1, route: 'GET /models' });
    const response = await fetch(`${ORIGIN}/sora/v1/models`, { headers: { authorization: 'sk-sora-mock' } });
    expect(response.status).toBe(500);
    const cancelled = response.body!.cancel().then(() => 'settled');
    expect(await Promise.race([cancelled, new Promise((resolve) => setTimeout(() => resolve('pending'), 1000))])).toBe('pending');
  });
});
