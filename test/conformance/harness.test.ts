/**
 * The harness itself: the helpers that faults and variants lean on really change the traffic (a fault
 * that alters nothing would "pass" for the wrong reason).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS } from './helpers/faults.js';
import { rangeAnswer, startMediaHost, transcode } from './helpers/gateway.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';
import { fetchFiveSecondVideo } from './helpers/runs.js';
import { VARIANTS } from './helpers/variants.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let mp4: Buffer;
const headers = { authorization: LICENSE };

beforeAll(async () => {
  mock = await startMock();
  mp4 = await fetchFiveSecondVideo(mock.url);
});
afterAll(() => mock.server.close());

async function completedVideo(base: string): Promise<string> {
  const created = (await (await fetch(`${base}/sora/v1/videos`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora_video2', prompt: 'a cat' }) })).json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${base}/sora/v1/videos/${created.id}`, { headers })).json()) as { status: string };
    if (job.status === 'completed') return created.id;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fault = (prefix: string) => FAULTS.find((f) => f.name.startsWith(prefix))!;
const variant = (prefix: string) => VARIANTS.find((v) => v.name.startsWith(prefix))!;

describe('harness helpers alter the traffic they claim to', () => {
  it('rangeAnswer: 206 with Content-Range, suffix ranges, 416 past the end, 200 without Range', () => {
    const body = Buffer.from('0123456789');
    expect(rangeAnswer(body, 'video/mp4', 'bytes=2-4')).toMatchObject({ status: 206, headers: { 'content-range': 'bytes 2-4/10' }, body: Buffer.from('234') });
    expect(rangeAnswer(body, 'video/mp4', 'bytes=-3').body.toString()).toBe('789');
    expect(rangeAnswer(body, 'video/mp4', 'bytes=20-').status).toBe(416);
    expect(rangeAnswer(body, 'video/mp4', undefined).status).toBe(200);
  });

  it('transcode gives JPEG and WebP bytes, and turns an image', async () => {
    const thumbnail = Buffer.from(await (await fetch(`${mock.url}/sora/v1/videos/${await completedVideo(mock.url)}/content?variant=thumbnail`, { headers })).arrayBuffer());
    expect((await transcode(thumbnail, 'jpeg')).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    const webp = await transcode(thumbnail, 'webp', 'transpose=1');
    expect(webp.subarray(8, 12).toString()).toBe('WEBP');
  });

  it('the Range faults change what a Range request gets, and the proxy counts it', async () => {
    const ignore = await startProxy(mock.url, fault('video content ignores Range').deviation({ fiveSecondMp4: mp4 }));
    const noHeader = await startProxy(mock.url, fault('206 without Content-Range').deviation({ fiveSecondMp4: mp4 }));
    try {
      const id = await completedVideo(mock.url);
      const a = await fetch(`${ignore.url}/sora/v1/videos/${id}/content`, { headers: { ...headers, range: 'bytes=0-99' } });
      expect(a.status).toBe(200);
      expect((await a.arrayBuffer()).byteLength).toBeGreaterThan(100);
      expect(ignore.stats.altered).toBe(1);
      const b = await fetch(`${noHeader.url}/sora/v1/videos/${id}/content`, { headers: { ...headers, range: 'bytes=0-99' } });
      expect(b.status).toBe(206);
      expect(b.headers.get('content-range')).toBeNull();
    } finally {
      await ignore.close();
      await noHeader.close();
    }
  });

  it('chunked answers have no Content-Length', async () => {
    const proxy = await startProxy(mock.url, variant('every answer with chunked').deviation({} as never));
    try {
      const res = await new Promise<{ te?: string; cl?: string }>((resolve, reject) => {
        request(`${proxy.url}/sora/v1/models`, { headers }, (r) => {
          r.resume();
          r.on('end', () => resolve({ te: r.headers['transfer-encoding'], cl: r.headers['content-length'] }));
        })
          .on('error', reject)
          .end();
      });
      expect(res).toEqual({ te: 'chunked', cl: undefined });
    } finally {
      await proxy.close();
    }
  });

  it('the CDN variant sends content to another origin, which serves ranges without a licence', async () => {
    const cdn = await startMediaHost(mock.url);
    const proxy = await startProxy(mock.url, variant('media on another origin').deviation({ mediaHost: cdn }));
    try {
      const id = await completedVideo(proxy.url);
      const redirect = await fetch(`${proxy.url}/sora/v1/videos/${id}/content`, { headers, redirect: 'manual' });
      expect(redirect.status).toBe(302);
      const location = redirect.headers.get('location')!;
      expect(new URL(location).origin).toBe(cdn.url);
      const part = await fetch(location, { headers: { range: 'bytes=0-9' } });
      expect([part.status, part.headers.get('content-range')]).toEqual([206, expect.stringMatching(/^bytes 0-9\/\d+$/)]);
      const followed = await fetch(`${proxy.url}/sora/v1/videos/${id}/content`, { headers });
      expect(followed.headers.get('content-type')).toBe('video/mp4');
      expect(cdn.authorised).toEqual([]);
    } finally {
      await proxy.close();
      await cdn.close();
    }
  });

  it('the id-alias variant hides the mock ids both ways', async () => {
    const proxy = await startProxy(mock.url, variant('video ids without the video_ prefix').deviation({} as never));
    try {
      const id = await completedVideo(proxy.url);
      expect(id).toMatch(/^task_\d+$/);
    } finally {
      await proxy.close();
    }
  });

  /**
   * Faults whose traffic today's catalogue never sends (so their runs alter nothing): each changes the
   * answer to the request it is about, sent here directly through the faulty proxy and to the clean mock.
   */
  const json = { ...headers, 'content-type': 'application/json' };
  const dormant: Array<{ prefix: string; send: (base: string) => Promise<Response>; differs: (clean: Response, faulty: Response, cleanBody: string, faultyBody: string) => void }> = [
    {
      prefix: 'licence checked only on /chat/completions',
      send: (base) => fetch(`${base}/sora/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora_video2', prompt: 'x' }) }),
      differs: (clean, faulty) => expect([clean.status, faulty.status]).toEqual([401, 200]),
    },
    {
      prefix: 'seconds ignored when the name leaves',
      send: (base) => fetch(`${base}/sora/v1/videos`, { method: 'POST', headers: json, body: JSON.stringify({ model: 'sora_video2', prompt: 'x', seconds: '15' }) }),
      differs: (_c, _f, cleanBody, faultyBody) => expect([JSON.parse(cleanBody).seconds, JSON.parse(faultyBody).seconds]).toEqual(['15', '10']),
    },
    {
      prefix: 'n ignored in JSON bodies',
      send: (base) => fetch(`${base}/sora/v1/images/generations`, { method: 'POST', headers: json, body: JSON.stringify({ model: 'sora_image', prompt: 'x', n: 2 }) }),
      differs: (_c, _f, cleanBody, faultyBody) => expect([JSON.parse(cleanBody).data.length, JSON.parse(faultyBody).data.length]).toEqual([2, 1]),
    },
    {
      prefix: 'size ignored for videos sent as multipart',
      send: (base) => {
        const form = new FormData();
        form.append('model', 'sora_video2');
        form.append('prompt', 'x');
        form.append('size', '1792x1024');
        return fetch(`${base}/sora/v1/videos`, { method: 'POST', headers, body: form });
      },
      differs: (_c, _f, cleanBody, faultyBody) => expect([JSON.parse(cleanBody).size, JSON.parse(faultyBody).size]).toEqual(['1280x720', '720x1280']),
    },
    {
      prefix: 'prompt not required by /videos',
      send: (base) => fetch(`${base}/sora/v1/videos`, { method: 'POST', headers: json, body: JSON.stringify({ model: 'sora_video2' }) }),
      differs: (clean, faulty) => expect([clean.status, faulty.status]).toEqual([400, 200]),
    },
    {
      prefix: 'remix of an unknown id answers 200',
      send: (base) => fetch(`${base}/sora/v1/videos/video_0000000000000000/remix`, { method: 'POST', headers: json, body: JSON.stringify({ prompt: 'x' }) }),
      differs: (clean, faulty) => expect([clean.status, faulty.status]).toEqual([404, 200]),
    },
    {
      prefix: "GET /models lists OpenAI's models",
      send: (base) => fetch(`${base}/sora/v1/models`, { headers }),
      differs: (_c, _f, cleanBody, faultyBody) => {
        expect(cleanBody).toContain('sora_video2');
        expect(faultyBody).not.toContain('sora_video2');
      },
    },
    {
      prefix: 'options accepted on sora_video',
      send: (base) => fetch(`${base}/sora/v1/videos`, { method: 'POST', headers: json, body: JSON.stringify({ model: 'sora_video-hd', prompt: 'x' }) }),
      differs: (clean, faulty) => expect([clean.status, faulty.status]).toEqual([400, 200]),
    },
  ];
  for (const { prefix, send, differs } of dormant) {
    it(`fault "${prefix}..." alters the answer to the request it is about`, async () => {
      const proxy = await startProxy(mock.url, fault(prefix).deviation({ fiveSecondMp4: mp4 }));
      try {
        const clean = await send(mock.url);
        const faulty = await send(proxy.url);
        differs(clean, faulty, await clean.text(), await faulty.text());
        expect(proxy.stats.altered).toBe(1);
      } finally {
        await proxy.close();
      }
    });
  }
});
