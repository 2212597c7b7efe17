/**
 * The programmatic handle and the options around the routes: base path and public URL, events,
 * reset, the clock, HEAD, and how stateless file URLs are served (ranges, revalidation).
 */
import { describe, expect, it } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { maskSecret } from '../../src/mock/mask.js';
import { inspectMedia } from '../../src/media/index.js';
import type { JobEvent, JournalEntry } from '../../src/mock/types.js';
import { ImagesResponse, VideoResource } from '../../src/spec/schemas/index.js';
import { LICENCE, ORIGIN, call, expectEnvelope, manualMock } from './helpers.js';

const auth = { authorization: LICENCE };

describe('options', () => {
  it('serves under a custom base path and writes media URLs on the public URL', async () => {
    const mock = manualMock({ basePath: '/api/sora/', publicUrl: 'https://cdn.example/' });
    expect(mock.options.basePath).toBe('/api/sora');
    expect((await expectEnvelope(await call(mock, 'GET', '/models'), 404)).code).toBe('unknown_route');
    const r = await mock.fetch(
      new Request(`${ORIGIN}/api/sora/images/generations`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x', model: 'sora_image' }),
      }),
    );
    const url = (ImagesResponse.parse(await r.json()).data[0] as { url: string }).url;
    expect(url).toMatch(/^https:\/\/cdn\.example\/api\/sora\/files\/[^/]+\.png$/);
    // The path alone finds the file, whichever origin the request came in on.
    const file = await mock.fetch(new Request(url.replace('https://cdn.example', ORIGIN)));
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(await inspectMedia(new Uint8Array(await file.arrayBuffer()))).toMatchObject({ format: 'png', width: 1024, height: 1024 });
  });

  it('uses the request origin for media URLs when no public URL is set', async () => {
    const mock = manualMock();
    const r = await mock.fetch(
      new Request('http://localhost:9999/sora/v1/images/generations', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'x', model: 'sora_image' }),
      }),
    );
    expect((ImagesResponse.parse(await r.json()).data[0] as { url: string }).url.startsWith('http://localhost:9999/sora/v1/files/')).toBe(true);
  });

  it('rejects options that cannot work when the mock is created', () => {
    expect(() => createSoraMock({ basePath: 'sora/v1' })).toThrow(/basePath/);
    expect(() => createSoraMock({ speed: 0 })).toThrow(/speed/);
    expect(() => createSoraMock({ speed: Number.POSITIVE_INFINITY })).toThrow(/speed/);
  });

  it('reports the effective configuration with defaults filled in', () => {
    const mock = createSoraMock();
    expect(mock.options).toMatchObject({
      basePath: '/sora/v1',
      seed: 'sora-kit',
      speed: 1,
      instant: false,
      admin: false,
      cors: true,
      maxBodyBytes: 50 * 1024 * 1024,
      retentionSeconds: 3600,
      fetchImages: false,
      licenses: [{ key: 'sk-sora-mock', features: ['chat', 'images', 'videos'] }],
    });
  });
});

describe('the handle', () => {
  it('emits request and job events, survives a throwing listener, and stops after unsubscribe', async () => {
    const mock = manualMock({ instant: true });
    const requests: JournalEntry[] = [];
    const jobs: JobEvent[] = [];
    mock.on('request', () => {
      throw new Error('a broken log sink');
    });
    const offRequest = mock.on('request', (entry) => requests.push(entry));
    mock.on('job', (event) => jobs.push(event));
    const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } })).json();
    expect((await call(mock, 'DELETE', `/videos/${id}`)).status).toBe(200);
    expect(jobs.map((e) => [e.type, e.job.id])).toEqual([
      ['created', id],
      ['deleted', id],
    ]);
    expect(requests.map((e) => [e.method, e.path, e.status])).toEqual([
      ['POST', '/sora/v1/videos', 200],
      ['DELETE', `/sora/v1/videos/${id}`, 200],
    ]);
    // The journal keeps licences masked (it is readable over HTTP and in the inspector).
    expect(requests[0].license).toBe(maskSecret(LICENCE));
    offRequest();
    await call(mock, 'GET', '/models');
    expect(requests).toHaveLength(2);
    expect(mock.requests()).toHaveLength(3);
  });

  it('reset forgets jobs, the journal, the clock offset and restarts ids', async () => {
    const mock = manualMock();
    const create = async () => (await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } })).json()).id as string;
    const first = await create();
    await create();
    const start = mock.now();
    mock.advance(10_000);
    mock.reset();
    expect(mock.jobs()).toEqual([]);
    expect(mock.requests()).toEqual([]);
    expect(mock.now()).toBe(start);
    expect(await create()).toBe(first);
    expect(() => mock.advance(-1)).toThrow(TypeError);
    expect(() => mock.advance(Number.NaN)).toThrow(TypeError);
  });

  it('lists jobs newest first, as the API shows them at the current time', async () => {
    const mock = manualMock();
    const a = await (await call(mock, 'POST', '/videos', { body: { prompt: 'a', model: 'sora_video2' } })).json();
    const b = await (await call(mock, 'POST', '/videos', { body: { prompt: 'b', model: 'sora_video2-25s-hd-pro' } })).json();
    mock.advance(5_000);
    const views = mock.jobs().map((j) => VideoResource.parse(j));
    expect(views.map((v) => [v.id, v.status])).toEqual([
      [b.id, 'in_progress'],
      [a.id, 'completed'],
    ]);
  });

  it('keeps the request journal bounded, dropping the oldest entries', async () => {
    const mock = manualMock();
    for (let i = 0; i < 1005; i++) await mock.fetch(new Request(`${ORIGIN}/__sora/health?i=${i}`));
    const journal = mock.requests();
    expect(journal).toHaveLength(1000);
    expect(journal[0].path).toBe('/__sora/health?i=5');
    expect(journal.at(-1)?.id).toBe(1005);
  });
});

