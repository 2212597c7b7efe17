/**
 * Record through the proxy, then replay without the deployment: `sora-kit serve --replay` and
 * `createSoraHandlers({ replay })` answer the recorded bytes, a video flow replays with its progress,
 * streams keep their pacing, and the licence is never written down.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraHandlers } from '../../src/adapters/msw.js';
import type { SoraServer } from '../../src/adapters/node.js';
import { loadServeConfig } from '../../src/cli/config.js';
import { startServe } from '../../src/cli/serve.js';
import { createHarFile, createValidatingProxy, readRecordings } from '../../src/proxy/index.js';
import { contentBytes, createReplayer, parseHar, postDataBytes, REDACTED, toHarEntry, type Har } from '../../src/replay/index.js';
import { LICENCE, serve } from '../e2e/support.js';

interface Sent {
  method: string;
  path: string;
  type?: string;
  body?: string;
  status: number;
  answer: Buffer;
}

const dir = mkdtempSync(join(tmpdir(), 'sora-kit-record-'));
let mockOrigin: string;
let harPath: string;
const sent: Sent[] = [];
let recordedStatuses: string[] = [];
let videoBytes: Buffer;
let imageLink: string;
let videoPrompt: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  // Speed 10: a 10 s video renders in 1 s, so the polls record its progress even on a loaded machine.
  const served = await serve({ speed: 10 });
  mockOrigin = served.url;
  const recorder = createHarFile(dir, { target: served.url, version: 'test' });
  harPath = recorder.path;
  const proxy = createValidatingProxy({ target: served.url, recorder });
  const { url } = await proxy.listen({ port: 0 });
  const base = `${url}/sora/v1`;
  const call = async (method: string, path: string, json?: unknown) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const type = body === undefined ? undefined : 'application/json';
    const response = await fetch(`${base}${path}`, { method, body, headers: { authorization: `Bearer ${LICENCE}`, ...(type ? { 'content-type': type } : {}) } });
    const answer = Buffer.from(await response.arrayBuffer());
    sent.push({ method, path, type, body, status: response.status, answer });
    return answer;
  };
  const image = JSON.parse((await call('POST', '/images/generations', { model: 'sora_image', prompt: 'a red fox' })).toString()) as { data: Array<{ url: string }> };
  imageLink = image.data[0].url;
  await call('POST', '/chat/completions', { model: 'sora_image', stream: true, messages: [{ role: 'user', content: '画一只狐狸' }] });
  videoPrompt = '一只狐狸在雪地里奔跑';
  // The SDK sends this one as multipart/form-data, as it will on replay (with another boundary).
  const sdk = new OpenAI({ apiKey: LICENCE, baseURL: base, maxRetries: 0 });
  const createdResponse = await sdk.videos.create({ model: 'sora_video2', prompt: videoPrompt }).asResponse();
  const createdBytes = Buffer.from(await createdResponse.arrayBuffer());
  sent.push({ method: 'POST', path: '/videos', status: createdResponse.status, answer: createdBytes });
  const video = JSON.parse(createdBytes.toString()) as { id: string; status: string };
  recordedStatuses = [video.status];
  for (let i = 0; i < 200; i++) {
    const polled = JSON.parse((await call('GET', `/videos/${video.id}`)).toString()) as { status: string; progress: number };
    recordedStatuses.push(polled.status);
    if (polled.status === 'completed') break;
    await sleep(40);
  }
  videoBytes = await call('GET', `/videos/${video.id}/content`);
  await call('GET', '/videos/video_missing');
  await proxy.close();
  recorder.close();
  await served.server.close();
}, 60_000);

async function replayServer(flags: Record<string, string | boolean>): Promise<{ server: SoraServer; url: string; lines: string[] }> {
  const lines: string[] = [];
  const config = await loadServeConfig({ flags: { port: '0', quiet: true, ...flags }, env: {} });
  const server = await startServe(config, { io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
  if (!server) throw new Error(`serve --replay did not start:\n${lines.join('\n')}`);
  return { server, url: server.url as string, lines };
}

describe('the recording', () => {
  it('is a HAR 1.2 document with every exchange, media as base64, streams with their chunks', () => {
    const text = readFileSync(harPath, 'utf8');
    const har = parseHar(JSON.parse(text));
    expect(har.log.version).toBe('1.2');
    expect(har.log._sora).toEqual({ target: mockOrigin });
    const byClient = har.log.entries.filter((e) => e._sora?.by === 'client');
    expect(byClient.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`)).toEqual(sent.map((s) => `${s.method} /sora/v1${s.path}`));
    const stream = byClient[1];
    expect(stream.response.content.mimeType).toMatch(/^text\/event-stream/);
    const chunks = stream.response.content._chunks ?? [];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.reduce((n, c) => n + c.size, 0)).toBe(contentBytes(stream.response.content).length);
    expect(Buffer.from(contentBytes(stream.response.content))).toEqual(sent[1].answer);
    const content = byClient.find((e) => e.request.url.endsWith('/content'));
    expect(content?.response.content).toMatchObject({ encoding: 'base64', mimeType: 'video/mp4', size: videoBytes.length });
    // The media the image answer linked to, fetched by the proxy.
    const media = har.log.entries.filter((e) => e._sora?.by === 'proxy');
    expect(media.map((e) => e.request.url)).toContain(imageLink);
    expect(media.find((e) => e.request.url === imageLink)?.response.content).toMatchObject({ encoding: 'base64', mimeType: 'image/png' });
  });

  it('never contains the licence', () => {
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      expect(text).not.toContain(LICENCE);
      expect(text).toContain(`"name":"authorization","value":"${REDACTED}"`);
    }
  });
});

describe('sora-kit serve --replay', () => {
  it('answers every recorded request with the recorded bytes (links rewritten to the replay, which serves their media)', async () => {
    const replay = await replayServer({ replay: dir });
    try {
      expect(replay.lines.join('\n')).toMatch(/replay: {3}\d+ recorded exchanges/);
      // Each request again as the recording has it (body and content type), in order.
      const requests = parseHar(JSON.parse(readFileSync(harPath, 'utf8'))).log.entries.filter((e) => e._sora?.by === 'client');
      expect(requests).toHaveLength(sent.length);
      for (const [i, s] of sent.entries()) {
        const { request } = requests[i];
        const type = request.headers.find((h) => h.name.toLowerCase() === 'content-type')?.value;
        const response = await fetch(`${replay.url}${new URL(request.url).pathname}`, {
          method: request.method,
          body: request.postData ? Buffer.from(postDataBytes(request.postData)) : undefined,
          headers: type ? { 'content-type': type } : {},
        });
        expect(response.status, `${s.method} ${s.path}`).toBe(s.status);
        const body = Buffer.from(await response.arrayBuffer());
        expect(body.toString('latin1'), `${s.method} ${s.path}`).toBe(s.answer.toString('latin1').split(mockOrigin).join(replay.url));
      }
      const rewritten = imageLink.replace(mockOrigin, replay.url);
      const png = await fetch(rewritten);
      expect(png.headers.get('content-type')).toBe('image/png');
      const recorded = parseHar(JSON.parse(readFileSync(harPath, 'utf8'))).log.entries.find((e) => e.request.url === imageLink);
      expect(Buffer.from(await png.arrayBuffer())).toEqual(Buffer.from(contentBytes(recorded?.response.content as never)));
    } finally {
      await replay.server.close();
    }
  });

  it("the SDK's whole video flow runs against the replay alone: create, poll with the recorded progress, download", async () => {
    const replay = await replayServer({ replay: harPath, speed: '0' });
    try {
      const client = new OpenAI({ apiKey: 'sk-anything', baseURL: `${replay.url}/sora/v1`, maxRetries: 0 });
      const video = await client.videos.create({ model: 'sora_video2', prompt: videoPrompt });
      const statuses: string[] = [video.status];
      let current = video;
      while (current.status !== 'completed') {
        current = await client.videos.retrieve(video.id);
        statuses.push(current.status);
      }
      expect(recordedStatuses.length).toBeGreaterThan(2);
      expect(statuses).toEqual(recordedStatuses);
      // The last poll repeats.
      expect((await client.videos.retrieve(video.id)).status).toBe('completed');
      const mp4 = Buffer.from(await (await client.videos.downloadContent(video.id)).arrayBuffer());
      expect(mp4).toEqual(videoBytes);
    } finally {
      await replay.server.close();
    }
  });

  it('--replay-strict answers an unmatched request 404 naming the closest recording; without it the mock answers', async () => {
    const strict = await replayServer({ replay: dir, replayStrict: true });
    try {
      const response = await fetch(`${strict.url}/sora/v1/videos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${LICENCE}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sora_video2', prompt: 'something never recorded' }),
      });
      expect(response.status).toBe(404);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(body.error.message).toMatch(/^No recording matches POST \/sora\/v1\/videos; the closest recording is POST \/sora\/v1\/videos \(sora-kit-[^#]+\.har#\d+\), which differs by another body/);
    } finally {
      await strict.server.close();
    }
    const lenient = await replayServer({ replay: dir });
    try {
      const response = await fetch(`${lenient.url}/sora/v1/models`, { headers: { authorization: `Bearer ${LICENCE}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { object: string }).object).toBe('list');
    } finally {
      await lenient.server.close();
    }
  });

  it('refuses a missing recording and a file that is not HAR', async () => {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const missing = await loadServeConfig({ flags: { port: '0', quiet: true, replay: join(dir, 'nope.har') }, env: {} });
    expect(await startServe(missing, { io })).toBeUndefined();
    expect(lines.join('\n')).toMatch(/--replay .*nope\.har: no such file/);
    await expect(loadServeConfig({ flags: { port: '0', speed: '0' }, env: {} })).rejects.toThrow(/for --replay only/);
  });
});

describe('createSoraHandlers({ replay }) under msw', () => {
  let server: ReturnType<typeof setupServer>;
  beforeAll(() => {
    server = setupServer(...createSoraHandlers({ baseUrl: 'https://sora.test', replay: { recordings: readRecordings(dir), speed: 0 } }));
    server.listen({ onUnhandledRequest: 'error' });
  });
  afterAll(() => server.close());

  it('answers the recorded bytes, the video flow included, and serves the linked media', async () => {
    const client = new OpenAI({ apiKey: 'sk-anything', baseURL: 'https://sora.test/sora/v1', maxRetries: 0 });
    const image = await client.images.generate({ model: 'sora_image', prompt: 'a red fox' });
    const link = image.data?.[0].url as string;
    expect(link).toBe(imageLink.replace(mockOrigin, 'https://sora.test'));
    const png = Buffer.from(await (await fetch(link)).arrayBuffer());
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const video = await client.videos.create({ model: 'sora_video2', prompt: videoPrompt });
    let current = video;
    while (current.status !== 'completed') current = await client.videos.retrieve(video.id);
    expect(Buffer.from(await (await client.videos.downloadContent(video.id)).arrayBuffer())).toEqual(videoBytes);
  });
});

describe('stream pacing', () => {
  const har: Har = {
    log: {
      version: '1.2',
      creator: { name: 'test', version: '1' },
      entries: [
        toHarEntry({
          startedAt: Date.now(),
          by: 'client',
          request: { method: 'POST', url: 'http://deploy.test/sora/v1/chat/completions', httpVersion: '1.1', headers: [['content-type', 'application/json']], body: new TextEncoder().encode('{"a":1,"b":2}') },
          response: {
            status: 200,
            statusText: 'OK',
            httpVersion: '1.1',
            headers: [['content-type', 'text/event-stream']],
            body: new TextEncoder().encode('data: 1\n\ndata: 2\n\n'),
            chunks: [
              { time: 0, size: 9 },
              { time: 400, size: 9 },
            ],
          },
          timings: { send: 0, wait: 1, receive: 400 },
        }),
      ],
    },
  };

  async function timed(speed: number): Promise<{ gap: number; text: string }> {
    const replayer = createReplayer(har, { speed });
    // Keys in another order: the same JSON body.
    const response = await replayer.answer(new Request('http://replay.test/sora/v1/chat/completions', { method: 'POST', body: '{"b":2,"a":1}', headers: { 'content-type': 'application/json' } }));
    const reader = (response?.body as ReadableStream<Uint8Array>).getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    const t0 = performance.now();
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += new TextDecoder().decode(r.value);
    return { gap: performance.now() - t0, text };
  }

  it('replays chunk by chunk with the recorded gaps divided by the speed (0: none)', async () => {
    const normal = await timed(1);
    expect(normal.text).toBe('data: 1\n\ndata: 2\n\n');
    expect(normal.gap).toBeGreaterThanOrEqual(380);
    expect((await timed(4)).gap).toBeLessThan(300);
    const none = await timed(0);
    expect(none.gap).toBeLessThan(50);
    expect(none.text).toBe(normal.text);
  });
});
