/**
 * The proxy's hostile-peer items a browser decides (issue 24, items 8 and 9), in Chromium: a page the
 * deployment sends runs nothing on the proxy's origin, and long values from a deployment keep the
 * proxy's html views (the inspector page, the html report) readable, the whole value one click away.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createValidatingProxy, reportFile, writeReport, type ValidatingProxy } from '../../src/proxy/index.js';
import { recordingJudge, upstream, type Upstream } from './helpers.js';

const LONG_WORD = 'x'.repeat(2048);
/** A page that tries to read the proxy's report from the proxy's origin, and says so in its title. */
const EVIL_HTML = `<!doctype html><title>untouched</title><script>document.title = 'ran'; fetch('/__sora/proxy/report').then((r) => r.text()).then((t) => { document.title = 'read ' + t.length; });</script>`;
const EVIL_SVG = `<svg xmlns="http://www.w3.org/2000/svg"><title>untouched</title><script>document.title = 'ran'; fetch('/__sora/proxy/report').then(() => { document.title = 'read'; });</script></svg>`;

let browser: Browser;
let up: Upstream;
let proxy: ValidatingProxy;
let url: string;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  up = await upstream((req, res) => {
    if (req.url === '/evil.html') return res.writeHead(200, { 'content-type': 'text/html' }).end(EVIL_HTML);
    if (req.url === '/evil.svg') return res.writeHead(200, { 'content-type': 'image/svg+xml' }).end(EVIL_SVG);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no","type":"invalid_request_error","param":null,"code":null}}');
  });
  const judge = recordingJudge((e) => (e.response.status === 404 ? { check: 'test.long', severity: 'must', message: `the model ${LONG_WORD} is unknown` } : undefined));
  proxy = createValidatingProxy({ target: up.url, judge, fetchMedia: false });
  ({ url } = await proxy.listen({ port: 0, host: '127.0.0.1' }));
}, 30_000);
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await up?.close();
});

async function withPage<T>(work: (page: Page) => Promise<T>): Promise<T> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    return await work(page);
  } finally {
    await page.close();
  }
}

describe('8: forwarded active content runs nothing on the proxy origin', () => {
  it.for(['evil.html', 'evil.svg'])('%s opened through the proxy cannot script the page or read the report', { timeout: 30_000 }, async (file) => {
    await withPage(async (page) => {
      await page.goto(`${url}/${file}`);
      // Give a script that could run the time to run and fetch.
      await page.waitForTimeout(300);
      expect(await page.title()).toBe('untouched');
    });
  });
});

describe('9: long values keep the html views readable, the whole value on demand', () => {
  it('the inspector page: 2 KB words neither widen its tables nor hide the value', async () => {
    await fetch(`${url}/sora/v1/models/${LONG_WORD}`);
    await proxy.settled();
    await withPage(async (page) => {
      await page.goto(`${url}/__sora/proxy/`);
      await expect.poll(() => page.textContent('#counts'), { timeout: 10_000 }).toMatch(/^[1-9]\d* exchanges, [1-9]\d* violations$/);
      const size = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
      expect(size.width).toBeLessThanOrEqual(1280);
      expect(size.height).toBeLessThan(2000);
      const full = await page.$$eval('#violations .full', (els) => els.map((e) => e.textContent));
      expect(full).toContain(`the model ${LONG_WORD} is unknown`);
    });
  }, 30_000);

  it('the html report: a 2 MB model id keeps every row short and the page narrow; the whole message is in the report', async () => {
    const model = 'm'.repeat(2 * 1024 * 1024);
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-hostile-'));
    const file = join(dir, 'report.html');
    writeReport(
      file,
      reportFile(
        { exchanges: 1, violations: [{ check: 'images.model', severity: 'must', method: 'POST', url: `${up.url}/sora/v1/images/generations`, message: `unknown model '${model}'` }] },
        { target: up.url, startedAt: new Date(0), failOn: 'should' },
      ),
    );
    expect(readFileSync(file, 'utf8')).toContain(model);
    await withPage(async (page) => {
      await page.goto(pathToFileURL(file).href);
      const size = await page.evaluate(() => ({
        width: document.documentElement.scrollWidth,
        height: document.documentElement.scrollHeight,
        row: Math.max(...[...document.querySelectorAll('tr')].map((tr) => tr.getBoundingClientRect().height)),
      }));
      expect(size.width).toBeLessThanOrEqual(1280);
      expect(size.row).toBeLessThan(1500);
      expect(size.height).toBeLessThan(5000);
    });
  }, 30_000);
});