describe('admin endpoints', () => {
  it('exist only with admin on, and refuse a bad clock advance naming ms', async () => {
    const off = manualMock();
    for (const [method, path] of [['GET', 'state'], ['GET', 'requests'], ['POST', 'reset'], ['POST', 'advance']]) {
      expect((await expectEnvelope(await off.fetch(new Request(`${ORIGIN}/__sora/${path}`, { method })), 404)).code).toBe('unknown_route');
    }
    const on = manualMock({ admin: true });
    const advance = (body: string) =>
      on.fetch(new Request(`${ORIGIN}/__sora/advance`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    for (const body of ['{"ms": -5}', '{"ms": "10"}', '{}', '[]']) {
      const error = await expectEnvelope(await advance(body), 400);
      expect(error.param, body).toBe('ms');
      expect(error.message).toContain('non-negative');
    }
    expect((await expectEnvelope(await advance('{"ms":'), 400)).code).toBe('invalid_json');
    const before = on.now();
    expect(await (await advance('{"ms": 250}')).json()).toEqual({ now: before + 250 });
  });
});

describe('HEAD and stateless files', () => {
  it('answers HEAD on JSON routes with the headers and no body', async () => {
    const mock = manualMock();
    const head = await call(mock, 'HEAD', '/models');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^application\/json/);
    expect(head.body).toBeNull();
    const missing = await call(mock, 'HEAD', '/videos/video_nope');
    expect(missing.status).toBe(404);
    expect(missing.body).toBeNull();
  });

  it('serves a file URL with ranges, If-Range, If-None-Match and HEAD, and refuses it under another extension', async () => {
    const mock = manualMock();
    const body = await (await call(mock, 'POST', '/images/generations', { body: { prompt: 'ranges', model: 'sora_image' } })).json();
    const url: string = body.data[0].url;
    const get = (headers: Record<string, string> = {}, method = 'GET') => mock.fetch(new Request(url, { method, headers }));
    // No Authorization header: files need no licence, as an <img> or <video> tag cannot send one.
    const full = await get();
    expect(full.status).toBe(200);
    const bytes = new Uint8Array(await full.arrayBuffer());
    const etag = full.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(full.headers.get('content-length')).toBe(String(bytes.byteLength));

    const part = await get({ range: 'bytes=0-7' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-7/${bytes.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(0, 8));
    const open = await get({ range: `bytes=${bytes.byteLength - 3}-` });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 3));
    const clamped = await get({ range: `bytes=10-${bytes.byteLength + 1000}` });
    expect(clamped.headers.get('content-range')).toBe(`bytes 10-${bytes.byteLength - 1}/${bytes.byteLength}`);

    // A stale If-Range or several ranges: the whole file, as RFC 9110 allows.
    expect((await get({ range: 'bytes=0-7', 'if-range': '"stale"' })).status).toBe(200);
    expect((await get({ range: 'bytes=0-7', 'if-range': etag })).status).toBe(206);
    expect((await get({ range: 'bytes=0-1,4-5' })).status).toBe(200);
    const bad = await get({ range: 'bytes=-0' });
    expect(bad.headers.get('content-range')).toBe(`bytes */${bytes.byteLength}`);
    expect((await expectEnvelope(bad, 416)).code).toBe('range_not_satisfiable');

    expect((await get({ 'if-none-match': `"other", ${etag}` })).status).toBe(304);
    const head = await get({}, 'HEAD');
    expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(head.body).toBeNull();

    // The signature covers the variant: another extension is another link, which this one does not sign.
    for (const other of ['.webp', '.mp4', '.gif']) {
      expect((await expectEnvelope(await mock.fetch(new Request(url.replace(/\.png$/, other))), 403)).code).toBe('invalid_signature');
    }
  });
});
