import { describe, expect, it } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { inspectMedia } from '../../src/media/index.js';
import { allCanonicalModelNames } from '../../src/spec/model.js';
import { ImagesResponse, ModelList } from '../../src/spec/schemas/index.js';
import { BASE, ORIGIN, call, expectEnvelope, manualMock, pngBytes } from './helpers.js';

const pngFile = async (name: string) => new File([(await pngBytes()) as BlobPart], name, { type: 'image/png' });

describe('licences', () => {
  it('answers 401 without a licence or with an unknown one, and accepts both header forms', async () => {
    const mock = manualMock();
    const noKey = await mock.fetch(new Request(`${BASE}/models`));
    expect((await expectEnvelope(noKey, 401)).code).toBe('missing_license');
    expect((await expectEnvelope(await call(mock, 'GET', '/models', { headers: { authorization: 'Bearer nope' } }), 401)).code).toBe(
      'invalid_license',
    );
    expect((await call(mock, 'GET', '/models', { headers: { authorization: 'sk-sora-mock' } })).status).toBe(200);
    expect((await call(mock, 'GET', '/models', { headers: { authorization: 'Bearer sk-sora-mock' } })).status).toBe(200);
  });

  it('answers 403 naming the add-on when a licence lacks images or videos; chat is always included', async () => {
    const mock = manualMock({ instant: true, licenses: [{ key: 'chat-only', features: ['chat'] }, { key: 'img', features: ['chat', 'images'] }] });
    const as = (key: string) => ({ authorization: key });
    const images = await expectEnvelope(
      await call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image' }, headers: as('chat-only') }),
      403,
    );
    expect(images.message).toContain("'images'");
    const videos = await expectEnvelope(await call(mock, 'GET', '/videos', { headers: as('img') }), 403);
    expect(videos.message).toContain("'videos'");
    expect((await call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image' }, headers: as('img') })).status).toBe(200);
    const chat = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: [{ role: 'user', content: 'x' }] },
      headers: as('chat-only'),
    });
    expect(chat.status).toBe(200);
  });
});

