/**
 * Hardening of the media links (`<basePath>/files/...`), through real HTTP against createSoraServer:
 *
 * 1. their length is bounded whatever the prompt (a 32,000-character CJK prompt used to give links of
 *    ~128 KB, which node's 16 KiB header limit answered with 431);
 * 2. they are signed with the instance's media secret, so nobody can make the mock generate media by
 *    writing a recipe URL (which bypassed the paid images/videos add-ons).
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServeConfig } from '../../src/cli/config.js';
import { printableConfig } from '../../src/cli/serve.js';
import { encodeRecipe, imageRecipe, inspectMedia } from '../../src/media/index.js';
import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMockOptions } from '../../src/mock/types.js';
import { IMAGE_SIZES } from '../../src/spec/rules.js';
import { LICENCE, expectErrorEnvelope, markdownUrls, serve, sseData, type Served } from '../e2e/support.js';

const CJK = '一只在雪地里奔跑的小狐狸，阳光洒在松林上';
/** The longest prompt the platform takes. */
const LONG_PROMPT = CJK.repeat(Math.ceil(32_000 / CJK.length)).slice(0, 32_000);
const PROMPT = 'a red fox in the snow';
const SECRET = 'links-test-secret-0123456789';
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

/** The parts of a link's last segment: `<recipe>.<signature>.<ext>`. */
function partsOf(url: string): { prefix: string; recipe: string; signature: string; extension: string } {
  const u = new URL(url);
  const slash = u.pathname.lastIndexOf('/');
  const name = u.pathname.slice(slash + 1);
  const ext = name.lastIndexOf('.');
  const sig = name.lastIndexOf('.', ext - 1);
  return {
    prefix: `${u.origin}${u.pathname.slice(0, slash + 1)}`,
    recipe: name.slice(0, sig),
    signature: name.slice(sig + 1, ext),
    extension: name.slice(ext + 1),
  };
}

const linkOf = (p: ReturnType<typeof partsOf>) => `${p.prefix}${p.recipe}.${p.signature}.${p.extension}`;
const editAt = (text: string, i: number) => `${text.slice(0, i)}${text[i] === 'a' ? 'b' : 'a'}${text.slice(i + 1)}`;

/** A refused link: 403, the OpenAI envelope with code invalid_signature, and no secret in it. */
async function expectRefused(url: string, why: string): Promise<string> {
  const response = await fetch(url);
  const text = await response.text();
  expect(response.status, `${why}: ${response.headers.get('content-type')} ${text.slice(0, 200).replace(/[^\x20-\x7e]/g, '?')}`).toBe(403);
  const body = JSON.parse(text) as { error: { code: string; type: string; message: string } };
  expectErrorEnvelope(body);
  expect(body.error.code, why).toBe('invalid_signature');
  expect(body.error.message).not.toContain(SECRET);
  return body.error.message;
}

