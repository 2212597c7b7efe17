/**
 * `sora-kit serve` as a user runs it: a child process, its banner, its logs, its exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LICENCE, REPO_ROOT } from './support.js';
import { CLI } from '../helpers/cli.js';

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function sora(args: string[], env: Record<string, string> = {}): Running {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_')));
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function listening(running: Running): Promise<string> {
  await expect.poll(() => /listening on (http:\/\/\S+)/.test(running.stdout()) || running.child.exitCode !== null, { timeout: 20_000 }).toBe(true);
  const match = /listening on (http:\/\/\S+)/.exec(running.stdout());
  if (!match) throw new Error(`serve did not start:\n${running.stdout()}\n${running.stderr()}`);
  return match[1];
}

describe('sora-kit serve', () => {
  it('prints the URL, the dev licence and the admin state, serves, logs, and stops on SIGTERM', async () => {
    const running = sora(['serve', '--port', '0', '--instant']);
    const api = await listening(running);
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/sora\/v1$/);
    expect(running.stdout()).toContain('sk-sora-mock (chat, images, videos)');
    expect(running.stdout()).toMatch(/admin:\s+off/);
    const origin = new URL(api).origin;
    expect(running.stdout()).toContain(`inspector: ${origin}/ (open in a browser)`);
    const page = await fetch(`${origin}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('sora-kit inspector');

    const response = await fetch(`${api}/models`, { headers: { authorization: LICENCE } });
    expect(response.status).toBe(200);
    await expect.poll(() => running.stdout()).toMatch(/\d\d:\d\d:\d\d\.\d{3} GET \/sora\/v1\/models 200 \d+\.\dms \d+B\n/);

    // An error line names the envelope's code, and the scenario that shaped the answer.
    const limited = await fetch(`${api}/models`, { headers: { authorization: LICENCE, prefer: 'scenario=rate_limited' } });
    expect(limited.status).toBe(429);
    await expect.poll(() => running.stdout()).toMatch(/GET \/sora\/v1\/models 429 rate_limit_exceeded .*scenario=rate_limited/);
    await fetch(`${api}/videos/video_nope`, { headers: { authorization: LICENCE } });
    await expect.poll(() => running.stdout()).toMatch(/GET \/sora\/v1\/videos\/video_nope 404 video_not_found /);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('uses the licences and admin state it is given, and logs JSON lines', async () => {
    const running = sora(['serve', '--port', '0', '--license', 'team-key=videos', '--admin', '--log', 'json'], {
      SORA_MOCK_LICENSES: 'ignored-because-flags-win',
    });
    await expect.poll(() => running.stdout().includes('\n') || running.child.exitCode !== null, { timeout: 20_000 }).toBe(true);
    const banner = JSON.parse(running.stdout().split('\n')[0]) as {
      url: string;
      licenses: string[];
      admin: string | false;
    };
    expect(banner.licenses).toEqual(['team-key (chat, videos)']);
    expect(banner.admin).toMatch(/\/__sora\/$/);
    const denied = await fetch(`${banner.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: 'team-key', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora_image', prompt: 'x' }),
    });
    expect(denied.status).toBe(403);
    await expect.poll(() => running.stdout().split('\n').length).toBeGreaterThan(2);
    const line = JSON.parse(running.stdout().split('\n')[1]) as Record<string, unknown>;
    expect(line).toMatchObject({ method: 'POST', url: '/sora/v1/images/generations', status: 403, code: 'feature_not_enabled' });

    // A run-time fault added over HTTP: the JSON line names it.
    const admin = new URL(banner.admin as string);
    const fault = (await (
      await fetch(new URL('faults', admin), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'server_error', times: 1, route: 'GET /videos' }) })
    ).json()) as { id: string };
    expect((await fetch(`${banner.url}/videos`, { headers: { authorization: 'team-key' } })).status).toBe(500);
    await expect.poll(() => running.stdout()).toContain('"status":500');
    const faulted = running
      .stdout()
      .split('\n')
      .filter((l) => l.includes('"status":500'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(faulted).toEqual([expect.objectContaining({ url: '/sora/v1/videos', code: 'internal_error', scenario: 'server_error', fault: fault.id })]);
    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
  });

  it('says clearly that the port is taken and exits 2 without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const running = sora(['serve', '--port', String(port)]);
      expect(await running.exited).toBe(2);
      expect(running.stderr()).toContain(`port ${port} on 127.0.0.1 is already in use`);
      expect(running.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it('rejects a bad setting naming its key and source', async () => {
    const flag = sora(['serve', '--port', 'eighty']);
    expect(await flag.exited).toBe(2);
    expect(flag.stderr()).toMatch(/--port: expected an integer.*"eighty"/);
    const env = sora(['serve'], { SORA_MOCK_SPEED: 'fast' });
    expect(await env.exited).toBe(2);
    expect(env.stderr()).toMatch(/SORA_MOCK_SPEED: expected a positive number.*"fast"/);
  });

  it('prints the effective configuration with its sources', async () => {
    const running = sora(['serve', '--print-config', '--seed', 'from-flag', '--no-cors', '--no-inspector'], {
      SORA_MOCK_SEED: 'from-env',
      SORA_MOCK_RETENTION_SECONDS: '60',
    });
    expect(await running.exited).toBe(0);
    const printed = JSON.parse(running.stdout()) as {
      server: { port: number; inspector: boolean };
      mock: { seed: string; cors: boolean; retentionSeconds: number; licenses: { key: string }[] };
      sources: Record<string, string>;
    };
    expect(printed.server).toMatchObject({ port: 4010, inspector: false });
    expect(printed.mock).toMatchObject({ seed: 'from-flag', cors: false, retentionSeconds: 60 });
    expect(printed.mock.licenses.map((l) => l.key)).toEqual(['sk-sora-mock']);
    expect(printed.sources).toEqual({ seed: 'flag', cors: 'flag', inspector: 'flag', retentionSeconds: 'env' });
  });
});
