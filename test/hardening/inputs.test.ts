/**
 * Hardening of the inputs: every request parameter is bounded (prompt text, messages, image parts,
 * names, sizes, URLs), every value an error quotes is cut, hostile nesting is a 400 and not a 500, and
 * remote input images are fetched once per distinct URL and only where the allow-list really says so.
 * Sizes are chosen so the file runs in seconds: a 2 MB value stands for the 40 MB ones of the reports.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer } from '../../src/adapters/node.js';
import { createSoraMock, resolveOptions } from '../../src/mock/app.js';
import { isFetchAllowed } from '../../src/mock/inputs.js';
import type { SoraMock } from '../../src/mock/types.js';
import { describeValue } from '../../src/spec/rules.js';
import { parseModelName } from '../../src/spec/model.js';
import { REPO_ROOT } from '../e2e/support.js';
import { LICENCE, ORIGIN, call, pngBytes } from '../mock/helpers.js';

/** The contract, spelled out here so a change of a limit is a visible change of this test. */
const PROMPT_CAP = 32_000;
const MESSAGES_CAP = 64;
const IMAGE_PARTS_CAP = 16;
const BIG = 2 * 1024 * 1024;
const SMALL_ANSWER = 2 * 1024;

const user = (content: unknown) => [{ role: 'user', content }];

interface Envelope {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** A 400 envelope whose whole body is small, whatever the request carried. */
async function small400(response: Response, status = 400): Promise<Envelope> {
  const text = await response.text();
  expect(response.status, text.slice(0, 300)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(Buffer.byteLength(text), text.slice(0, 300)).toBeLessThan(SMALL_ANSWER);
  const { error } = JSON.parse(text) as { error: Envelope };
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'param', 'type']);
  return error;
}

function form(fields: Record<string, string | Blob>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return body;
}

let mock: SoraMock;
let videoId: string;
let png: Uint8Array;

beforeAll(async () => {
  mock = createSoraMock({ instant: true, admin: true });
  png = await pngBytes();
  const created = await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a fox' } });
  videoId = ((await created.json()) as { id: string }).id;
});

