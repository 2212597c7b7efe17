/**
 * Network faults (src/mock/network.ts) over real sockets with the Node server, and as msw gives them:
 * `reset` leaves the client with a short body and an error, `latency` holds the answer back,
 * `bandwidth` delivers the body in pieces. Every entry point: mock.faults.add, POST /__sora/faults,
 * the `faults` option (config), and the Prefer header. No exact timings: only generous lower bounds.
 */
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraHandlers } from '../../src/adapters/msw.js';
import { createSoraServer, type SoraServer } from '../../src/adapters/node.js';
import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMock } from '../../src/mock/types.js';

const LICENCE = 'sk-sora-mock';
const auth = { authorization: `Bearer ${LICENCE}` };

/** Read a body to its end or its error: how many bytes came, in how many pieces, and the error if any. */
async function drain(response: Response): Promise<{ bytes: number; pieces: number; error?: unknown }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let bytes = 0;
  let pieces = 0;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) return { bytes, pieces };
      bytes += next.value.byteLength;
      pieces++;
    }
  } catch (error) {
    return { bytes, pieces, error };
  }
}

/** A completed video job (the mock is instant) and the URL of its MP4. */
async function videoContentUrl(base: string): Promise<string> {
  const client = new OpenAI({ apiKey: LICENCE, baseURL: `${base}/sora/v1`, maxRetries: 0 });
  const video = await client.videos.create({ model: 'sora_video2', prompt: 'a fox in the snow' } as never);
  expect(video.status).toBe('completed');
  return `${base}/sora/v1/videos/${video.id}/content`;
}

describe.concurrent('network faults on the Node server (real sockets)', () => {
  let server: SoraServer;
  let base: string;
  let mock: SoraMock;
  beforeAll(async () => {
    server = createSoraServer({ instant: true, admin: true, mediaWorkers: 0 });
    base = (await server.listen()).url;
    mock = server.mock;
  });
  afterAll(() => server.close());

  it('reset (mock.faults.add) mid-MP4: the client has a short body and an error; the next download is whole', async () => {
    const url = await videoContentUrl(base);
    // Its own video's route: the other tests run at the same time.
    const handle = mock.faults.add({ network: 'reset', bytes: 5000, times: 1, route: `GET ${new URL(url).pathname.replace('/sora/v1', '')}` });
    const cut = await fetch(url, { headers: auth });
    expect(cut.status).toBe(200);
    const length = Number(cut.headers.get('content-length'));
    expect(length).toBeGreaterThan(5000);
    const got = await drain(cut);
    expect(got.error).toBeDefined();
    expect(got.bytes).toBe(5000);
    const entry = mock.requests({ path: new URL(url).pathname }).find((e) => e.network);
    expect(entry?.network).toEqual({ kind: 'reset', bytes: 5000, fault: handle.id });

    const whole = await fetch(url, { headers: auth });
    const again = await drain(whole);
    expect(again).toMatchObject({ bytes: length });
    expect(again.error).toBeUndefined();
  });

  it('reset without bytes cuts at 60 % of the Content-Length; POST /__sora/faults takes it too', async () => {
    const url = await videoContentUrl(base);
    const added = await fetch(`${base}/__sora/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'reset', times: 1, route: `GET ${new URL(url).pathname.replace('/sora/v1', '')}` }),
    });
    expect(added.status).toBe(201);
    const cut = await fetch(url, { headers: auth });
    const length = Number(cut.headers.get('content-length'));
    const got = await drain(cut);
    expect(got.error).toBeDefined();
    expect(got.bytes).toBe(Math.floor(length * 0.6));
  });

  it('reset through the Prefer header; a Range resume then gets the rest', async () => {
    const url = await videoContentUrl(base);
    const cut = await fetch(url, { headers: { ...auth, prefer: 'network=reset; bytes=1234' } });
    const length = Number(cut.headers.get('content-length'));
    const got = await drain(cut);
    expect(got).toMatchObject({ bytes: 1234 });
    expect(got.error).toBeDefined();
    const rest = await fetch(url, { headers: { ...auth, range: `bytes=${got.bytes}-` } });
    expect(rest.status).toBe(206);
    expect((await drain(rest)).bytes).toBe(length - 1234);
  });

  it('latency: nothing arrives before the delay (a generous lower bound)', async () => {
    const started = performance.now();
    const response = await fetch(`${base}/sora/v1/models`, { headers: { ...auth, prefer: 'network=latency; ms=400' } });
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    expect(mock.requests({ path: '/sora/v1/models' }).find((e) => e.network)?.network).toEqual({ kind: 'latency', ms: 400 });
  });

  it('bandwidth: an MP4 arrives in many pieces, over at least half the time its size takes at the rate', async () => {
    const url = await videoContentUrl(base);
    const rate = 40_000;
    const started = performance.now();
    const response = await fetch(url, { headers: { ...auth, prefer: `network=bandwidth; bytesPerSecond=${rate}` } });
    const got = await drain(response);
    expect(got.error).toBeUndefined();
    expect(got.bytes).toBe(Number(response.headers.get('content-length')));
    expect(got.pieces).toBeGreaterThan(3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(((got.bytes / rate) * 1000) / 2);
  });

  it('a bad network fault is a 400 naming the parameter: Prefer, and POST /__sora/faults', async () => {
    const badPrefer = await fetch(`${base}/sora/v1/models`, { headers: { ...auth, prefer: 'network=unplug' } });
    expect(badPrefer.status).toBe(400);
    expect((await badPrefer.json()).error).toMatchObject({ param: 'Prefer', code: 'unknown_network_fault' });
    const badParam = await fetch(`${base}/__sora/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ network: 'reset', ms: 5 }),
    });
    expect(badParam.status).toBe(400);
    const error = (await badParam.json()).error as { message: string; param: string };
    expect(error.param).toBe('ms');
    expect(error.message).toMatch(/latency/);
  });
});

