/**
 * Hardening of the media links (`<basePath>/files/...`), through real HTTP against createSoraServer:
 * their length is bounded whatever the prompt (a 32,000-character CJK prompt used to give links of
 * ~128 KB, which node's 16 KiB header limit answered with 431).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMedia } from '../../src/media/index.js';
import type { SoraMockOptions } from '../../src/mock/types.js';
import { LICENCE, markdownUrls, serve, sseData, type Served } from '../e2e/support.js';

const CJK = '一只在雪地里奔跑的小狐狸，阳光洒在松林上';
/** The longest prompt the platform takes. */
const LONG_PROMPT = CJK.repeat(Math.ceil(32_000 / CJK.length)).slice(0, 32_000);
const MAX_LINK = 2048;

const servers: Served[] = [];
async function start(options: SoraMockOptions = {}, inspector = false): Promise<Served> {
  const served = await serve({ instant: true, ...options }, { inspector });
  servers.push(served);
  return served;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.server.close()));
});

async function post(served: Served, path: string, body: unknown, licence: string = LICENCE): Promise<Response> {
  return fetch(`${served.api}${path}`, {
    method: 'POST',
    headers: { authorization: licence, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function okJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(200);
  return JSON.parse(text) as T;
}

/** The markdown of a chat completion, streamed or not. */
async function chatText(served: Served, prompt: string, body: Record<string, unknown>): Promise<string> {
  const response = await post(served, '/chat/completions', { messages: [{ role: 'user', content: prompt }], ...body });
  if (!body.stream) return (await okJson<{ choices: { message: { content: string } }[] }>(response)).choices[0].message.content;
  expect(response.status).toBe(200);
  const events = sseData(await response.text()).filter((d) => d !== '[DONE]');
  return events.map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '').join('');
}

interface Link {
  from: string;
  /** Absolute URL. */
  url: string;
}

/** Every kind of media link the mock hands out, for one prompt . */
async function issueLinks(served: Served, prompt: string): Promise<Link[]> {
  const links: Link[] = [];
  const add = (from: string, urls: string[]) => {
    expect(urls.length, from).toBeGreaterThan(0);
    for (const url of urls) links.push({ from, url: url.startsWith('http') ? url : `${served.url}${url}` });
  };
  add('chat image', markdownUrls(await chatText(served, prompt, { model: 'sora_image', n: 2 })));
  add('chat image stream', markdownUrls(await chatText(served, prompt, { model: 'sora_image', n: 2, stream: true })));
  add('chat video', markdownUrls(await chatText(served, prompt, { model: 'sora_video' })));
  add('chat video stream', markdownUrls(await chatText(served, prompt, { model: 'sora_video', stream: true })));
  const images = await okJson<{ data: { url: string }[] }>(
    await post(served, '/images/generations', { prompt, model: 'sora_image', n: 2, size: '1536x1024' }),
  );
  add('images url', images.data.map((d) => d.url));
  const video = await okJson<{ id: string }>(await post(served, '/videos', { prompt, model: 'sora_video' }));
  add('jobMedia', Object.values(served.server.mock.jobMedia(video.id) ?? {}));
  const remix = await okJson<{ id: string }>(await post(served, `/videos/${video.id}/remix`, { prompt: `${prompt.slice(0, -1)}!` }));
  add('jobMedia of a remix', Object.values(served.server.mock.jobMedia(remix.id) ?? {}));
  return links;
}

/** The media paths the inspector's state shows (jobs' video and thumbnail, requests' media). */
async function inspectorPaths(served: Served): Promise<Link[]> {
  const state = await okJson<{ jobs: { media?: { video: string; thumbnail: string } }[]; requests: { media: { path: string }[] }[] }>(
    await fetch(`${served.url}/__sora/inspector/state`),
  );
  const paths = [
    ...state.jobs.flatMap((j) => (j.media ? [j.media.video, j.media.thumbnail] : [])),
    ...state.requests.flatMap((r) => r.media.map((m) => m.path)),
  ];
  expect(paths.length).toBeGreaterThan(10);
  return paths.map((path) => ({ from: 'inspector', url: `${served.url}${path}` }));
}

const KIND_OF_EXTENSION: Record<string, { kind: 'image' | 'video'; type: string }> = {
  png: { kind: 'image', type: 'image/png' },
  webp: { kind: 'image', type: 'image/webp' },
  jpg: { kind: 'image', type: 'image/jpeg' },
  mp4: { kind: 'video', type: 'video/mp4' },
};

/** GET a link with no licence; it must answer the media its extension names, and the bytes must decode. */
async function fetchMedia(url: string, from = url.slice(0, 160)): Promise<Uint8Array> {
  const response = await fetch(url);
  const body = new Uint8Array(await response.arrayBuffer());
  expect(response.status, `${from}: ${new TextDecoder().decode(body.subarray(0, 200))}`).toBe(200);
  const extension = new URL(url).pathname.split('.').pop() ?? '';
  const expected = KIND_OF_EXTENSION[extension];
  expect(expected, `${from}: extension .${extension}`).toBeDefined();
  expect(response.headers.get('content-type')).toBe(expected.type);
  const facts = await inspectMedia(body);
  expect(facts, from).toMatchObject({ kind: expected.kind, mime: expected.type });
  if (facts.kind === 'video') expect(facts.durationSeconds).toBeGreaterThanOrEqual(4.9);
  return body;
}

describe('media links for a 32,000-character CJK prompt', () => {
  let served: Served;
  let links: Link[];
  let shown: Link[];
  beforeAll(async () => {
    served = await start({}, true);
    links = await issueLinks(served, LONG_PROMPT);
    shown = await inspectorPaths(served);
  });

  it('stay under 2 KiB, and their length does not depend on the prompt', async () => {
    expect(links.length).toBe(2 + 2 + 1 + 1 + 2 + 3 + 3);
    for (const { from, url } of [...links, ...shown]) expect(url.length, `${from}: ${url.slice(0, 120)}…`).toBeLessThan(MAX_LINK);
    const short = await okJson<{ data: { url: string }[] }>(
      await post(served, '/images/generations', { prompt: 'a', model: 'sora_image', n: 2, size: '1536x1024' }),
    );
    const long = links.filter((l) => l.from === 'images url');
    expect(short.data.map((d) => d.url.length)).toEqual(long.map((l) => l.url.length));
    expect(short.data.map((d) => d.url)).not.toEqual(long.map((l) => l.url));
  });

  it('are served through real HTTP without a licence, and their bytes decode', async () => {
    for (const { from, url } of links) await fetchMedia(url, from);
  });

  it("the inspector's media paths work too", async () => {
    for (const { from, url } of shown) await fetchMedia(url, from);
  });

  it('answer HEAD and Range requests', async () => {
    const video = links.find((l) => l.from === 'jobMedia' && l.url.endsWith('.mp4'))!.url;
    const whole = await fetchMedia(video);
    const head = await fetch(video, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(whole.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    const range = await fetch(video, { headers: { range: 'bytes=100-199' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 100-199/${whole.byteLength}`);
    expect(new Uint8Array(await range.arrayBuffer())).toEqual(whole.subarray(100, 200));
  });

  it('are the same, with the same bytes, from another instance with the same seed', async () => {
    const twin = await start({}, true);
    const again = await issueLinks(twin, LONG_PROMPT);
    const path = (url: string) => new URL(url).pathname;
    expect(again.map((l) => path(l.url))).toEqual(links.map((l) => path(l.url)));
    for (const l of links.filter((x) => /chat video$|images url/.test(x.from))) {
      const theirs = `${twin.url}${path(l.url)}`;
      expect(await fetchMedia(theirs)).toEqual(await fetchMedia(l.url));
    }
  });
});