describe('1. every input is bounded', () => {
  it('a 2 MB chat prompt is a small 400 naming the limit and the param, and starts no job', async () => {
    const before = mock.jobs().length;
    const error = await small400(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', messages: user('x'.repeat(BIG)) } }));
    expect(error.param).toMatch(/^messages/);
    expect(error.message).toContain(String(PROMPT_CAP));
    expect(error.message).toContain(`'${error.param}'`);
    expect(mock.jobs().length).toBe(before);
  });

  it('counts the prompt over every text part and every message, separators included', async () => {
    const half = 'y'.repeat(PROMPT_CAP / 2);
    const parts = [
      { type: 'text', text: half },
      { type: 'text', text: half },
    ];
    // Joined by the newline the mock reads its prompt with, two halves are one character too many.
    const overByParts = await small400(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', messages: user(parts) } }));
    expect(overByParts.message).toContain(String(PROMPT_CAP));
    const overByMessages = await small400(
      await call(mock, 'POST', '/chat/completions', {
        body: { model: 'sora_video2', messages: [{ role: 'system', content: half + half }, { role: 'user', content: 'z' }] },
      }),
    );
    expect(overByMessages.param).toBe('messages');
    expect(overByMessages.message).toContain(String(PROMPT_CAP));

    const exact = [
      { type: 'text', text: half },
      { type: 'text', text: half.slice(1) },
    ];
    const ok = await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', messages: user(exact) } });
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it('never stores a job with more than the cap, whatever the route', async () => {
    const at = 'p'.repeat(PROMPT_CAP);
    const over = `${at}q`;
    for (const [path, body] of [
      ['/chat/completions', { model: 'sora_video2', messages: user(at) }],
      ['/chat/completions', { model: 'sora_video2', messages: user(over) }],
      ['/chat/completions', { model: 'sora_video2', messages: user([{ type: 'text', text: over }]) }],
      ['/videos', { model: 'sora_video2', prompt: at }],
      ['/videos', { model: 'sora_video2', prompt: over }],
      [`/videos/${videoId}/remix`, { prompt: over }],
    ] as const) {
      await (await call(mock, 'POST', path, { body })).text();
    }
    const jobs = mock.jobs();
    expect(jobs.some((j) => j.prompt?.length === PROMPT_CAP)).toBe(true);
    for (const job of jobs) expect((job.prompt ?? '').length).toBeLessThanOrEqual(PROMPT_CAP);
    const page = await call(mock, 'GET', '/videos?limit=1');
    expect((await page.text()).length).toBeLessThan(PROMPT_CAP + 2048);
  });

  it('bounds the number of messages, of content parts and of image parts', async () => {
    const many = Array.from({ length: MESSAGES_CAP + 1 }, () => ({ role: 'user', content: 'hi' }));
    const messages = await small400(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: many } }));
    expect(messages).toMatchObject({ param: 'messages' });
    expect(messages.message).toContain(String(MESSAGES_CAP));
    const fine = await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: many.slice(1) } });
    expect(fine.status).toBe(200);
    await fine.text();

    const image = { type: 'image_url', image_url: { url: 'https://cdn.example/cat.png' } };
    const images = await small400(
      await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user(Array.from({ length: IMAGE_PARTS_CAP + 1 }, () => image)) } }),
    );
    expect(images.param).toMatch(/^messages/);
    expect(images.message).toContain(String(IMAGE_PARTS_CAP));
    // Image parts count over the whole request, not per message.
    const spread = Array.from({ length: IMAGE_PARTS_CAP + 1 }, () => ({ role: 'user', content: [image] }));
    expect((await small400(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: spread } }))).message).toContain(
      String(IMAGE_PARTS_CAP),
    );

    const emptyParts = Array.from({ length: 100_000 }, () => ({ type: 'text', text: '' }));
    const parts = await small400(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user([...emptyParts, { type: 'text', text: 'x' }]) } }));
    expect(parts.param).toMatch(/^messages\.0\.content/);
  });

  it('bounds image URLs (a long http URL is a quick 400, not a regex running for hours) and names', async () => {
    const longUrl = await small400(
      await call(mock, 'POST', '/chat/completions', {
        body: { model: 'sora_image', messages: user([{ type: 'image_url', image_url: { url: `http://${'a'.repeat(BIG)} ` } }]) },
      }),
    );
    expect(longUrl.param).toBe('messages.0.content.0.image_url.url');
    expect(longUrl.message).toMatch(/8192/);
    const name = await small400(
      await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: [{ role: 'user', content: 'x', name: 'n'.repeat(BIG) }] } }),
    );
    expect(name.param).toBe('messages.0.name');
  }, 10_000);

  it('keeps memory bounded over HTTP: big chat prompts are refused without being kept (inspector watching)', async () => {
    const server: SoraServer = createSoraServer({ instant: true }, { inspector: true });
    const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
    const viewer = new AbortController();
    // A viewer on the inspector's event stream, as in the report; its bytes are read and dropped.
    const events = await fetch(`${url}/__sora/inspector/events`, { signal: viewer.signal });
    const reader = events.body!.getReader();
    let seen = 0;
    const draining = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          seen += value.byteLength;
        }
      } catch {
        // aborted
      }
    })();
    try {
      // The client's bytes are made once, before measuring, so what grows is the server's.
      const body = Buffer.from(JSON.stringify({ model: 'sora_video2', messages: user('x'.repeat(12 * 1024 * 1024)), stream: true }));
      const before = process.memoryUsage().rss;
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${url}/sora/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: LICENCE, 'content-type': 'application/json' },
          body,
        });
        await small400(response);
      }
      const list = await fetch(`${url}/sora/v1/videos?limit=1`, { headers: { authorization: LICENCE } });
      expect((await list.text()).length).toBeLessThan(SMALL_ANSWER);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const grown = process.memoryUsage().rss - before;
      expect(grown, `RSS grew by ${Math.round(grown / 1e6)} MB`).toBeLessThan(150 * 1024 * 1024);
      expect(seen).toBeLessThan(1024 * 1024);
    } finally {
      viewer.abort();
      await draining;
      await server.close();
    }
  }, 30_000);
});