describe('network faults from the configuration (the faults option)', () => {
  it('are in force from the start and again after reset; a scenario fault and a network fault are one table', async () => {
    const mock = createSoraMock({ instant: true, faults: [{ network: 'latency', ms: 1, route: 'GET /models' }, { scenario: 'server_error', route: 'GET /videos' }] });
    const call = (path: string) => mock.fetch(new Request(`http://127.0.0.1/sora/v1${path}`, { headers: auth }));
    await call('/models');
    expect((await call('/videos')).status).toBe(500);
    mock.reset();
    await call('/models');
    expect(mock.requests().map((e) => e.network?.kind ?? null)).toEqual(['latency']);
    expect(mock.faults.list().map((f) => f.network ?? f.scenario)).toEqual(['latency', 'server_error']);
    expect(() => createSoraMock({ faults: [{ network: 'bandwidth', bytesPerSecond: 0 } as never] })).toThrow(/faults\[0\]\.bytesPerSecond/);
  });
});

describe('network faults in msw (the closest a Fetch Response comes)', () => {
  const ORIGIN = 'https://sora.network.test';
  const handlers = createSoraHandlers({ instant: true, baseUrl: ORIGIN });
  const msw = setupServer(...handlers);
  beforeAll(() => msw.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => msw.close());

  it('reset: the body errors after `bytes`; with 0 bytes the fetch itself fails', async () => {
    const url = await videoContentUrl(ORIGIN);
    const cut = await fetch(url, { headers: { ...auth, prefer: 'network=reset; bytes=3000' } });
    const got = await drain(cut);
    expect(got.bytes).toBe(3000);
    expect(got.error).toBeDefined();
    await expect(fetch(url, { headers: { ...auth, prefer: 'network=reset; bytes=0' } })).rejects.toThrow();
  });

  it('bandwidth: the body comes in pieces; latency delays the answer', async () => {
    const url = await videoContentUrl(ORIGIN);
    const got = await drain(await fetch(url, { headers: { ...auth, prefer: 'network=bandwidth; bytesPerSecond=200000' } }));
    expect(got.error).toBeUndefined();
    expect(got.pieces).toBeGreaterThan(3);
    const started = performance.now();
    await fetch(`${ORIGIN}/sora/v1/models`, { headers: { ...auth, prefer: 'network=latency; ms=300' } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });
});

describe('network faults in the serve configuration', () => {
  it('a config file\'s faults reach the mock; a bad one is a ConfigError naming the key', async () => {
    const { mergeSettings, settingsFromFile } = await import('../../src/cli/config.js');
    const config = mergeSettings([{ source: 'file', settings: settingsFromFile({ faults: [{ network: 'reset', bytes: 10, route: 'GET /videos/:id/content', times: 1 }] }, 'sora.json') }]);
    expect(config.mock.faults).toEqual([{ network: 'reset', bytes: 10, route: 'GET /videos/:id/content', times: 1 }]);
    expect(() => settingsFromFile({ faults: [{ network: 'reset', ms: 3 }] }, 'sora.json')).toThrow(/faults/);
  });
});
