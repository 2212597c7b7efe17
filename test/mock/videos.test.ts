import { describe, expect, it, vi } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { inspectMedia } from '../../src/media/index.js';
import { IGNORED_PARAMS_HEADER, parseIgnoredHeader } from '../../src/spec/rules.js';
import { VideoListResource, VideoResource } from '../../src/spec/schemas/index.js';
import { BASE, call, expectEnvelope, manualMock, pngBytes } from './helpers.js';

describe('video jobs', () => {
  it('moves queued -> in_progress (rising) -> completed with the clock, and serves content only when done', async () => {
    const mock = manualMock();
    const created = VideoResource.parse(await (await call(mock, 'POST', '/videos', { body: { prompt: 'cat', model: 'sora_video2' } })).json());
    expect(created).toMatchObject({ status: 'queued', progress: 0, size: '720x1280', seconds: '10', model: 'sora_video2' });

    const early = await call(mock, 'GET', `/videos/${created.id}/content`);
    expect((await expectEnvelope(early, 409)).code).toBe('video_not_ready');

    const seen: number[] = [];
    let status = created.status;
    for (let i = 0; i < 40 && status !== 'completed'; i++) {
      mock.advance(100);
      const v = VideoResource.parse(await (await call(mock, 'GET', `/videos/${created.id}`)).json());
      seen.push(v.progress);
      if (v.status === 'in_progress') expect(v.progress).toBeLessThan(100);
      status = v.status;
    }
    expect(status).toBe('completed');
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBeGreaterThan(5);

    const done = VideoResource.parse(await (await call(mock, 'GET', `/videos/${created.id}`)).json());
    expect(done.completed_at).not.toBeNull();
    expect(done.expires_at).toBe((done.completed_at as number) + 3600);

    const content = await call(mock, 'GET', `/videos/${created.id}/content`);
    expect(content.status).toBe(200);
    expect(content.headers.get('content-type')).toBe('video/mp4');
    const bytes = new Uint8Array(await content.arrayBuffer());
    expect(Number(content.headers.get('content-length'))).toBe(bytes.byteLength);
    const facts = await inspectMedia(bytes);
    expect(facts).toMatchObject({ kind: 'video', codec: 'h264', width: 720, height: 1280 });
    if (facts.kind === 'video') expect(Math.abs(facts.durationSeconds - 10)).toBeLessThan(1 / 24 + 1e-6);
  });

  it('follows vitest fake timers with the default clock', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 5, 1) });
    try {
      const mock = createSoraMock();
      const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } })).json();
      vi.advanceTimersByTime(1500);
      const half = VideoResource.parse(await (await call(mock, 'GET', `/videos/${id}`)).json());
      expect(half.status).toBe('in_progress');
      expect(half.progress).toBeGreaterThan(30);
      expect(half.progress).toBeLessThan(70);
      vi.advanceTimersByTime(1500);
      const done = VideoResource.parse(await (await call(mock, 'GET', `/videos/${id}`)).json());
      expect(done).toMatchObject({ status: 'completed', completed_at: done.created_at + 3 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('renders hd and pro slower, and instant completes at creation', async () => {
    const timeToFinish = async (model: string) => {
      const mock = manualMock();
      const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model } })).json();
      let ms = 0;
      while ((await (await call(mock, 'GET', `/videos/${id}`)).json()).status !== 'completed') {
        mock.advance(100);
        ms += 100;
      }
      return ms;
    };
    const sd = await timeToFinish('sora_video2');
    expect(await timeToFinish('sora_video2-hd')).toBeGreaterThan(sd);
    expect(await timeToFinish('sora_video2-pro')).toBeGreaterThan(sd);
    expect(await timeToFinish('sora_video2-25s')).toBeGreaterThan(sd);
    const instant = manualMock({ instant: true });
    const v = await (await call(instant, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2-25s-hd-pro' } })).json();
    expect(v.status).toBe('completed');
  });

  it('decides size from model options first, then size, and says what it ignored', async () => {
    const mock = manualMock({ instant: true });
    const r = await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2-portrait-hd', size: '1792x1024', seconds: '25' } });
    const v = VideoResource.parse(await r.json());
    expect(v.size).toBe('1024x1792');
    expect(v.seconds).toBe('25');
    expect(parseIgnoredHeader(r.headers.get(IGNORED_PARAMS_HEADER)).map((i) => i.param)).toEqual(['size']);

    const bySize = VideoResource.parse(await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2', size: '1280x720' } })).json());
    expect(bySize.size).toBe('1280x720');
    const old = VideoResource.parse(await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video' } })).json());
    expect(old).toMatchObject({ size: '720x1280', seconds: '5' });
  });

  it('rejects malformed parameters with 400 naming them', async () => {
    const mock = manualMock();
    const cases: Array<[unknown, string]> = [
      [{ prompt: 'x', model: 'sora_video2', size: '0x10' }, 'size'],
      [{ prompt: 'x', model: 'sora_video2', seconds: '12' }, 'seconds'],
      [{ prompt: 'x', model: 'sora_image' }, 'model'],
      [{ prompt: 'x', model: 'sora_video2-landscape-portrait' }, 'model'],
      [{ prompt: '', model: 'sora_video2' }, 'prompt'],
      [{ model: 'sora_video2' }, 'prompt'],
      [{ prompt: 'x', model: 'sora_video2', watermark: 'yes' }, 'watermark'],
    ];
    for (const [body, param] of cases) {
      const error = await expectEnvelope(await call(mock, 'POST', '/videos', { body }), 400);
      expect(error.param, JSON.stringify(body)).toBe(param);
      expect(error.message.length).toBeGreaterThan(10);
    }
    expect(mock.jobs()).toHaveLength(0);
  });

  it('accepts multipart with a real input_reference image and rejects a fake one', async () => {
    const mock = manualMock({ instant: true });
    const form = new FormData();
    form.set('prompt', 'from a picture');
    form.set('model', 'sora_video2-landscape');
    form.set('input_reference', new File([(await pngBytes()) as BlobPart], 'ref.png', { type: 'image/png' }));
    const ok = await call(mock, 'POST', '/videos', { body: form });
    expect(VideoResource.parse(await ok.json()).size).toBe('1280x720');

    const bad = new FormData();
    bad.set('prompt', 'x');
    bad.set('model', 'sora_video2');
    bad.set('input_reference', new File(['not an image at all'], 'ref.png', { type: 'image/png' }));
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', { body: bad }), 400)).param).toBe('input_reference');
  });

  it('lists newest first with cursors, retrieves, deletes, and 404s unknown ids', async () => {
    const mock = manualMock({ instant: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await (await call(mock, 'POST', '/videos', { body: { prompt: `v${i}`, model: 'sora_video2' } })).json()).id);
    const page1 = VideoListResource.parse(await (await call(mock, 'GET', '/videos?limit=2')).json());
    expect(page1.data.map((v) => v.id)).toEqual([ids[4], ids[3]]);
    expect(page1).toMatchObject({ has_more: true, first_id: ids[4], last_id: ids[3] });
    const page2 = VideoListResource.parse(await (await call(mock, 'GET', `/videos?limit=2&after=${page1.last_id}`)).json());
    expect(page2.data.map((v) => v.id)).toEqual([ids[2], ids[1]]);
    const asc = VideoListResource.parse(await (await call(mock, 'GET', '/videos?order=asc&limit=100')).json());
    expect(asc.data.map((v) => v.id)).toEqual(ids);
    expect(asc.has_more).toBe(false);
    expect((await expectEnvelope(await call(mock, 'GET', '/videos?limit=0'), 400)).param).toBe('limit');

    const del = await (await call(mock, 'DELETE', `/videos/${ids[0]}`)).json();
    expect(del).toEqual({ id: ids[0], object: 'video.deleted', deleted: true });
    expect((await expectEnvelope(await call(mock, 'GET', `/videos/${ids[0]}`), 404)).code).toBe('video_not_found');
    expect((await expectEnvelope(await call(mock, 'DELETE', `/videos/${ids[0]}`), 404)).param).toBe('video_id');
  });

  it('remixes only a completed video, keeping its size and duration', async () => {
    const mock = manualMock();
    const src = await (await call(mock, 'POST', '/videos', { body: { prompt: 'cat', model: 'sora_video2-landscape-hd-15s' } })).json();
    expect((await expectEnvelope(await call(mock, 'POST', `/videos/${src.id}/remix`, { body: { prompt: 'and a dog' } }), 409)).code).toBe(
      'video_not_ready',
    );
    mock.advance(60_000);
    const remix = VideoResource.parse(await (await call(mock, 'POST', `/videos/${src.id}/remix`, { body: { prompt: '再加一只小狗', model: 'sora_video2' } })).json());
    expect(remix).toMatchObject({ remixed_from_video_id: src.id, size: '1792x1024', seconds: '15' });
    expect(remix.id).not.toBe(src.id);
  });

  it('serves byte ranges, HEAD, ETag revalidation, every variant, and 410 after expiry', async () => {
    const mock = manualMock({ instant: true, retentionSeconds: 60 });
    const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'range', model: 'sora_video' } })).json();
    const full = await call(mock, 'GET', `/videos/${id}/content`);
    const bytes = new Uint8Array(await full.arrayBuffer());
    const etag = full.headers.get('etag') as string;
    expect(full.headers.get('accept-ranges')).toBe('bytes');

    const part = await call(mock, 'GET', `/videos/${id}/content`, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${bytes.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const tail = await call(mock, 'GET', `/videos/${id}/content`, { headers: { range: 'bytes=-10' } });
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.byteLength - 10));
    const beyond = await call(mock, 'GET', `/videos/${id}/content`, { headers: { range: `bytes=${bytes.byteLength}-` } });
    expect((await expectEnvelope(beyond, 416)).code).toBe('range_not_satisfiable');

    const head = await call(mock, 'HEAD', `/videos/${id}/content`);
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
    expect((await call(mock, 'GET', `/videos/${id}/content`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    // The job's stateless files link serves the same bytes under the same validator: a cache that saw
    // one revalidates the other.
    const paths = mock.jobMedia(id);
    for (const [variant, query] of [['video', ''], ['thumbnail', '?variant=thumbnail'], ['spritesheet', '?variant=spritesheet']] as const) {
      const link = paths?.[variant] as string;
      const viaLink = await mock.fetch(new Request(link.startsWith('http') ? link : `http://127.0.0.1:4010${link}`));
      const viaContent = await call(mock, 'GET', `/videos/${id}/content${query}`);
      expect(viaLink.status, variant).toBe(200);
      expect(new Uint8Array(await viaLink.arrayBuffer()), variant).toEqual(new Uint8Array(await viaContent.arrayBuffer()));
      expect(viaLink.headers.get('etag'), variant).toBe(viaContent.headers.get('etag'));
    }

    const thumb = await call(mock, 'GET', `/videos/${id}/content?variant=thumbnail`);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await inspectMedia(new Uint8Array(await thumb.arrayBuffer()))).format).toBe('webp');
    const sprite = await call(mock, 'GET', `/videos/${id}/content?variant=spritesheet`);
    expect(sprite.headers.get('content-type')).toBe('image/jpeg');
    expect((await inspectMedia(new Uint8Array(await sprite.arrayBuffer()))).format).toBe('jpeg');
    expect((await expectEnvelope(await call(mock, 'GET', `/videos/${id}/content?variant=gif`), 400)).param).toBe('variant');

    mock.advance(61_000);
    expect((await expectEnvelope(await call(mock, 'GET', `/videos/${id}/content`), 410)).code).toBe('video_expired');
  });

  it('gives the same ids and the same bytes for the same seed and requests', async () => {
    const run = async (seed: string) => {
      const mock = manualMock({ instant: true, seed });
      const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'same', model: 'sora_video' } })).json();
      const bytes = new Uint8Array(await (await call(mock, 'GET', `/videos/${id}/content`)).arrayBuffer());
      return { id, bytes };
    };
    const a = await run('s1');
    const b = await run('s1');
    const c = await run('s2');
    expect(a.id).toBe(b.id);
    expect(a.bytes).toEqual(b.bytes);
    expect(c.id).not.toBe(a.id);
  });

  it('keeps media URLs stateless: another instance with the same media secret serves the same file', async () => {
    const one = manualMock({ mediaSecret: 'shared' });
    const body = await (await call(one, 'POST', '/images/generations', { body: { prompt: 'cat', model: 'sora_image' } })).json();
    const url: string = body.data[0].url;
    expect(url.startsWith(`${BASE}/files/`)).toBe(true);
    const other = manualMock({ mediaSecret: 'shared' });
    const r = await other.fetch(new Request(url));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('cache-control')).toContain('immutable');
    expect(await inspectMedia(new Uint8Array(await r.arrayBuffer()))).toMatchObject({ width: 1024, height: 1024 });
    expect((await expectEnvelope(await other.fetch(new Request(`${BASE}/files/garbage.png`)), 403)).code).toBe('invalid_signature');
  });
});