describe('2. every value an error quotes is cut', () => {
  const huge = 'x'.repeat(BIG);
  const digits = '9'.repeat(BIG);
  const file = () => new File([png as BlobPart], 'in.png', { type: 'image/png' });
  const json = (path: string, body: unknown, method = 'POST') => () => call(mock, method, path, { body });
  const multipart = (path: string, fields: Record<string, string | Blob>) => () => call(mock, 'POST', path, { body: form(fields) });
  const get = (path: string, method = 'GET') => () => call(mock, method, path);
  const chat = (extra: Record<string, unknown>) => json('/chat/completions', { model: 'sora_image', messages: user('a cat'), ...extra });
  const imageFields = { prompt: 'a cat', model: 'sora_image' };
  const videoFields = { prompt: 'a cat', model: 'sora_video2' };
  const mid = 'x'.repeat(3_500);
  const admin = (body: unknown) => () => call(mock, 'POST', `${ORIGIN}/__sora/faults`, { body });

  const cases: Array<[string, () => Promise<Response>, string | null]> = [
    ['chat model', chat({ model: huge }), 'model'],
    ['chat size', chat({ size: huge }), 'size'],
    ['chat n as a huge string', chat({ n: digits }), 'n'],
    ['chat n as a huge number', () => call(mock, 'POST', '/chat/completions', { body: `{"model":"sora_image","messages":[{"role":"user","content":"x"}],"n":${digits}}` }), 'n'],
    ['chat stream', chat({ stream: huge }), 'stream'],
    ['chat watermark', chat({ watermark: huge }), 'watermark'],
    ['chat role', chat({ messages: [{ role: huge, content: 'x' }] }), 'messages.0.role'],
    ['chat prompt', chat({ messages: user(huge) }), null],
    ['chat text part', chat({ messages: user([{ type: 'text', text: huge }]) }), null],
    ['chat part type', chat({ messages: user([{ type: huge, text: 'x' }]) }), null],
    ['chat data URI', chat({ messages: user([{ type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(BIG)}%` } }]) }), 'messages.0.content.0.image_url.url'],
    ['chat image url', chat({ messages: user([{ type: 'image_url', image_url: { url: `https://${huge}` } }]) }), 'messages.0.content.0.image_url.url'],
    ['images prompt', json('/images/generations', { ...imageFields, prompt: huge }), 'prompt'],
    ['images model', json('/images/generations', { ...imageFields, model: huge }), 'model'],
    ['images size', json('/images/generations', { ...imageFields, size: huge }), 'size'],
    ['images n', json('/images/generations', { ...imageFields, n: digits }), 'n'],
    ['images response_format', json('/images/generations', { ...imageFields, response_format: huge }), 'response_format'],
    ['images form model', multipart('/images/generations', { ...imageFields, model: huge }), 'model'],
    ['images form size', multipart('/images/generations', { ...imageFields, size: huge }), 'size'],
    ['images form n', multipart('/images/generations', { ...imageFields, n: digits }), 'n'],
    ['images form response_format', multipart('/images/generations', { ...imageFields, response_format: huge }), 'response_format'],
    ['edits model', () => call(mock, 'POST', '/images/edits', { body: form({ ...imageFields, model: huge, image: file() }) }), 'model'],
    ['edits size', () => call(mock, 'POST', '/images/edits', { body: form({ ...imageFields, size: huge, image: file() }) }), 'size'],
    ['edits n', () => call(mock, 'POST', '/images/edits', { body: form({ ...imageFields, n: digits, image: file() }) }), 'n'],
    ['edits prompt', () => call(mock, 'POST', '/images/edits', { body: form({ ...imageFields, prompt: huge, image: file() }) }), 'prompt'],
    ['edits image as text', multipart('/images/edits', { ...imageFields, image: huge }), 'image.0'],
    ['videos prompt', json('/videos', { ...videoFields, prompt: huge }), 'prompt'],
    ['videos model', json('/videos', { ...videoFields, model: huge }), 'model'],
    ['videos size', json('/videos', { ...videoFields, size: huge }), 'size'],
    ['videos seconds', json('/videos', { ...videoFields, seconds: digits }), 'seconds'],
    ['videos watermark', json('/videos', { ...videoFields, watermark: huge }), 'watermark'],
    ['videos form model', multipart('/videos', { ...videoFields, model: huge }), 'model'],
    ['videos form seconds', multipart('/videos', { ...videoFields, seconds: huge }), 'seconds'],
    ['videos form input_reference as text', multipart('/videos', { ...videoFields, input_reference: huge }), 'input_reference'],
    ['remix model', () => call(mock, 'POST', `/videos/${videoId}/remix`, { body: { prompt: 'p', model: huge } }), 'model'],
    ['remix prompt', () => call(mock, 'POST', `/videos/${videoId}/remix`, { body: { prompt: huge } }), 'prompt'],
    ['remix video id', json(`/videos/${huge}/remix`, { prompt: 'p' }), 'video_id'],
    ['retrieve video id', get(`/videos/${huge}`), 'video_id'],
    ['delete video id', get(`/videos/${huge}`, 'DELETE'), 'video_id'],
    ['content video id', get(`/videos/${huge}/content`), 'video_id'],
    ['content variant', () => call(mock, 'GET', `/videos/${videoId}/content?variant=${huge}`), 'variant'],
    ['list after', get(`/videos?after=${huge}`), 'after'],
    ['list limit', get(`/videos?limit=${digits}`), 'limit'],
    ['list order', get(`/videos?order=${huge}`), 'order'],
    ['Prefer header', () => call(mock, 'GET', '/models', { headers: { prefer: `scenario=${huge}` } }), 'Prefer'],
    ['fault model (admin bodies are 4 KiB at most)', admin({ scenario: 'slow', model: mid }), 'model'],
    ['fault route', admin({ scenario: 'slow', route: mid }), 'route'],
    ['fault unknown key', admin({ scenario: 'slow', [mid]: 1 }), null],
    ['advance ms', () => call(mock, 'POST', `${ORIGIN}/__sora/advance`, { body: { ms: mid } }), 'ms'],
    ['journal path', get(`${ORIGIN}/__sora/requests?path=${huge}`), 'path'],
    ['journal unknown query key', get(`${ORIGIN}/__sora/requests?${huge}=1`), null],
  ];

  it.each(cases)('%s: a 2 MB value gives a 400 under 2 KiB', async (_name, send, param) => {
    const error = await small400(await send());
    if (param !== null) expect(error.param).toBe(param);
    expect((error.param ?? '').length).toBeLessThan(200);
  });

  it('the model-name grammar quotes a cut name, and refuses an absurdly long one at once', () => {
    for (const name of [`sora_video2-${huge}`, `sora_image-${huge}`, huge, `sora_video2-hd-${'-'.repeat(BIG)}`]) {
      const parsed = parseModelName(name);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.error.message.length).toBeLessThan(400);
        expect(parsed.error.name.length).toBeLessThan(400);
      }
    }
  });

  it('describeValue stays short and never throws, for long, deep, wide and odd values', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50_000; i++) deep = [deep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [huge, deep, Array.from({ length: 100_000 }, () => huge), { [huge]: huge }, cyclic, 10n ** 1000n, Symbol(huge)]) {
      expect(describeValue(value).length).toBeLessThan(200);
    }
    expect(describeValue(huge)).toContain(`(${BIG} characters)`);
  });
});

describe('3. deep nesting is a 400, not a 500', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const send = (path: string, fields: Record<string, string>, field: string, depth: number) => {
    const members = Object.entries({ ...fields, [field]: nested(depth) }).map(([k, v]) => `${JSON.stringify(k)}:${v}`);
    return call(mock, 'POST', path, { body: `{${members.join(',')}}`, headers: { 'content-type': 'application/json' } });
  };
  const chatFields = { model: '"sora_image"', messages: '[{"role":"user","content":"x"}]' };
  const imageFields = { model: '"sora_image"', prompt: '"p"' };
  const videoFields = { model: '"sora_video2"', prompt: '"p"' };
  const endpoints: Array<[string, () => string, Record<string, string>, string[]]> = [
    ['/chat/completions', () => '/chat/completions', chatFields, ['model', 'messages', 'n', 'size', 'stream', 'watermark']],
    ['/images/generations', () => '/images/generations', imageFields, ['model', 'prompt', 'n', 'size', 'response_format']],
    ['/videos', () => '/videos', videoFields, ['model', 'prompt', 'size', 'seconds', 'watermark']],
    ['/videos/{id}/remix', () => `/videos/${videoId}/remix`, { prompt: '"p"' }, ['model', 'prompt']],
  ];

  for (const depth of [5_000, 50_000]) {
    for (const [name, path, fields, params] of endpoints) {
      it.each(params)(`${name}: '%s' nested ${depth} deep`, async (field) => {
        const error = await small400(await send(path(), fields, field, depth));
        // The field itself, or its first item for an array field ('messages.0').
        expect(error.param === field || error.param === `${field}.0`, String(error.param)).toBe(true);
      });
    }
    it(`chat: message content and parts nested ${depth} deep`, async () => {
      const content = await small400(
        await call(mock, 'POST', '/chat/completions', {
          body: `{"model":"sora_image","messages":[{"role":"user","content":${nested(depth)}}]}`,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(content.param).toMatch(/^messages\.0\.content/);
      const part = await small400(
        await call(mock, 'POST', '/chat/completions', {
          body: `{"model":"sora_image","messages":[{"role":"user","content":[{"type":"text","text":${nested(depth)}}]}]}`,
          headers: { 'content-type': 'application/json' },
        }),
      );
      expect(part.param).toMatch(/^messages\.0\.content\.0/);
    });
    it(`/images/edits (multipart only) answers a JSON body ${depth} deep with a 415 envelope`, async () => {
      await small400(await send('/images/edits', imageFields, 'model', depth), 415);
    });
  }

  it('the admin endpoints (4 KiB bodies) answer 2,000 deep with a 400 envelope', async () => {
    const body = (json: string) => ({ body: json, headers: { 'content-type': 'application/json' } });
    const fault = await small400(await call(mock, 'POST', `${ORIGIN}/__sora/faults`, body(`{"scenario":${nested(2_000)}}`)));
    expect(fault.param).toBe('scenario');
    const advance = await small400(await call(mock, 'POST', `${ORIGIN}/__sora/advance`, body(`{"ms":${nested(2_000)}}`)));
    expect(advance.param).toBe('ms');
  });
});

describe('4. fetching remote input images', () => {
  let origin: Server;
  let port: number;
  const hits: string[] = [];

  beforeAll(async () => {
    origin = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((done) => origin.listen(0, '127.0.0.1', done));
    port = (origin.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((done) => origin.close(() => done())));

  const chatWith = (target: SoraMock, urls: string[]) =>
    call(target, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: user([{ type: 'text', text: 'x' }, ...urls.map((url) => ({ type: 'image_url', image_url: { url } }))]) },
    });

  it('fetches each distinct URL once per request, through a host:port glob', async () => {
    const fetching = createSoraMock({ instant: true, fetchImages: { allow: [`127.0.0.1:${port}`] } });
    hits.length = 0;
    const same = `http://127.0.0.1:${port}/cat.png`;
    const one = await chatWith(fetching, Array.from({ length: IMAGE_PARTS_CAP }, () => same));
    expect(one.status, await one.clone().text()).toBe(200);
    await one.text();
    expect(hits).toEqual(['/cat.png']);

    hits.length = 0;
    const two = await chatWith(fetching, Array.from({ length: IMAGE_PARTS_CAP }, (_, i) => `http://127.0.0.1:${port}/${i % 2 ? 'a' : 'b'}.png`));
    expect(two.status).toBe(200);
    await two.text();
    expect(hits.sort()).toEqual(['/a.png', '/b.png']);

    // The same through a glob without a port (which matched before host:port globs existed).
    hits.length = 0;
    const anyPort = createSoraMock({ instant: true, fetchImages: { allow: ['127.0.0.1'] } });
    const again = await chatWith(anyPort, Array.from({ length: IMAGE_PARTS_CAP }, () => same));
    expect(again.status).toBe(200);
    await again.text();
    expect(hits).toEqual(['/cat.png']);

    // Over the cap, nothing is fetched at all.
    hits.length = 0;
    await small400(await chatWith(fetching, Array.from({ length: IMAGE_PARTS_CAP + 1 }, () => same)));
    expect(hits).toEqual([]);
  });

  it('a host:port glob matches that port only; a glob without a port matches any', () => {
    const allows = (url: string, rules: string[]) => isFetchAllowed(new URL(url), rules);
    expect(allows('http://127.0.0.1:5322/x.png', ['127.0.0.1:5322'])).toBe(true);
    expect(allows('http://127.0.0.1:5323/x.png', ['127.0.0.1:5322'])).toBe(false);
    expect(allows('http://127.0.0.1/x.png', ['127.0.0.1:5322'])).toBe(false);
    expect(allows('https://a.example.com:8443/x.png', ['*.example.com:8443'])).toBe(true);
    expect(allows('https://a.example.com/x.png', ['*.example.com:8443'])).toBe(false);
    expect(allows('https://example.com/x.png', ['example.com:443'])).toBe(true);
    expect(allows('http://example.com/x.png', ['example.com:80'])).toBe(true);
    expect(allows('http://[::1]:8080/x.png', ['[::1]:8080'])).toBe(true);
    expect(allows('http://[::1]:8081/x.png', ['[::1]:8080'])).toBe(false);
    expect(allows('http://127.0.0.1:5322/x.png', ['127.0.0.1'])).toBe(true);
  });

  it('a prefix rule compares decoded, normalised paths: no way out of the prefix', () => {
    const allows = (url: string) => isFetchAllowed(new URL(url), ['https://cdn.test/img/']);
    expect(allows('https://cdn.test/img/cat.png')).toBe(true);
    expect(allows('https://cdn.test/img/sub/a%20b.png')).toBe(true);
    for (const escape of [
      'https://cdn.test/img/../secret',
      'https://cdn.test/img/%2e%2e/secret',
      'https://cdn.test/img/%2E%2E/secret',
      'https://cdn.test/img/..%2fsecret',
      'https://cdn.test/img/%2e%2e%2fsecret',
      'https://cdn.test/img/%252e%252e%252fsecret',
      'https://cdn.test/img/..%5csecret',
      'https://cdn.test/img%2f..%2fsecret',
      'https://cdn.test/secret',
    ]) {
      expect(allows(escape), escape).toBe(false);
    }
    // A prefix without a trailing slash still means whole segments: /img admits /img/x, not /imgs.
    expect(isFetchAllowed(new URL('https://cdn.test/img/cat.png'), ['https://cdn.test/img'])).toBe(true);
    expect(isFetchAllowed(new URL('https://cdn.test/imgsecret/cat.png'), ['https://cdn.test/img'])).toBe(false);
  });

  it('an escaping URL is not fetched through a prefix rule (over HTTP to a counting server)', async () => {
    const fetching = createSoraMock({ instant: true, fetchImages: { allow: [`http://127.0.0.1:${port}/img/`] } });
    hits.length = 0;
    const inside = await chatWith(fetching, [`http://127.0.0.1:${port}/img/cat.png`]);
    expect(inside.status).toBe(200);
    await inside.text();
    expect(hits).toEqual(['/img/cat.png']);
    hits.length = 0;
    for (const url of [`http://127.0.0.1:${port}/img/..%2fsecret.png`, `http://127.0.0.1:${port}/img/%2e%2e%2Fsecret.png`]) {
      const outside = await chatWith(fetching, [url]);
      expect(outside.status).toBe(200);
      await outside.text();
    }
    expect(hits).toEqual([]);
  });

  it('refuses a malformed allow-list rule at start-up with a clear error', () => {
    for (const rule of ['127.0.0.1:port', 'https://', 'cdn.test/img/', '']) {
      expect(() => resolveOptions({ fetchImages: { allow: [rule] } }), rule).toThrow(/fetchImages/);
    }
    expect(() => resolveOptions({ fetchImages: { allow: ['127.0.0.1:5322', '*.example.com', 'https://cdn.test/img/'] } })).not.toThrow();
  });
});

describe('the limits are documented', () => {
  it('the Limits section of specs/mock.md gives every bound of src/spec/limits.ts', async () => {
    const limits: Record<string, unknown> = await import('../../src/spec/limits.js');
    const doc = readFileSync(resolve(REPO_ROOT, 'specs/mock.md'), 'utf8');
    const start = doc.indexOf('\n## Limits\n');
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    for (const [name, value] of Object.entries(limits)) {
      expect(typeof value, name).toBe('number');
      expect(section, name).toContain((value as number).toLocaleString('en-US'));
    }
  });
});
