/**
 * `sora-kit serve` as shipped (inspector on) under the hostile inputs that once grew it without bound
 * or killed it: huge chat prompts, a huge unknown model echoed back, thousands of jobs with inspector
 * viewers that never read. It runs in its own process, as users run it, so its RSS is its own; it must
 * stay up, answer health, and stay under 400 MB throughout. Sizes are scaled so the test takes seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LICENCE, REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';

const RSS_LIMIT_MB = 400;

let child: ChildProcess;
let origin: string;
const viewers: ClientRequest[] = [];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb / 1024;
}

beforeAll(async () => {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_')));
  child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--quiet'], {
    cwd: REPO_ROOT,
    env: clean,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start: ${out}`)), 20_000);
    child.stdout?.on('data', () => {
      const m = /listening on (http:\/\/[^/\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        origin = m[1];
        done();
      }
    });
  });
}, 30_000);

afterAll(() => {
  for (const v of viewers) v.destroy();
  child?.kill('SIGKILL');
});

/** An inspector viewer: `read` false pauses its socket after the headers, like a tab that never drains. */
function viewer(read: boolean): Promise<{ received: () => number }> {
  return new Promise((done, fail) => {
    let received = 0;
    const req = httpRequest(`${origin}/__sora/inspector/events`, (res) => {
      if (!read) res.pause();
      else res.on('data', (chunk: Buffer) => (received += chunk.length));
      done({ received: () => received });
    });
    req.on('error', (error) => (viewers.includes(req) ? undefined : fail(error)));
    req.end();
    viewers.push(req);
  });
}

async function api(path: string, body: string): Promise<{ status: number; bytes: number }> {
  const r = await fetch(`${origin}/sora/v1${path}`, { method: 'POST', headers: { authorization: LICENCE, 'content-type': 'application/json' }, body });
  return { status: r.status, bytes: (await r.arrayBuffer()).byteLength };
}

const healthy = async () => (await fetch(`${origin}/__sora/health`)).status === 200;

describe('sora-kit serve under hostile input, inspector viewers attached', () => {
  it('refuses huge chat prompts quickly, and stays bounded', async () => {
    await viewer(true);
    await viewer(false);
    const prompt = 'x'.repeat(8 * 1024 * 1024);
    const body = JSON.stringify({ model: 'sora_video2', stream: true, messages: [{ role: 'user', content: prompt }] });
    const answers = await Promise.all([0, 1, 2, 3].map(() => api('/chat/completions', body)));
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.bytes).toBeLessThan(4096);
    }
    const list = await fetch(`${origin}/sora/v1/videos?limit=1`, { headers: { authorization: LICENCE } });
    expect((await list.arrayBuffer()).byteLength).toBeLessThan(64 * 1024);
    expect(await healthy()).toBe(true);
    expect(rssMb(child.pid as number)).toBeLessThan(RSS_LIMIT_MB);
  }, 60_000);

  it('cuts a huge unknown model in its error, and stays bounded', async () => {
    const model = 'm'.repeat(8 * 1024 * 1024);
    const a = await api('/images/generations', JSON.stringify({ model, prompt: 'x' }));
    expect(a.status).toBe(400);
    expect(a.bytes).toBeLessThan(4096);
    expect(await healthy()).toBe(true);
    expect(rssMb(child.pid as number)).toBeLessThan(RSS_LIMIT_MB);
  }, 60_000);

  it('keeps thousands of jobs and stalled viewers bounded while a reading viewer still gets updates', async () => {
    const reading = await viewer(true);
    for (let i = 0; i < 5; i++) await viewer(false);
    const body = JSON.stringify({ model: 'sora_video2-25s', prompt: 'a long render' });
    for (let i = 0; i < 3000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, () => api('/videos', body)));
    }
    const before = reading.received();
    await new Promise((r) => setTimeout(r, 3000));
    expect(reading.received()).toBeGreaterThan(before);
    expect(await healthy()).toBe(true);
    expect(rssMb(child.pid as number)).toBeLessThan(RSS_LIMIT_MB);
  }, 120_000);
});
