/**
 * `npx vite examples/browser` as the README tells a reader to run it: Vite's own CLI with the example's
 * config prints where the page is, and that URL serves the page (and msw's worker script, from the
 * example's plugin). No browser needed: this is about the dev server starting up and saying so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/support.js';

const require = createRequire(import.meta.url);
const VITE_BIN = join(dirname(require.resolve('vite/package.json')), 'bin/vite.js');

/** A port nobody listens on right now (Vite's `--port 0` falls back to 5173, so pick one ourselves). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const stripAnsi = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

/** Resolves with everything printed once stdout contains `needle`; rejects if the process ends first. */
function waitForOutput(child: ChildProcess, needle: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no '${needle}' within ${timeoutMs} ms; stdout: ${out}\nstderr: ${err}`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += stripAnsi(chunk.toString());
      if (out.includes(needle)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vite exited (${code}) before printing '${needle}'; stdout: ${out}\nstderr: ${err}`));
    });
  });
}

describe('npx vite examples/browser', () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('prints its local URL, and that URL serves the page', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [VITE_BIN, 'examples/browser', '--port', String(port), '--strictPort'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = `http://127.0.0.1:${port}/`;
    const printed = await waitForOutput(child, url, 20_000);
    expect(printed).toMatch(new RegExp(`Local:\\s+${url.replace(/[.]/g, '\\.')}`));

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>sora-kit in the browser');
    const worker = await fetch(new URL('/mockServiceWorker.js', url));
    expect(worker.status).toBe(200);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
  }, 40_000);
});
