/**
 * `sora-kit proxy` as a session (the library call the CLI makes, with a test judge) and as a child
 * process: the report at shutdown, the exit status by --fail-on, the recording, and bad flags.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { PROXY_DEFAULTS, startProxySession } from '../../src/proxy/index.js';
import { parseHar } from '../../src/replay/index.js';
import { LICENCE, serve, type Served } from '../e2e/support.js';
import { recordingJudge, spawnCli, type Child } from './helpers.js';

let served: Served;
beforeAll(async () => {
  served = await serve({ instant: true });
});
afterAll(() => served.server.close());

const children: Child[] = [];
afterEach(() => {
  for (const { child } of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

const notFound = recordingJudge((e) => (e.response.status === 404 ? { check: 'test.no-404', severity: 'should', message: 'not found' } : undefined));
const quiet = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) } };
};

describe('a proxy session (what the CLI runs)', () => {
  it('stop() writes the JSON report and ends 1 when a violation at --fail-on was seen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-proxy-'));
    const { lines, io } = quiet();
    const session = await startProxySession({ target: served.url, port: 0, report: join(dir, 'report.json') }, { createJudge: () => notFound, io });
    await fetch(`${session.url}/sora/v1/videos/video_nope`, { headers: { authorization: `Bearer ${LICENCE}` } });
    await fetch(`${session.url}/sora/v1/models`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await session.stop()).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Record<string, unknown>;
    expect(report).toMatchObject({ target: served.url, exchanges: 2, failOn: 'should', summary: { should: 1, must: 0, info: 0, failing: 1 } });
    expect(report.violations).toEqual([{ check: 'test.no-404', severity: 'should', method: 'GET', url: `${served.url}/sora/v1/videos/video_nope`, message: 'not found' }]);
    expect(lines).toContain(`✗ test.no-404 [should] GET ${served.url}/sora/v1/videos/video_nope: not found`);
  });

  it('--fail-on must lets should violations pass, info never fails, and a .xml report is JUnit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-proxy-'));
    const must = await startProxySession({ target: served.url, port: 0, failOn: 'must', report: join(dir, 'junit.xml') }, { createJudge: () => notFound, io: quiet().io });
    await fetch(`${must.url}/sora/v1/videos/video_nope`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await must.stop()).toBe(0);
    const xml = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(xml).toMatch(/^<\?xml/);
    expect(xml).toContain('<testcase classname="test" name="test.no-404">');
    expect(xml).not.toContain('<failure');

    const info = recordingJudge(() => ({ check: 'test.note', severity: 'info', message: 'noted' }));
    const session = await startProxySession({ target: served.url, port: 0, report: join(dir, 'fail.xml') }, { createJudge: () => info, io: quiet().io });
    await fetch(`${session.url}/sora/v1/models`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await session.stop()).toBe(0);
    const failing = await startProxySession({ target: served.url, port: 0, report: join(dir, 'fail.xml') }, { createJudge: () => notFound, io: quiet().io });
    await fetch(`${failing.url}/sora/v1/videos/video_nope`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await failing.stop()).toBe(1);
    expect(readFileSync(join(dir, 'fail.xml'), 'utf8')).toMatch(/<failure type="should" message="GET [^"]+video_nope: not found">/);
  });
});

describe('the default judge: the conformance checks', () => {
  it('the official SDK through the proxy to the mock: zero violations, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-proxy-'));
    const session = await startProxySession({ target: served.url, port: 0, report: join(dir, 'report.json') }, { io: quiet().io });
    const client = new OpenAI({ apiKey: LICENCE, baseURL: `${session.url}/sora/v1` });
    await client.images.generate({ model: 'sora_image', prompt: 'a red bicycle', size: '1792x1024' as never, n: 2 });
    const stream = await client.chat.completions.create({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: 'a red bicycle' }] });
    for await (const chunk of stream) void chunk;
    let video = await client.videos.create({ model: 'sora_video2-landscape' as never, prompt: 'a cat' });
    while (video.status !== 'completed' && video.status !== 'failed') video = await client.videos.retrieve(video.id);
    await (await client.videos.downloadContent(video.id)).arrayBuffer();
    // stop() cuts media fetches still under way (no client waits for them): let them end first.
    await session.proxy.settled();
    expect(await session.stop()).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { exchanges: number; violations: unknown[] };
    expect(report.violations).toEqual([]);
    // The media links the answers carried were fetched and judged too.
    expect(report.exchanges).toBeGreaterThan(6);
  });

  it('reports what the rules say a request should get: a bad size accepted is errors.bad-size', async () => {
    // A "deployment" that accepts anything: the mock behind a rewrite that drops a malformed size.
    const { createServer, request } = await import('node:http');
    const upstream = new URL(served.url);
    const lax = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.from(Buffer.concat(chunks).toString('utf8').replace(/,?"size":"[^"]*\*[^"]*"/, ''));
        const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, 'content-length': String(body.length) } }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.end(body);
      });
    });
    await new Promise<void>((r) => lax.listen(0, '127.0.0.1', r));
    const { port } = lax.address() as { port: number };
    try {
      const { lines, io } = quiet();
      const session = await startProxySession({ target: `http://127.0.0.1:${port}`, port: 0 }, { io });
      const answer = await fetch(`${session.url}/sora/v1/videos`, {
        method: 'POST',
        headers: { authorization: LICENCE, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sora_video2', prompt: 'a cat', size: '1280*720' }),
      });
      expect(answer.status).toBe(200);
      expect(await session.stop()).toBe(1);
      expect(lines).toContainEqual(expect.stringMatching(/^✗ errors\.bad-size \[must\] POST .*\/sora\/v1\/videos: size '1280\*720' is not widthxheight: the platform refuses it \(400 or 422\), the deployment answered 200/));
    } finally {
      lax.close();
    }
  });

  it('an .html report is the checker\'s html report of the checks traffic broke', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-proxy-'));
    const session = await startProxySession({ target: served.url, port: 0, report: join(dir, 'report.html') }, { createJudge: () => notFound, io: quiet().io });
    await fetch(`${session.url}/sora/v1/videos/video_nope`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await session.stop()).toBe(1);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('test.no-404');
    expect(html).toMatch(/1 violation\(s\) in the traffic:\s*GET [^<]+video_nope: not found/);
    expect(html).toContain('FAILED: 1 should check(s) failed');
  });
});

describe('the help of every command', () => {
  it('shows each default once, from the table it comes from (commander\'s display, not the description too)', async () => {
    const program = await buildProgram();
    const commands = program.commands.flatMap((c) => [c, ...c.commands]);
    expect(commands.map((c) => c.name())).toEqual(expect.arrayContaining(['proxy', 'serve', 'check', 'image', 'video']));
    /** What --help prints beside each option of a command. */
    const described = (command: Command) => new Map(command.options.map((o) => [o.long, command.createHelp().optionDescription(o)]));
    for (const command of commands) {
      for (const [flag, text] of described(command)) expect((text.match(/\bdefault\b/gi) ?? []).length, `${command.name()} ${flag}: ${text}`).toBeLessThanOrEqual(1);
    }
    const proxy = described(program.commands.find((c) => c.name() === 'proxy')!);
    expect(proxy.get('--host')).toMatch(new RegExp(`\\(default: "${PROXY_DEFAULTS.host}"\\)$`));
    expect(proxy.get('--port')).toMatch(new RegExp(`\\(default: ${PROXY_DEFAULTS.port}\\)$`));
    expect(proxy.get('--fail-on')).toMatch(new RegExp(`\\(default: "${PROXY_DEFAULTS.failOn}"\\)$`));
    expect(proxy.get('--max-body-bytes')).toMatch(/\(default: 64 MiB\)$/);
  });
});

