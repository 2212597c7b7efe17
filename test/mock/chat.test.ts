import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { inspectMedia } from '../../src/media/index.js';
import { ChatCompletion, ChatCompletionChunk } from '../../src/spec/schemas/index.js';
import { call, expectEnvelope, manualMock, pngBytes, readSse } from './helpers.js';

const user = (content: unknown) => [{ role: 'user', content }];

function imageLinks(text: string): string[] {
  return [...text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
}

describe('chat completions', () => {
  afterEach(() => vi.useRealTimers());

  it('streams sora_image in OpenAI framing: role first, chunks, stop, usage, [DONE]', async () => {
    const mock = manualMock();
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: user('画小猫'), stream: true, stream_options: { include_usage: true }, n: 2 },
    });
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { data } = await readSse(r);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => ChatCompletionChunk.parse(JSON.parse(d)));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
    const stop = chunks.at(-2)!;
    expect(stop.choices[0].finish_reason).toBe('stop');
    expect(chunks.slice(0, -2).every((c) => c.choices[0].finish_reason === null && c.usage === null)).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const links = imageLinks(text);
    expect(links).toHaveLength(2);
    const png = await mock.fetch(new Request(links[1]));
    expect(await inspectMedia(new Uint8Array(await png.arrayBuffer()))).toMatchObject({ kind: 'image', width: 1024, height: 1024 });
  });

  it('answers non-stream sora_image with one chat.completion, and size decides the aspect', async () => {
    const mock = manualMock();
    const r = await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user('a cat'), size: '900x1600' } });
    const completion = ChatCompletion.parse(await r.json());
    expect(completion.choices[0].finish_reason).toBe('stop');
    const [link] = imageLinks(completion.choices[0].message.content ?? '');
    const png = await mock.fetch(new Request(link));
    expect(await inspectMedia(new Uint8Array(await png.arrayBuffer()))).toMatchObject({ width: 1024, height: 1536 });
  });

  it('takes the shape of a data-URI input image (image-to-image) and rejects one that is not an image', async () => {
    const mock = manualMock();
    const png = await pngBytes();
    const dataUri = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
    const content = [
      { type: 'text', text: '根据图片换个风格' },
      { type: 'image_url', image_url: { url: dataUri } },
    ];
    const completion = ChatCompletion.parse(await (await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user(content) } })).json());
    const [link] = imageLinks(completion.choices[0].message.content ?? '');
    expect(await inspectMedia(new Uint8Array(await (await mock.fetch(new Request(link))).arrayBuffer()))).toMatchObject({ width: 1536, height: 1024 });

    const fake = [{ type: 'image_url', image_url: { url: `data:image/png;base64,${Buffer.from('<html>no</html>').toString('base64')}` } }];
    const error = await expectEnvelope(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user(fake) } }), 400);
    expect(error.param).toBe('messages.0.content.0.image_url.url');
  });

  it('fetches a remote image_url only when the allow-list matches (never an open proxy)', async () => {
    const png = await pngBytes();
    let hits = 0;
    const origin = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((done) => origin.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/cat.png`;
    const body = { model: 'sora_image', messages: user([{ type: 'image_url', image_url: { url } }]) };
    const aspectOf = async (mock: ReturnType<typeof manualMock>) => {
      const completion = ChatCompletion.parse(await (await call(mock, 'POST', '/chat/completions', { body })).json());
      const [link] = imageLinks(completion.choices[0].message.content ?? '');
      const facts = await inspectMedia(new Uint8Array(await (await mock.fetch(new Request(link))).arrayBuffer()));
      return `${facts.width}x${facts.height}`;
    };
    try {
      expect(await aspectOf(manualMock())).toBe('1024x1024');
      expect(hits).toBe(0);
      expect(await aspectOf(manualMock({ fetchImages: { allow: ['127.0.0.1'] } }))).toBe('1536x1024');
      expect(hits).toBe(1);
      expect(await aspectOf(manualMock({ fetchImages: { allow: ['*.example.com', 'http://127.0.0.1:1/'] } }))).toBe('1024x1024');
      expect(hits).toBe(1);
    } finally {
      await new Promise((done) => origin.close(done));
    }
  });

  it('refuses allowed remote images that are missing, redirected, not images or too large', async () => {
    const origin = createServer((req, res) => {
      if (req.url === '/missing.png') res.writeHead(404).end('no');
      else if (req.url === '/moved.png') res.writeHead(302, { location: '/elsewhere.png' }).end();
      else if (req.url === '/page.png') res.writeHead(200, { 'content-type': 'image/png' }).end('<html>not a picture</html>');
      else res.writeHead(200, { 'content-type': 'image/png' }).end(new Uint8Array(21 * 1024 * 1024));
    });
    await new Promise<void>((done) => origin.listen(0, '127.0.0.1', done));
    const base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    const mock = manualMock({ fetchImages: { allow: [`${base}/`] } });
    const codeFor = async (path: string) => {
      const content = [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: `${base}${path}` } }];
      const error = await expectEnvelope(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user(content) } }), 400);
      expect(error.param).toBe('messages.0.content.1.image_url.url');
      expect(error.message).toContain(`${base}${path}`);
      return error.code;
    };
    try {
      expect(await codeFor('/missing.png')).toBe('image_fetch_failed');
      expect(await codeFor('/moved.png')).toBe('image_fetch_failed');
      expect(await codeFor('/page.png')).toBe('invalid_image');
      expect(await codeFor('/huge.png')).toBe('image_too_large');
    } finally {
      await new Promise((done) => origin.close(done));
    }
  });

  it('starts a real video job from chat, streams progress, and ends with the MP4 link and id', async () => {
    const mock = createSoraMock({ speed: 20 });
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_video2-landscape', messages: user('a fox running'), stream: true },
    });
    const { data } = await readSse(r);
    const text = data
      .slice(0, -1)
      .map((d) => ChatCompletionChunk.parse(JSON.parse(d)).choices[0]?.delta.content ?? '')
      .join('');
    expect(text).toMatch(/Progress: \d+%/);
    const id = /video_id: (video_[0-9a-f]+)/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(mock.jobs().map((j) => j.id)).toContain(id);
    const mp4 = /\[[^\]]*\]\(([^)]+\.mp4)\)/.exec(text)?.[1] as string;
    const facts = await inspectMedia(new Uint8Array(await (await mock.fetch(new Request(mp4))).arrayBuffer()));
    expect(facts).toMatchObject({ kind: 'video', width: 1280, height: 720 });
    const listed = await (await call(mock, 'GET', `/videos/${id}`)).json();
    expect(listed.status).toBe('completed');
  });

  it('waits for the video in non-stream mode and returns the final message', async () => {
    const mock = createSoraMock({ instant: true });
    const completion = ChatCompletion.parse(
      await (await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video', messages: user('x') } })).json(),
    );
    expect(completion.choices[0].message.content).toMatch(/\.mp4\)[\s\S]*video_id: video_/);
  });

  it('shows the prompt analysis first as a fenced JSON block when analysis is on', async () => {
    const mock = createSoraMock({ instant: true, promptAnalysis: { mode: 'heuristic' } });
    const completion = ChatCompletion.parse(
      await (await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', messages: user('一只猫，横屏') } })).json(),
    );
    const content = completion.choices[0].message.content ?? '';
    expect(content.startsWith('```json\n')).toBe(true);
    expect(JSON.parse(content.slice(8, content.indexOf('```', 8)))).toMatchObject({ orientation: 'landscape', source: 'heuristic' });
    expect(mock.jobs()[0].size).toBe('1280x720');
  });

  it('rejects bad chat bodies with 400 naming the parameter', async () => {
    const mock = manualMock();
    const cases: Array<[unknown, string]> = [
      [{ model: 'sora_image' }, 'messages'],
      [{ model: 'sora_image', messages: [] }, 'messages'],
      [{ model: 'sora_imagee', messages: user('x') }, 'model'],
      [{ model: 'sora_image-hd', messages: user('x') }, 'model'],
      [{ model: 'sora_image', messages: user('x'), n: 5 }, 'n'],
      [{ model: 'sora_image', messages: user('x'), size: 'big' }, 'size'],
      [{ model: 'sora_image', messages: user('x'), stream: 'yes' }, 'stream'],
      [{ model: 'sora_image', messages: user('') }, 'messages.0.content'],
      [{ model: 'sora_image', messages: [{ role: 'system', content: 'be brief' }, ...user([{ type: 'text', text: '' }])] }, 'messages.1.content'],
    ];
    for (const [body, param] of cases) {
      const error = await expectEnvelope(await call(mock, 'POST', '/chat/completions', { body }), 400);
      expect(error.param, JSON.stringify(body)).toBe(param);
    }
    const suggestion = await expectEnvelope(
      await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2-HD', messages: user('x') } }),
      400,
    );
    expect(suggestion.message).toContain("'sora_video2-hd'");
  });

  it('sends an error in-band when a streamed video fails midway', async () => {
    const mock = createSoraMock({ instant: true });
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_video2', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=fail_midway' },
    });
    expect(r.status).toBe(200);
    const { data } = await readSse(r);
    expect(data.at(-1)).toBe('[DONE]');
    const error = JSON.parse(data.at(-2) as string);
    expect(error.error).toMatchObject({ code: 'generation_failed', type: 'server_error' });
    expect(mock.jobs()[0]).toMatchObject({ status: 'failed', progress: 50 });
  });

  it('keeps a stalled stream alive with comments and stops all work when the client leaves', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_video2', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=stall' },
    });
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
      }
    })();
    await vi.advanceTimersByTimeAsync(7_000);
    expect(text).toContain(': keep-alive');
    expect(text).not.toContain('[DONE]');
    await reader.cancel();
    await pump;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(vi.getTimerCount()).toBe(0);
  });
});
