/**
 * Stored script, in Debian's Chromium: a recording from an untrusted deployment holds an SVG and an
 * HTML answer with a `<script>` that reads the mock's journal and adds a fault. Replayed by
 * `sora-kit serve --replay FILE --admin` and opened in the browser, neither may act on the mock's
 * origin: the sandbox gives the document an opaque origin, so its script does not run, and even script
 * run in it (page.evaluate) is a cross-origin caller the admin surface refuses.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoraServer } from '../../src/adapters/node.js';
import { launchChromium, watchedPage } from '../helpers/chromium.js';
import { entryOf, harFile, harOf, serveReplay } from './helpers.js';

/** What the stored script does: read the journal, add a fault, and say what it got. */
const PAYLOAD = `
fetch('/__sora/requests').then((r) => r.text()).then((t) => console.log('STOLEN ' + t.length), (e) => console.log('REFUSED ' + e));
fetch('/__sora/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"scenario":"server_error"}' });
`;
const STORED = [
  { path: '/sora/v1/files/evil.svg', type: 'image/svg+xml', body: `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>${PAYLOAD}</script></svg>` },
  { path: '/sora/v1/files/evil.html', type: 'text/html; charset=utf-8', body: `<!doctype html><title>evil</title><script>${PAYLOAD}</script>` },
];

let browser: Browser;
let server: SoraServer;
let url: string;

beforeAll(async () => {
  browser = await launchChromium();
  const replay = await serveReplay({ replay: harFile(harOf(STORED.map(entryOf))), admin: true });
  if (!replay.server) throw new Error(`serve --replay did not start:\n${replay.lines.join('\n')}`);
  ({ server, url } = replay as { server: SoraServer; url: string });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('replayed active content in a browser', () => {
  for (const { path, type } of STORED) {
    it(`${type}: its script cannot read /__sora/requests nor add a fault on the mock's origin`, async () => {
      const { context, page } = await watchedPage(browser);
      const said: string[] = [];
      page.on('console', (message) => said.push(message.text()));
      try {
        const landing = await page.goto(`${url}${path}`, { waitUntil: 'load' });
        expect(landing?.headers()['content-security-policy']).toBe('sandbox');
        // The document's origin is opaque, so anything run in it is a stranger to the mock.
        expect(await page.evaluate(() => window.origin)).toBe('null');
        const tried = await page.evaluate(() =>
          fetch('/__sora/requests').then(
            (r) => `read ${r.status}`,
            (e: Error) => `refused: ${e.message}`,
          ),
        );
        expect(tried).toMatch(/^refused: /);
        // The stored script itself never ran (the sandbox allows no script): it read nothing and said nothing.
        expect(said.filter((s) => /STOLEN|REFUSED/.test(s))).toEqual([]);
        expect(said.join('\n')).toMatch(/Blocked script execution .*sandboxed/);
        expect(server.mock.faults.list()).toEqual([]);
      } finally {
        await context.close();
      }
    });
  }
});
