/**
 * CORS for browser clients on another origin, through both ways the Node server runs: createSoraServer
 * as a library uses the platform's Request/Response, `sora-kit serve` lets @hono/node-server replace
 * them with its lightweight ones (`overrideGlobalObjects`). Every answer a page can get (successful
 * POSTs, streams, reads, errors, preflights) must carry the same CORS headers in both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LICENCE, serve, type Served } from '../e2e/support.js';
import { serveCli, type ServedCli } from '../helpers/serve-cli.js';

const PAGE = 'http://127.0.0.1:5173';
const json = { authorization: `Bearer ${LICENCE}`, 'content-type': 'application/json', origin: PAGE };

/** The POSTs a page makes, each with what a successful answer looks like. */
const POSTS: { name: string; path: string; body: unknown; contentType: RegExp }[] = [
  { name: 'chat', path: '/chat/completions', body: { model: 'sora_image', messages: [{ role: 'user', content: 'a cat' }] }, contentType: /^application\/json/ },
  {
    name: 'streamed chat',
    path: '/chat/completions',
    body: { model: 'sora_image', stream: true, messages: [{ role: 'user', content: 'a cat' }] },
    contentType: /^text\/event-stream/,
  },
  { name: 'image generation', path: '/images/generations', body: { model: 'sora_image', prompt: 'a cat' }, contentType: /^application\/json/ },
  { name: 'video', path: '/videos', body: { model: 'sora_video2', prompt: 'a cat' }, contentType: /^application\/json/ },
];

function expectCors(response: Response, what: string) {
  expect(response.headers.get('access-control-allow-origin'), what).toBe('*');
  expect(response.headers.get('access-control-expose-headers'), what).toContain('Retry-After');
  expect(response.headers.get('vary'), what).toMatch(/\bOrigin\b/);
}

let library: Served;
let cli: ServedCli;
beforeAll(async () => {
  [library, cli] = await Promise.all([serve({ instant: true }), serveCli(['--instant', '--quiet'])]);
}, 30_000);
afterAll(async () => {
  await Promise.all([library?.server.close(), cli?.stop()]);
});

const modes = () => [
  { mode: 'createSoraServer', api: library.api },
  { mode: 'sora-kit serve (overrideGlobalObjects)', api: cli.api },
];

describe.concurrent('CORS on both server modes', () => {
  it('successful POSTs (chat, streamed chat, images, videos) carry Access-Control-Allow-Origin', async () => {
    for (const { mode, api } of modes()) {
      for (const post of POSTS) {
        const response = await fetch(`${api}${post.path}`, { method: 'POST', headers: json, body: JSON.stringify(post.body) });
        const what = `${mode}: ${post.name}`;
        expect(response.status, what).toBe(200);
        expect(response.headers.get('content-type'), what).toMatch(post.contentType);
        expectCors(response, what);
        // The body arrives whole (a stream to its end), so the headers were not bought with the body.
        const text = await response.text();
        if (post.name === 'streamed chat') expect(text, what).toContain('data: [DONE]');
        else expect(JSON.parse(text), what).toBeTypeOf('object');
      }
    }
  });

  it('GETs and errors carry it as well', async () => {
    for (const { mode, api } of modes()) {
      expectCors(await fetch(`${api}/models`, { headers: json }), `${mode}: GET /models`);
      const refused = await fetch(`${api}/images/generations`, { method: 'POST', headers: json, body: '{"model":"sora_image"}' });
      expect(refused.status, mode).toBe(400);
      expectCors(refused, `${mode}: 400`);
    }
  });

  it('a preflight allows the headers it asks for (the openai SDK sends x-stainless-*), varying on them', async () => {
    const asked = 'authorization, content-type, x-stainless-os, x-stainless-retry-count, x-custom-trace';
    for (const { mode, api } of modes()) {
      const preflight = await fetch(`${api}/chat/completions`, {
        method: 'OPTIONS',
        headers: { origin: PAGE, 'access-control-request-method': 'POST', 'access-control-request-headers': asked },
      });
      expect(preflight.status, mode).toBe(204);
      expectCors(preflight, mode);
      expect(preflight.headers.get('access-control-allow-headers'), mode).toBe(asked);
      expect(preflight.headers.get('access-control-allow-methods'), mode).toContain('POST');
      expect(preflight.headers.get('vary'), mode).toMatch(/Access-Control-Request-Headers/);
    }
  });

  it('requests without Origin (not from a page) get no CORS headers', async () => {
    for (const { mode, api } of modes()) {
      const response = await fetch(`${api}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${LICENCE}`, 'content-type': 'application/json' },
        body: JSON.stringify(POSTS[0].body),
      });
      expect(response.status, mode).toBe(200);
      expect(response.headers.get('access-control-allow-origin'), mode).toBeNull();
      await response.arrayBuffer();
    }
  });
});
