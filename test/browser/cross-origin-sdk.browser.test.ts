/**
 * The most common front-end setup: a page served from one port (a Vite server) calling `sora-kit serve`
 * on another with the official `openai` SDK, bundled for the browser (`dangerouslyAllowBrowser`). Every
 * call is cross-origin, so Chromium checks CORS on each: preflights for the SDK's own headers
 * (`x-stainless-*`), and Access-Control-Allow-Origin on every answer, successful POSTs included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, markdownUrls } from '../e2e/support.js';
import { launchChromium, screenshot, watchedPage } from '../helpers/chromium.js';
import { serveCli, type ServedCli } from '../helpers/serve-cli.js';
import type { SoraPage } from './fixtures/openai-page/main.js';

const PAGE_ROOT = resolve(REPO_ROOT, 'test/browser/fixtures/openai-page');

let browser: Browser;
let server: ServedCli;
let site: PreviewServer;
let outDir: string;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'sora-kit-openai-page-'));
  const page = { root: PAGE_ROOT, configFile: false, logLevel: 'silent', build: { outDir, emptyOutDir: true, target: 'es2022' } } as const;
  [browser, server] = await Promise.all([launchChromium(), serveCli(['--instant', '--quiet']), build(page)]);
  site = await preview({ ...page, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
}, 120_000);

afterAll(async () => {
  await Promise.all([browser?.close(), server?.stop(), site?.close()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the openai SDK in Chromium, on another origin than sora-kit serve', () => {
  it('chats, streams a chat, generates an image and creates, polls and plays a video', async () => {
    const pageOrigin = site.resolvedUrls!.local[0].replace(/\/$/, '');
    expect(pageOrigin).not.toBe(server.origin);
    const { context, page, problems } = await watchedPage(browser);
    const toApi: { method: string; path: string; headers: Record<string, string> }[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(server.api)) toApi.push({ method: request.method(), path: new URL(request.url()).pathname, headers: request.headers() });
    });
    const call = <K extends keyof SoraPage>(name: K) =>
      page.evaluate((n: keyof SoraPage) => (window as unknown as { sora: SoraPage }).sora[n]() as Promise<unknown>, name) as Promise<Awaited<ReturnType<SoraPage[K]>>>;
    try {
      await page.goto(`${pageOrigin}/?api=${encodeURIComponent(server.api)}`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });

      const content = await call('chat');
      expect(markdownUrls(content).length).toBeGreaterThan(0);

      const streamed = await call('streamedChat');
      expect(streamed.chunks).toBeGreaterThan(1);
      expect(streamed.finish).toBe('stop');
      expect(markdownUrls(streamed.text).length).toBeGreaterThan(0);

      const image = await call('image');
      expect(new URL(image.url).origin).toBe(server.origin);
      expect(image).toMatchObject({ width: 1024, height: 1024 });

      const video = await call('video');
      expect(video).toMatchObject({ status: 'completed', width: 1280, height: 720 });
      expect(video.polls).toBeGreaterThanOrEqual(1);
      expect(video.bytes).toBeGreaterThan(0);
      expect(video.duration).toBeGreaterThan(0);

      // The SDK sent its own headers across origins, so Chromium asked first, and the POSTs went through.
      const posts = toApi.filter((r) => r.method === 'POST').map((r) => r.path);
      expect(posts).toEqual(['/sora/v1/chat/completions', '/sora/v1/chat/completions', '/sora/v1/images/generations', '/sora/v1/videos']);
      expect(toApi.find((r) => r.method === 'POST')?.headers).toMatchObject({ origin: pageOrigin, 'x-stainless-os': expect.any(String) });

      await screenshot(page, 'openai-sdk-cross-origin.png');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
