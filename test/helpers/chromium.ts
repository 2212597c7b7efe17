/**
 * Debian's Chromium, driven by playwright-core (which never downloads a browser of its own; .ci/run
 * installs the `chromium` package). Headless, no network beyond what the page asks of 127.0.0.1.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Screenshots and other artefacts a person may want after a run (gitignored). */
export const ARTIFACTS_DIR = join(import.meta.dirname, '..', 'artifacts');

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught page errors and failed requests, in order. */
  problems: string[];
}

/**
 * A fresh context and page that records everything a person would see as an error in DevTools.
 * Requests to anything but 127.0.0.1/localhost are aborted, so a test can never reach the internet.
 */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(`console.error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed';
    // A media element that stops loading a partial response is not an error (ERR_ABORTED on Range reads).
    if (reason === 'net::ERR_ABORTED' && ['media', 'eventsource'].includes(request.resourceType())) return;
    problems.push(`request failed: ${request.method()} ${request.url()} (${reason})`);
  });
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
