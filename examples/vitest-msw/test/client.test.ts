import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSoraHandlers, type SoraMockOptions } from 'sora-kit/msw';
import { inspectMedia } from 'sora-kit/media';
import { SoraClient } from '../src/client.js';

// The mock's option types come with the adapter, for settings kept apart from the call.
const options: SoraMockOptions = { instant: true };
const handlers = createSoraHandlers({ baseUrl: 'https://sora.test', ...options });
const server = setupServer(...handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => handlers.mock.reset());
afterAll(() => server.close());

describe('SoraClient against the sora-kit mock (msw)', () => {
  // Create SDK clients after server.listen(): the openai SDK keeps the fetch it finds at construction,
  // and msw can only intercept the patched one.
  let client: SoraClient;
  beforeAll(() => {
    client = new SoraClient({ baseUrl: 'https://sora.test', licence: 'sk-sora-mock' });
  });

  it('gets real PNG links from a sora_image chat (official openai SDK)', async () => {
    const [url] = await client.drawWithChat('a red fox');
    const png = new Uint8Array(await (await fetch(url)).arrayBuffer());
    expect(await inspectMedia(png)).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1024 });
  });

  it('makes a landscape HD video with plain fetch, and the mock saw the job', async () => {
    const video = await client.makeVideo('a red fox', 'sora_video2-landscape-hd');
    expect(video).toMatchObject({ size: '1792x1024', seconds: '10' });
    expect(handlers.mock.jobs()).toHaveLength(1);
  });
});