describe('media links for a 32,000-character CJK prompt', () => {
  let served: Served;
  let links: Link[];
  let shown: Link[];
  beforeAll(async () => {
    served = await start({ mediaSecret: SECRET }, true);
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

  it('are the same, with the same bytes, from another instance with the same seed and secret', async () => {
    const twin = await start({ mediaSecret: SECRET }, true);
    const again = await issueLinks(twin, LONG_PROMPT);
    const path = (url: string) => new URL(url).pathname;
    expect(again.map((l) => path(l.url))).toEqual(links.map((l) => path(l.url)));
    for (const l of links.filter((x) => /chat video$|images url/.test(x.from))) {
      const theirs = `${twin.url}${path(l.url)}`;
      expect(await fetchMedia(theirs)).toEqual(await fetchMedia(l.url));
    }
  });
});

describe('signed media links', () => {
  let served: Served;
  let links: Link[];
  beforeAll(async () => {
    served = await start({ mediaSecret: SECRET });
    links = await issueLinks(served, PROMPT);
  });

  it('are <recipe>.<signature>.<ext>: the first 128 bits of HMAC-SHA-256(secret, variant and recipe), base64url', () => {
    const VARIANT = { png: 'image', mp4: 'video', webp: 'thumbnail', jpg: 'spritesheet' } as Record<string, string>;
    for (const { url } of links) {
      const { recipe, signature, extension } = partsOf(url);
      const mac = createHmac('sha256', SECRET).update(`sora-kit media link v1\u0000${VARIANT[extension]}\u0000${recipe}`).digest();
      expect(signature).toBe(mac.subarray(0, 16).toString('base64url'));
    }
  });

  it('refuse an edit of any one character of the recipe or of the signature', async () => {
    for (const link of [links.find((l) => l.url.endsWith('.png'))!, links.find((l) => l.url.endsWith('.mp4'))!]) {
      const parts = partsOf(link.url);
      for (let i = 0; i < parts.recipe.length; i++) {
        await expectRefused(linkOf({ ...parts, recipe: editAt(parts.recipe, i) }), `recipe[${i}] of ${link.from}`);
      }
      for (let i = 0; i < parts.signature.length; i++) {
        await expectRefused(linkOf({ ...parts, signature: editAt(parts.signature, i) }), `signature[${i}] of ${link.from}`);
      }
    }
  });

  it('refuse a swapped extension, an unsigned link and a hand-written recipe', async () => {
    const image = partsOf(links.find((l) => l.url.endsWith('.png'))!.url);
    const video = partsOf(links.find((l) => l.url.endsWith('.mp4'))!.url);
    await expectRefused(linkOf({ ...image, extension: 'webp' }), 'png -> webp');
    await expectRefused(linkOf({ ...image, extension: 'mp4' }), 'png -> mp4');
    await expectRefused(linkOf({ ...video, extension: 'webp' }), 'mp4 -> webp');
    await expectRefused(linkOf({ ...video, extension: 'jpg' }), 'mp4 -> jpg');
    const unsigned = await expectRefused(`${image.prefix}${image.recipe}.png`, 'no signature');
    expect(unsigned).toMatch(/signature/);
    const forged = encodeRecipe(imageRecipe({ prompt: 'a forged cat', spec: { aspect: '1:1', ...IMAGE_SIZES['1:1'] } }));
    await expectRefused(`${served.api}/files/${forged}.png`, 'hand-written recipe, unsigned');
    await expectRefused(`${served.api}/files/${forged}.${'A'.repeat(22)}.png`, 'hand-written recipe, made-up signature');
    await expectRefused(`${served.api}/files/garbage.png`, 'garbage');
  });

  it('keep the paid add-ons paid: a licence without images cannot make an image by writing a link', async () => {
    const chatOnly = await start({ licenses: [{ key: 'chat-only', features: ['chat'] }] });
    expect((await post(chatOnly, '/images/generations', { prompt: 'cat', model: 'sora_image' }, 'chat-only')).status).toBe(403);
    const forged = encodeRecipe(imageRecipe({ prompt: 'cat', spec: { aspect: '1:1', ...IMAGE_SIZES['1:1'] } }));
    await expectRefused(`${chatOnly.api}/files/${forged}.png`, 'forged on a chat-only deployment');
    // What it may do (chat) still hands out links that work without a licence.
    const answer = await post(chatOnly, '/chat/completions', { model: 'sora_image', messages: [{ role: 'user', content: 'cat' }] }, 'chat-only');
    const [url] = markdownUrls((await okJson<{ choices: { message: { content: string } }[] }>(answer)).choices[0].message.content);
    await fetchMedia(url);
  });

  it('are refused by an instance with another secret, or with its own random one', async () => {
    const other = await start({ mediaSecret: `${SECRET}-other` });
    const random = await start();
    for (const target of [other, random]) {
      for (const { from, url } of links.slice(0, 3)) {
        await expectRefused(url.replace(served.url, target.url), `${from} on another instance`);
      }
    }
  });

  it('two instances with the same mediaSecret accept each other’s links; random secrets differ per instance', async () => {
    const peer = await start({ mediaSecret: SECRET });
    const theirs = await issueLinks(peer, PROMPT);
    for (const { from, url } of theirs.slice(0, 5)) await fetchMedia(url.replace(peer.url, served.url), `${from} of the peer`);
    for (const { from, url } of links.slice(0, 5)) await fetchMedia(url.replace(served.url, peer.url), `${from} on the peer`);

    const [a, b] = [await start(), await start()];
    const [la, lb] = [await issueLinks(a, PROMPT), await issueLinks(b, PROMPT)];
    expect(la.map((l) => partsOf(l.url).recipe)).toEqual(lb.map((l) => partsOf(l.url).recipe));
    expect(la.map((l) => partsOf(l.url).signature)).not.toEqual(lb.map((l) => partsOf(l.url).signature));
    await fetchMedia(la[0].url);
    await expectRefused(la[0].url.replace(a.url, b.url), 'a random secret on another instance');
  });
});

describe('the media secret setting of sora-kit serve', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sora-links-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes from --media-secret, SORA_MOCK_MEDIA_SECRET or the config file (in that order), and --print-config redacts it', async () => {
    const file = join(dir, 'sora-mock.json');
    writeFileSync(file, JSON.stringify({ mediaSecret: 'from-file-secret' }));
    const fromFlag = await loadServeConfig({ flags: { mediaSecret: 'from-flag-secret' }, env: { SORA_MOCK_MEDIA_SECRET: 'from-env-secret' }, configFile: file });
    const fromEnv = await loadServeConfig({ env: { SORA_MOCK_MEDIA_SECRET: 'from-env-secret' }, configFile: file });
    const fromFile = await loadServeConfig({ env: {}, configFile: file });
    expect([fromFlag, fromEnv, fromFile].map((c) => [c.mock.mediaSecret, c.sources.mediaSecret])).toEqual([
      ['from-flag-secret', 'flag'],
      ['from-env-secret', 'env'],
      ['from-file-secret', 'file'],
    ]);
    const printed = JSON.stringify(printableConfig(fromFlag, createSoraMock(fromFlag.mock)));
    expect(printed).not.toContain('from-flag-secret');
    expect(printed).toContain('"mediaSecret":"***"');
    await expect(loadServeConfig({ flags: { mediaSecret: '' }, env: {} })).rejects.toThrow(/--media-secret: expected a non-empty string/);
  });

  it('is shown nowhere: not in the options, the admin state or the inspector', async () => {
    const served = await start({ mediaSecret: SECRET, admin: true }, true);
    await issueLinks(served, PROMPT);
    const shown = [
      JSON.stringify(served.server.mock.options),
      await (await fetch(`${served.url}/__sora/state`)).text(),
      await (await fetch(`${served.url}/__sora/inspector/state`)).text(),
      await (await fetch(`${served.url}/__sora/requests`)).text(),
    ];
    expect(shown[1]).toContain('"seed":"sora-kit"');
    for (const text of shown) expect(text).not.toContain(SECRET);
  });

  it('makes two servers configured alike agree on links', async () => {
    const config = await loadServeConfig({ env: { SORA_MOCK_MEDIA_SECRET: SECRET } });
    const [one, two] = [await start(config.mock), await start(config.mock)];
    const image = await okJson<{ data: { url: string }[] }>(await post(one, '/images/generations', { prompt: 'fox', model: 'sora_image' }));
    await fetchMedia(image.data[0].url.replace(one.url, two.url));
  });
});
