/**
 * Drive-by access, in Debian's Chromium: while `sora-kit serve --admin` runs, a web page the developer
 * happens to open (served from another origin: a second node:http server on another 127.0.0.1 port)
 * tries to read the journal and the state, and to move the clock, reset the mock and add a fault with
 * the requests a page may send without asking (no-cors, text/plain). It must read nothing and change
 * nothing. Then the DNS-rebinding variant: a page whose own origin is a name the attacker pointed at
 * 127.0.0.1 (Chromium's host resolver rules stand in for the attacker's DNS) is refused outright.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer } from '../../src/adapters/node.js';
import { CHROMIUM_PATH } from '../helpers/chromium.js';

const SECRET_LICENCE = 'team-secret-licence-0123456789';
const SECRET_PROMPT = 'a very private prompt about a fox';

let browser: Browser;
let mockServer: SoraServer;
let mockUrl: string;
let mockPort: number;
let evil: Server;
let evilUrl: string;

beforeAll(async () => {
  // The attacker's DNS: evil.example resolves to this machine.
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--host-resolver-rules=MAP evil.example 127.0.0.1'],
  });
  mockServer = createSoraServer({ admin: true, instant: true, licenses: [{ key: SECRET_LICENCE, features: ['chat', 'images', 'videos'] }] }, { inspector: true });
  ({ url: mockUrl, port: mockPort } = await mockServer.listen({ port: 0, host: '127.0.0.1' }));
  evil = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>an ordinary page</title><p>nothing to see</p>');
  });
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await browser?.close();
  await mockServer?.close();
  await new Promise((resolve) => evil?.close(resolve));
});

/** What a page can learn from, and do to, `target` with fetch(). Runs in the page. */
async function attack(target: string): Promise<Record<string, string>> {
  const seen: Record<string, string> = {};
  for (const path of ['/__sora/requests', '/__sora/state', '/__sora/inspector/state']) {
    for (const mode of ['cors', 'no-cors'] as const) {
      try {
        const response = await fetch(`${target}${path}`, { mode });
        seen[`${mode} ${path}`] = `${response.type} ${response.status} ${await response.text()}`;
      } catch (error) {
        seen[`${mode} ${path}`] = `refused: ${(error as Error).message}`;
      }
    }
  }
  // In this order each leaves its own trace: the reset empties the journal, the fault stays, the clock moves.
  const writes: [string, string][] = [
    ['/__sora/reset', '{}'],
    ['/__sora/faults', '{"scenario":"server_error"}'],
    ['/__sora/advance', '{"ms":1000000000}'],
  ];
  for (const [path, body] of writes) {
    try {
      const response = await fetch(`${target}${path}`, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body });
      seen[`POST ${path}`] = `${response.type} ${response.status}`;
    } catch (error) {
      seen[`POST ${path}`] = `refused: ${(error as Error).message}`;
    }
  }
  return seen;
}

describe('a page on another origin while --admin is on', () => {
  it('reads nothing from /__sora/* and changes nothing with no-cors text/plain POSTs', async () => {
    // Something worth stealing: a request with a prompt, journalled with its masked licence.
    const made = await fetch(`${mockUrl}/sora/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: SECRET_LICENCE, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: SECRET_PROMPT, model: 'sora_image' }),
    });
    expect(made.status).toBe(200);
    const mock = mockServer.mock;
    const journalBefore = mock.requests().map((e) => `${e.id} ${e.method} ${e.path} ${e.startedAt}`);
    const offsetBefore = mock.now() - Date.now();

    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${evilUrl}/`);
      const seen = await page.evaluate(attack, mockUrl);

      // Nothing moved: the clock, the journal (no reset: every earlier entry is still there), the faults.
      expect(Math.abs(mock.now() - Date.now() - offsetBefore)).toBeLessThan(1000);
      expect(mock.requests().map((e) => `${e.id} ${e.method} ${e.path} ${e.startedAt}`).slice(0, journalBefore.length)).toEqual(journalBefore);
      expect(mock.faults.list()).toEqual([]);
      for (const [what, result] of Object.entries(seen)) {
        expect(result, what).not.toContain(SECRET_PROMPT);
        expect(result, what).not.toContain('sora_image');
        // Readable (cors) answers must not exist; opaque ones show nothing.
        if (what.startsWith('cors ')) expect(result, what).toMatch(/^refused: /);
        if (what.startsWith('no-cors ')) expect(result, what).toMatch(/^(opaque 0 $|refused: )/);
      }
      // What reached the mock was refused, and said so in the journal.
      const admin = mock.requests().filter((e) => e.path.startsWith('/__sora/'));
      expect(admin.length).toBeGreaterThan(0);
      for (const entry of admin) expect([403, 415], `${entry.method} ${entry.path}`).toContain(entry.status);
    } finally {
      await context.close();
    }
  });

  it('a DNS-rebound name (same origin as far as the browser knows) is refused by the Host check', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const rebound = `http://evil.example:${mockPort}`;
      const landing = await page.goto(`${rebound}/`);
      expect(landing?.status()).toBe(403);
      expect(await page.textContent('body')).toContain('host_not_allowed');
      const seen = await page.evaluate(async (target) => {
        const out: Record<string, string> = {};
        for (const path of ['/__sora/requests', '/__sora/state', '/__sora/inspector/state', '/__sora/inspector/events']) {
          const response = await fetch(`${target}${path}`);
          out[path] = `${response.status} ${(await response.text()).slice(0, 200)}`;
        }
        const advance = await fetch(`${target}/__sora/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms":1000000000}' });
        out.advance = `${advance.status} `;
        return out;
      }, rebound);
      for (const [path, result] of Object.entries(seen)) {
        expect(result, path).toMatch(/^403 /);
        expect(result, path).not.toContain(SECRET_PROMPT);
      }
      expect(Math.abs(mockServer.mock.now() - Date.now())).toBeLessThan(1000);
      // The same page on the real name works (the inspector is for the person at this machine).
      const own = await page.goto(`${mockUrl}/`);
      expect(own?.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});
