/**
 * The inspector in Debian's Chromium: it renders, follows requests and jobs without a reload (the
 * requests are made from Node, as a client under development would), plays the media it shows, and
 * leaves nothing in the console.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { maskSecret } from '../../src/mock/mask.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer } from '../../src/adapters/node.js';
import { createSoraMock } from '../../src/mock/app.js';
import { launchChromium, screenshot, watchedPage } from '../helpers/chromium.js';

const SECRET = 'team-secret-key-0123456789';
const run = promisify(execFile);

let browser: Browser;
let server: SoraServer;
let url: string;
let clock = Date.UTC(2026, 10, 24, 9);

beforeAll(async () => {
  browser = await launchChromium();
  const mock = createSoraMock({ licenses: [{ key: SECRET, features: ['chat', 'images', 'videos'] }], clock: { now: () => clock }, inspector: true });
  server = createSoraServer(mock);
  ({ url } = await server.listen());
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const call = (path: string, body: unknown) =>
  fetch(`${url}/sora/v1${path}`, {
    method: 'POST',
    headers: { authorization: SECRET, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the inspector in Chromium', () => {
  it('renders, updates live as requests and jobs happen, plays the media, with no console errors', async () => {
    const { context, page, problems } = await watchedPage(browser);
    try {
      await page.goto(`${url}/`);
      await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });

      // What is in force: the licence masked, the scenarios, snippets for this very instance.
      const body = await page.textContent('body');
      expect(body).toContain(maskSecret(SECRET));
      expect(body).not.toContain(SECRET);
      expect(await page.locator('#scenarios li').count()).toBe(6);
      expect(await page.textContent('#api-url')).toBe(`${url}/sora/v1`);
      const snippets = await page.locator('#snippets pre').allTextContents();
      expect(snippets.length).toBeGreaterThanOrEqual(3);
      for (const snippet of snippets) expect(snippet).toContain(`${url}/sora/v1`);
      expect(await page.locator('#requests tr').count()).toBe(0);

      // A request from elsewhere shows up without a reload, with the image it produced.
      expect((await call('/images/generations', { model: 'sora_image', prompt: 'a lighthouse', size: '1536x1024' })).status).toBe(200);
      const row = page.locator('#requests tr', { hasText: '/sora/v1/images/generations' });
      await row.waitFor({ timeout: 15_000 });
      expect(await row.locator('td').nth(3).textContent()).toBe('200');
      expect(await row.locator('td').nth(6).textContent()).toBe(maskSecret(SECRET));
      await page.waitForFunction(() => {
        const img = document.querySelector<HTMLImageElement>('#images img');
        return img !== null && img.complete && img.naturalWidth > 0;
      }, undefined, { timeout: 15_000 });
      expect(await page.$eval('#images img', (img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight])).toEqual([1536, 1024]);

      // A row opens on a click to show what was sent (licence masked) and what came back.
      await row.click();
      const detail = page.locator('#requests tr.detail');
      await detail.waitFor({ timeout: 15_000 });
      expect(JSON.parse((await detail.locator('pre.request-body').textContent()) ?? '')).toEqual({ model: 'sora_image', prompt: 'a lighthouse', size: '1536x1024' });
      const sentHeaders = (await detail.locator('pre.request-headers').textContent()) ?? '';
      expect(sentHeaders).toContain(`authorization: ${maskSecret(SECRET)}`);
      expect(sentHeaders).not.toContain(SECRET);
      expect(await detail.locator('pre.response').textContent()).toMatch(/^status 200\nimage \/sora\/v1\/files\/.+\.png$/);
      await row.click();
      await detail.waitFor({ state: 'detached', timeout: 15_000 });

      // A run-time fault shows in the list while in force, and on the row it shaped.
      const fault = server.mock.faults.add({ scenario: 'rate_limited', times: 1, route: 'GET /models' });
      await page.locator(`#faults li[data-fault-id="${fault.id}"]`, { hasText: 'rate_limited on GET /models · 1 left' }).waitFor({ timeout: 15_000 });
      expect((await fetch(`${url}/sora/v1/models`, { headers: { authorization: SECRET } })).status).toBe(429);
      const faulted = page.locator('#requests tr.request', { hasText: '/sora/v1/models' });
      await faulted.waitFor({ timeout: 15_000 });
      expect(await faulted.locator('td').nth(3).textContent()).toBe('429 rate_limit_exceeded');
      expect(await faulted.locator('td').nth(5).textContent()).toBe(`rate_limited (${fault.id})`);
      await page.locator('#faults-empty').waitFor({ state: 'visible', timeout: 15_000 });

      // A video job: its progress bar follows the mock's clock, then its player appears.
      const created = await call('/videos', { model: 'sora_video2-landscape', prompt: 'a paper boat' });
      const { id } = (await created.json()) as { id: string };
      const card = page.locator(`[data-job-id="${id}"]`);
      await card.waitFor({ timeout: 15_000 });
      const progressOf = async () => Number(await card.locator('progress').getAttribute('value'));
      const before = await progressOf();
      clock += 1500; // half of the 3 s render of a 10 s SD video
      await expect.poll(progressOf, { timeout: 15_000 }).toBeGreaterThan(before);
      expect(await card.getAttribute('data-status')).toBe('in_progress');

      server.mock.advance(5000);
      await page.waitForSelector(`[data-job-id="${id}"][data-status="completed"] video`, { timeout: 15_000 });
      await page.waitForFunction((jobId) => {
        const root = document.querySelector(`[data-job-id="${jobId}"]`)!;
        const thumb = root.querySelector('img')!;
        const video = root.querySelector('video')!;
        return thumb.complete && thumb.naturalWidth > 0 && video.readyState >= 1;
      }, id, { timeout: 20_000 });
      const media = await card.evaluate((root) => {
        const thumb = root.querySelector('img')!;
        const video = root.querySelector('video')!;
        return { thumb: [thumb.naturalWidth, thumb.naturalHeight], video: [video.videoWidth, video.videoHeight], duration: video.duration };
      });
      expect(media.video).toEqual([1280, 720]);
      expect(media.thumb[0] / media.thumb[1]).toBeCloseTo(1280 / 720, 1);
      expect(media.duration).toBeCloseTo(10, 1);

      // The curl snippets work as pasted into a shell (with the licence in SORA_API_KEY).
      const shell = (script: string) =>
        run('bash', ['-euo', 'pipefail', '-c', script], { cwd: mkdtempSync(join(tmpdir(), 'sora-kit-snippet-')), env: { ...process.env, SORA_API_KEY: SECRET } });
      const imageSnippet = snippets.find((s) => s.includes('/images/generations'))!;
      const image = JSON.parse((await shell(imageSnippet)).stdout) as { data: { url: string }[] };
      expect(image.data[0].url).toMatch(new RegExp(`^${url}/sora/v1/files/.+\\.png$`));
      const videoSnippet = snippets.find((s) => s.includes('/videos/$id'))!;
      const polled = (await shell(videoSnippet)).stdout;
      expect(polled).toMatch(/"object":\s*"video"/);
      expect(polled).toMatch(/"id":\s*"video_/);
      await page.locator('#requests tr', { hasText: '/content' }).waitFor({ timeout: 15_000 });

      // The page's own thumbnail and player loads are not listed as requests.
      const listed = await page.locator('#requests td.path').allTextContents();
      expect(listed.filter((path) => path.includes('/files/'))).toEqual([]);
      expect(listed.at(-1)).toBe('/sora/v1/images/generations');

      // The client report panel: a refused request shows as a finding with its example.
      expect((await fetch(`${url}/sora/v1/videos?limit=many`, { headers: { authorization: SECRET } })).status).toBe(400);
      const finding = page.locator('#client-report tr[data-rule="refused-request"]', { hasText: 'GET /sora/v1/videos?limit=many' });
      await finding.waitFor({ timeout: 15_000 });
      expect(await page.locator('#client-report-empty').isHidden()).toBe(true);

      await screenshot(page, 'inspector.png');
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
