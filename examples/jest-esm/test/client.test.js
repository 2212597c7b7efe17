import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { inspectMedia } from 'sora-kit/media';
import { createSoraHandlers } from 'sora-kit/msw';

const handlers = createSoraHandlers({ baseUrl: 'https://sora.test', instant: true });
const server = setupServer(...handlers);
let client;
beforeAll(() => {
  server.listen({ onUnhandledRequest: 'error' });
  // After listen(): the openai SDK keeps the fetch it finds at construction, and msw patches the global one.
  client = new OpenAI({ apiKey: 'sk-sora-mock', baseURL: 'https://sora.test/sora/v1' });
});
afterEach(() => handlers.mock.reset());
afterAll(() => server.close());

const bytesOf = async (response) => new Uint8Array(await response.arrayBuffer());

test('a sora_image chat answers a link to a PNG that decodes', async () => {
  const chat = await client.chat.completions.create({ model: 'sora_image', messages: [{ role: 'user', content: 'a red fox' }] });
  const [, url] = /!\[[^\]]*\]\(([^)]+)\)/.exec(chat.choices[0].message.content ?? '') ?? [];
  expect(url).toMatch(/^https:\/\/sora\.test\//);
  expect(await inspectMedia(await bytesOf(await fetch(url)))).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1024 });
});

test('a landscape HD video job completes, and its content is the MP4 the model name asks for', async () => {
  const video = await client.videos.create({ model: 'sora_video2-landscape-hd', prompt: 'a red fox' });
  expect(video).toMatchObject({ status: 'completed', size: '1792x1024', seconds: '10' });
  const mp4 = await inspectMedia(await bytesOf(await client.videos.downloadContent(video.id)));
  expect(mp4).toMatchObject({ kind: 'video', width: 1792, height: 1024 });
  expect(mp4.durationSeconds).toBeCloseTo(10, 0);
  expect(handlers.mock.requests({ method: 'POST', path: '/sora/v1/videos' })).toHaveLength(1);
});
