/**
 * sora-kit's media in a real browser (Debian's Chromium):
 * - examples/browser, built with Vite, runs the whole mock inside msw's service worker and shows a
 *   generated image and video;
 * - a video served by `createSoraServer` (what `sora-kit serve` runs) plays straight from its URL,
 *   through HTTP Range requests.
 * Chromium's own demuxer and decoder judge the files, and the screenshots stay in test/artifacts/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Request as PwRequest } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, watchedPage } from '../helpers/chromium.js';
import { LICENCE, REPO_ROOT, markdownUrls, serve, type Served } from '../e2e/support.js';

const EXAMPLE = resolve(REPO_ROOT, 'examples/browser');
const FRAME = 1 / 24;

interface VideoState {
  readyState: number;
  videoWidth: number;
  videoHeight: number;
  duration: number;
  currentTime: number;
  error: string | null;
}

/** Runs in the page: what the <video> matching `selector` reports. */
function videoState(selector: string): VideoState {
  const video = document.querySelector<HTMLVideoElement>(selector)!;
  return {
    readyState: video.readyState,
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
    duration: video.duration,
    currentTime: video.currentTime,
    error: video.error ? `${video.error.code}: ${video.error.message}` : null,
  };
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('examples/browser: the mock in msw setupWorker', () => {
  let outDir: string;
  let site: PreviewServer;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'sora-kit-browser-example-'));
    await build({ configFile: join(EXAMPLE, 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    site = await preview({ configFile: join(EXAMPLE, 'vite.config.ts'), logLevel: 'silent', build: { outDir }, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  }, 120_000);
  afterAll(async () => {
    await site?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('generates an image and a video in the page and plays them', async () => {
    const origin = site.resolvedUrls!.local[0].replace(/\/$/, '');
    const { context, page, problems } = await watchedPage(browser);
    const fromWorker: string[] = [];
    page.on('response', (response) => {
      if (response.fromServiceWorker()) fromWorker.push(new URL(response.url()).pathname);
    });
    try {
      await page.goto(`${origin}/?auto`);
      await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 90_000 });
      expect(await page.textContent('#status')).toBe('done');

      // The image: a PNG whose URL came from /images/generations, loaded by <img> through the worker.
      const image = await page.$eval('#image', (img: HTMLImageElement) => ({ complete: img.complete, w: img.naturalWidth, h: img.naturalHeight, src: img.src }));
      expect(image).toMatchObject({ complete: true, w: 1536, h: 1024 });
      expect(new URL(image.src).origin).toBe(origin);
      expect(fromWorker).toContain(new URL(image.src).pathname);
      expect(fromWorker).toContain('/sora/v1/videos');

      // The video: a 1280x720, 10 s MP4 downloaded from /videos/{id}/content, played from a blob.
      await page.waitForFunction((s) => document.querySelector<HTMLVideoElement>(s)!.readyState >= 1, '#video', { timeout: 30_000, polling: 100 });
      const video = await page.evaluate(videoState, '#video');
      expect(video.error).toBeNull();
      expect(video.readyState).toBeGreaterThanOrEqual(1);
      expect(video.videoWidth).toBe(1280);
      expect(video.videoHeight).toBe(720);
      expect(Math.abs(video.duration - 10)).toBeLessThanOrEqual(2 * FRAME);

      // Playback: currentTime moves forward (the example starts it muted).
      await page.waitForFunction(() => document.querySelector<HTMLVideoElement>('#video')!.currentTime > 0.5, undefined, { timeout: 30_000, polling: 100 });
      expect((await page.evaluate(videoState, '#video')).error).toBeNull();

      await screenshot(page, 'examples-browser.png');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);
});

describe('a video served by createSoraServer, played from its URL', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ instant: true });
  });
  afterAll(() => served?.server.close());

  it('plays through Range requests with the size and duration of its model', async () => {
    const response = await fetch(`${served.url}/sora/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${LICENCE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora_video2-portrait', stream: false, messages: [{ role: 'user', content: 'a kite over the sea' }] }),
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: { message: { content: string } }[] };
    const [videoUrl] = markdownUrls(completion.choices[0].message.content).filter((u) => u.endsWith('.mp4'));
    expect(videoUrl).toMatch(new RegExp(`^${served.url}/`));

    const { context, page, problems } = await watchedPage(browser);
    const mediaRequests: PwRequest[] = [];
    page.on('request', (request) => {
      if (request.url() === videoUrl) mediaRequests.push(request);
    });
    try {
      // A page on the server's origin with nothing but the player, pointed at the file URL.
      await page.goto(`${served.url}/__sora/health`);
      await page.setContent(`<video id="v" muted autoplay playsinline src="${videoUrl}"></video>`);
      await page.waitForFunction(() => document.querySelector<HTMLVideoElement>('#v')!.currentTime > 0.5, undefined, { timeout: 30_000, polling: 100 });
      const video = await page.evaluate(videoState, '#v');
      expect(video.error).toBeNull();
      expect([video.videoWidth, video.videoHeight]).toEqual([720, 1280]);
      // sora_video2 without a duration option renders the default 10 s.
      expect(Math.abs(video.duration - 10)).toBeLessThanOrEqual(2 * FRAME);

      // The browser asked for byte ranges and the server answered them as ranges.
      const ranged = [];
      for (const request of mediaRequests) {
        const headers = await request.allHeaders();
        const answer = await request.response();
        if (headers.range && answer) ranged.push({ range: headers.range, status: answer.status(), contentRange: (await answer.allHeaders())['content-range'] });
      }
      expect(ranged.length).toBeGreaterThan(0);
      for (const r of ranged) {
        expect(r.status).toBe(206);
        expect(r.contentRange).toMatch(/^bytes \d+-\d+\/\d+$/);
      }

      await screenshot(page, 'served-video.png');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