describe('sora-kit proxy (the process)', () => {
  it('forwards, records and, on SIGTERM, writes the report and exits 0 with nothing judged against it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-proxy-'));
    const running = spawnCli(['proxy', '--target', served.url, '--port', '0', '--record', join(dir, 'rec'), '--report', join(dir, 'report.json')]);
    children.push(running);
    await expect.poll(() => /listening on (http:\/\/\S+)/.test(running.stdout()) || running.child.exitCode !== null, { timeout: 20_000 }).toBe(true);
    const url = /listening on (http:\/\/\S+)/.exec(running.stdout())?.[1] as string;
    const direct = await (await fetch(`${served.url}/sora/v1/models`, { headers: { authorization: `Bearer ${LICENCE}` } })).text();
    const proxied = await fetch(`${url}/sora/v1/models`, { headers: { authorization: `Bearer ${LICENCE}` } });
    expect(await proxied.text()).toBe(direct);
    expect(await (await fetch(`${url}/__sora/proxy/report`)).json()).toEqual({ exchanges: 1, violations: [] });
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'))).toMatchObject({ exchanges: 1, violations: [] });
    const files = readdirSync(join(dir, 'rec'));
    expect(files).toHaveLength(1);
    const text = readFileSync(join(dir, 'rec', files[0]), 'utf8');
    expect(parseHar(JSON.parse(text)).log.entries.map((e) => e.request.url)).toEqual([`${served.url}/sora/v1/models`]);
    expect(text).not.toContain(LICENCE);
  });

  it('a bad --target exits 2 with a message saying what to give', async () => {
    const running = spawnCli(['proxy', '--target', 'sora.example.com']);
    children.push(running);
    expect(await running.exited).toBe(2);
    expect(running.stderr()).toContain("sora-kit proxy: --target 'sora.example.com' is not an absolute URL; give the deployment's origin, e.g. --target https://sora.example.com");
  });
});

describe('a long session', () => {
  it('keeps a bounded number of violations, counts the rest, and still fails the run for them', async () => {
    const { createValidatingProxy } = await import('../../src/proxy/server.js');
    const { failingCount } = await import('../../src/proxy/report.js');
    const every = recordingJudge(() => ({ check: 'test.every', severity: 'must', message: 'always wrong' }));
    const proxy = createValidatingProxy({ target: served.url, judge: every, fetchMedia: false, maxViolationsKept: 2 });
    const { url } = await proxy.listen({ port: 0, host: '127.0.0.1' });
    try {
      for (let i = 0; i < 5; i++) await fetch(`${url}/sora/v1/models`, { headers: { authorization: LICENCE } });
      await proxy.settled();
      const report = proxy.report();
      expect(report.exchanges).toBe(5);
      expect(report.violations).toHaveLength(2);
      expect(report.notKept).toEqual({ must: 3, should: 0, info: 0 });
      expect(failingCount(report, 'must')).toBe(5);
    } finally {
      await proxy.close();
    }
  });
});