describe('routing and bodies', () => {
  it('answers unknown routes 404 and wrong methods 405 with Allow, as JSON envelopes', async () => {
    const mock = manualMock();
    expect((await expectEnvelope(await call(mock, 'GET', '/nope'), 404)).code).toBe('unknown_route');
    expect((await expectEnvelope(await mock.fetch(new Request(`${ORIGIN}/`)), 404)).code).toBe('unknown_route');
    const wrong = await call(mock, 'PATCH', '/videos/video_1');
    expect(wrong.headers.get('allow')).toContain('DELETE');
    expect((await expectEnvelope(wrong, 405)).code).toBe('method_not_allowed');
  });

  it('answers CORS preflights and exposes the headers browsers need', async () => {
    const mock = manualMock();
    const asked = 'authorization, content-type, x-stainless-os';
    const pre = await mock.fetch(
      new Request(`${BASE}/videos`, { method: 'OPTIONS', headers: { origin: 'http://app.local', 'access-control-request-method': 'POST', 'access-control-request-headers': asked } }),
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toBe(asked);
    const fromPage = { origin: 'http://app.local' };
    expect((await call(mock, 'GET', '/models', { headers: fromPage })).headers.get('access-control-expose-headers')).toContain('Content-Range');
    expect((await call(mock, 'GET', '/models')).headers.get('access-control-allow-origin')).toBeNull();
    const off = createSoraMock({ cors: false });
    expect((await call(off, 'GET', '/models', { headers: fromPage })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects invalid JSON, wrong content types, broken multipart and oversize bodies', async () => {
    const mock = manualMock({ maxBodyBytes: 1024 });
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', { body: '{"prompt":', headers: { 'content-type': 'application/json' } }), 400)).code).toBe(
      'invalid_json',
    );
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', { body: 'x', headers: { 'content-type': 'application/xml' } }), 415)).code).toBe(
      'unsupported_media_type',
    );
    const broken = await call(mock, 'POST', '/images/edits', {
      body: '--abc\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx',
      headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
    });
    expect((await expectEnvelope(broken, 400)).code).toBe('invalid_multipart');
    const big = await call(mock, 'POST', '/videos', { body: { prompt: 'x'.repeat(5000), model: 'sora_video2' } });
    expect((await expectEnvelope(big, 413)).code).toBe('request_too_large');
    expect((await expectEnvelope(await call(mock, 'POST', '/chat/completions', { body: '[1,2]', headers: { 'content-type': 'application/json' } }), 400)).param).not.toBe(
      undefined,
    );
  });
});

describe('curl ergonomics', () => {
  it("reads JSON that curl -d labels as a urlencoded form, and real urlencoded forms as forms", async () => {
    const mock = manualMock({ instant: true });
    const urlencoded = { 'content-type': 'application/x-www-form-urlencoded' };
    const video = await call(mock, 'POST', '/videos', { body: ' {"prompt": "画小猫", "model": "sora_video2"}', headers: urlencoded });
    expect(video.status).toBe(200);
    expect((await video.json()).object).toBe('video');
    const chat = await call(mock, 'POST', '/chat/completions', { body: '{"model": "sora_image", "messages": [', headers: urlencoded });
    expect((await expectEnvelope(chat, 400)).code).toBe('invalid_json');
    const form = await call(mock, 'POST', '/images/generations', { body: 'prompt=%E7%94%BB%E5%B0%8F%E7%8C%AB&model=sora_image&n=2', headers: urlencoded });
    expect(ImagesResponse.parse(await form.json()).data).toHaveLength(2);
    // An endpoint that takes only multipart does not reinterpret the body.
    const edit = await call(mock, 'POST', '/images/edits', { body: '{"prompt": "x", "model": "sora_image"}', headers: urlencoded });
    expect((await expectEnvelope(edit, 400)).param).toBe('image');
  });
});

describe('images', () => {
  it('generates from JSON and from the seed multipart form, n images of the size class', async () => {
    const mock = manualMock();
    const json = ImagesResponse.parse(await (await call(mock, 'POST', '/images/generations', { body: { prompt: 'cat', model: 'sora_image', n: 4, size: '1600x900' } })).json());
    expect(json.data).toHaveLength(4);
    expect(json.size).toBe('1536x1024');
    const form = new FormData();
    form.set('prompt', '画小猫');
    form.set('model', 'sora_image');
    const multipart = ImagesResponse.parse(await (await call(mock, 'POST', '/images/generations', { body: form })).json());
    expect(multipart.data).toHaveLength(1);
    const url = (multipart.data[0] as { url: string }).url;
    expect(await inspectMedia(new Uint8Array(await (await mock.fetch(new Request(url))).arrayBuffer()))).toMatchObject({ width: 1024, height: 1024 });
    expect((await expectEnvelope(await call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image', n: 5 } }), 400)).param).toBe('n');
    expect((await expectEnvelope(await call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_video2' } }), 400)).param).toBe('model');
  });

  it('reads a multipart body whose Content-Type names two boundaries, as the seed curl sends it', async () => {
    const mock = manualMock();
    const body = '--real\r\nContent-Disposition: form-data; name="prompt"\r\n\r\ncat\r\n--real\r\nContent-Disposition: form-data; name="model"\r\n\r\nsora_image\r\n--real--\r\n';
    const r = await call(mock, 'POST', '/images/generations', {
      body,
      headers: { 'content-type': 'multipart/form-data; boundary=--------------------------961278614886800824879278; boundary=real' },
    });
    expect(r.status).toBe(200);
    expect(ImagesResponse.parse(await r.json()).data).toHaveLength(1);
  });

  it('returns b64_json PNGs when asked', async () => {
    const mock = manualMock();
    const body = ImagesResponse.parse(
      await (await call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image', size: '10x20', response_format: 'b64_json' } })).json(),
    );
    const b64 = (body.data[0] as { b64_json: string }).b64_json;
    expect(await inspectMedia(new Uint8Array(Buffer.from(b64, 'base64')))).toMatchObject({ format: 'png', width: 1024, height: 1536 });
  });

  it("answers url items when the request names no response_format, or what imageResponseFormat says; the request's own choice wins", async () => {
    const kinds = async (options: Parameters<typeof manualMock>[0], path: '/images/generations' | '/images/edits', format?: string) => {
      const mock = manualMock(options);
      const form = new FormData();
      form.set('prompt', 'x');
      form.set('model', 'sora_image');
      if (format) form.set('response_format', format);
      if (path === '/images/edits') form.set('image', await pngFile('a.png'));
      const response = ImagesResponse.parse(await (await call(mock, 'POST', path, { body: form })).json());
      return response.data.map((item) => Object.keys(item).join());
    };
    for (const path of ['/images/generations', '/images/edits'] as const) {
      expect(await kinds({}, path)).toEqual(['url']);
      expect(await kinds({ imageResponseFormat: 'b64_json' }, path)).toEqual(['b64_json']);
      expect(await kinds({ imageResponseFormat: 'b64_json' }, path, 'url')).toEqual(['url']);
      expect(await kinds({ imageResponseFormat: 'url' }, path, 'b64_json')).toEqual(['b64_json']);
    }
  });

  it('edits with image[] files, takes the first image shape without size, and depends on the input', async () => {
    const mock = manualMock();
    const edit = async (files: File[], field = 'image[]') => {
      const form = new FormData();
      for (const f of files) form.append(field, f);
      form.set('prompt', '换一个风格');
      form.set('model', 'sora_image');
      form.set('response_format', 'b64_json');
      return call(mock, 'POST', '/images/edits', { body: form });
    };
    const two = ImagesResponse.parse(await (await edit([await pngFile('a.png'), await pngFile('b.png')])).json());
    const one = ImagesResponse.parse(await (await edit([await pngFile('a.png')], 'image')).json());
    const bytes = (r: ImagesResponse) => Buffer.from((r.data[0] as { b64_json: string }).b64_json, 'base64');
    expect(await inspectMedia(new Uint8Array(bytes(two)))).toMatchObject({ width: 1536, height: 1024 });
    expect(bytes(two).equals(bytes(one))).toBe(false);

    const none = new FormData();
    none.set('prompt', 'x');
    none.set('model', 'sora_image');
    expect((await expectEnvelope(await call(mock, 'POST', '/images/edits', { body: none }), 400)).param).toBe('image');
    const fake = await edit([new File(['GIF89a? no'], 'x.gif')]);
    expect((await expectEnvelope(fake, 400)).code).toBe('invalid_image');
    expect((await expectEnvelope(await call(mock, 'POST', '/images/edits', { body: { prompt: 'x', model: 'sora_image' } }), 415)).code).toBe(
      'unsupported_media_type',
    );
  });
});

describe('models, scenarios, admin', () => {
  it('lists every base model and option combination', async () => {
    const list = ModelList.parse(await (await call(manualMock(), 'GET', '/models')).json());
    expect(list.data.map((m) => m.id)).toEqual(allCanonicalModelNames());
    expect(list.data.map((m) => m.id)).toContain('sora_video2-landscape-hd-25s-pro');
  });

  it('provokes moderation, rate limits and server errors by Prefer header or by config rule', async () => {
    const mock = manualMock({ scenarios: [{ prompt: 'forbidden', scenario: 'moderation_blocked' }] });
    const body = { prompt: 'x', model: 'sora_video2' };
    const prefer = (s: string) => ({ body, headers: { prefer: `scenario=${s}` } });
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', prefer('moderation_blocked')), 400)).code).toBe('moderation_blocked');
    const limited = await call(mock, 'POST', '/videos', prefer('rate_limited'));
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await expectEnvelope(limited, 429)).type).toBe('rate_limit_error');
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', prefer('server_error')), 500)).type).toBe('server_error');
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', prefer('teapot')), 400)).param).toBe('Prefer');
    const byRule = await call(mock, 'POST', '/videos', { body: { prompt: 'something FORBIDDEN here', model: 'sora_video2' } });
    expect((await expectEnvelope(byRule, 400)).code).toBe('moderation_blocked');
    expect(mock.requests().at(-1)).toMatchObject({ status: 400, scenario: 'moderation_blocked' });
  });

  it('fails a fail_midway job at half its render time and never completes a stalled one', async () => {
    const mock = manualMock();
    const failing = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' }, headers: { prefer: 'scenario=fail_midway' } })).json();
    const stalled = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' }, headers: { prefer: 'scenario=stall' } })).json();
    mock.advance(3_600_000);
    const f = await (await call(mock, 'GET', `/videos/${failing.id}`)).json();
    expect(f).toMatchObject({ status: 'failed', progress: 50, error: { code: 'generation_failed' } });
    expect((await expectEnvelope(await call(mock, 'GET', `/videos/${failing.id}/content`), 409)).code).toBe('video_failed');
    expect((await (await call(mock, 'GET', `/videos/${stalled.id}`)).json()).status).toBe('in_progress');
  });

  it('serves admin endpoints only when enabled, and the health endpoint always', async () => {
    const off = manualMock();
    expect((await off.fetch(new Request(`${ORIGIN}/__sora/state`))).status).toBe(404);
    const health = await off.fetch(new Request(`${ORIGIN}/__sora/health`));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', basePath: '/sora/v1', jobs: 0 });
    const mock = manualMock({ admin: true });
    await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } });
    const state = await (await mock.fetch(new Request(`${ORIGIN}/__sora/state`))).json();
    expect(state.jobs).toHaveLength(1);
    expect(JSON.stringify(state.options)).not.toContain('sk-sora-mock');
    const before = mock.now();
    await mock.fetch(new Request(`${ORIGIN}/__sora/advance`, { method: 'POST', body: JSON.stringify({ ms: 5000 }), headers: { 'content-type': 'application/json' } }));
    expect(mock.now() - before).toBe(5000);
    expect(mock.jobs()[0].status).toBe('completed');
    // Admin POSTs are JSON only (415 otherwise): a web page cannot send that to another origin unasked.
    expect((await mock.fetch(new Request(`${ORIGIN}/__sora/reset`, { method: 'POST' }))).status).toBe(415);
    await mock.fetch(new Request(`${ORIGIN}/__sora/reset`, { method: 'POST', headers: { 'content-type': 'application/json' } }));
    expect(mock.jobs()).toHaveLength(0);
    const journal = await (await mock.fetch(new Request(`${ORIGIN}/__sora/requests`))).json();
    expect(journal.data.map((e: { path: string }) => e.path)).toEqual(['/__sora/reset']);
  });
});
