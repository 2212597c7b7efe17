/**
 * The proxy's inspector page in Chromium: it lists the exchanges going through and the violations the
 * judge finds, live, as text (a hostile message does not run), and another origin reads nothing.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidatingProxy, type ValidatingProxy } from '../../src/proxy/index.js';
import { LICENCE, serve, type Served } from '../e2e/support.js';
import { recordingJudge } from './helpers.js';

let served: Served;
let browser: Browser;
let proxy: ValidatingProxy;
let url: string;

beforeAll(async () => {
  served = await serve({ instant: true });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  const judge = recordingJudge((e) =>
    e.response.status === 404 ? { check: 'test.no-404', severity: 'must', message: `<img src=x onerror="window.pwned=1"> not found` } : undefined,
  );
  proxy = createValidatingProxy({ target: served.url, judge, fetchMedia: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await served?.server.close();
});

describe('the proxy inspector', () => {
  it('shows exchanges and violations as they happen', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${url}/__sora/proxy/`);
      await expect.poll(() => page.textContent('#counts')).toBe('0 exchanges, 0 violations');
      await fetch(`${url}/sora/v1/models`, { headers: { authorization: LICENCE } });
      await fetch(`${url}/sora/v1/videos/video_nope`, { headers: { authorization: LICENCE } });
      // No reload: the page polls.
      await expect.poll(() => page.textContent('#counts'), { timeout: 10_000 }).toBe('2 exchanges, 1 violations');
      const rows = await page.$$eval('#exchanges tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(rows).toEqual([
        ['2', `GET ${served.url}/sora/v1/videos/video_nope`, '404', expect.any(String), '1'],
        ['1', `GET ${served.url}/sora/v1/models`, '200', expect.any(String), '0'],
      ]);
      const violation = await page.$$eval('#violations tbody td', (tds) => tds.map((td) => td.textContent));
      expect(violation).toEqual(['test.no-404', 'must', `GET ${served.url}/sora/v1/videos/video_nope`, '<img src=x onerror="window.pwned=1"> not found']);
      expect(await page.evaluate(() => (window as { pwned?: unknown }).pwned)).toBeUndefined();
    } finally {
      await page.close();
    }
  }, 30_000);

  it('a page of another origin cannot read the proxy report', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${served.url}/sora/v1/models`);
      const result = await page.evaluate(async (target) => {
        try {
          const r = await fetch(`${target}/__sora/proxy/report`);
          return `read ${r.status}`;
        } catch {
          return 'blocked';
        }
      }, url);
      expect(result).toBe('blocked');
    } finally {
      await page.close();
    }
  }, 30_000);
});
