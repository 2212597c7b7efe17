/**
 * `sora-kit check` as a user runs it: spawned, against the mock served in this process (clean, or
 * broken by a proxy). Exit codes, the json and junit reporters, and the refusals before any request.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraServer } from '../../src/adapters/node.js';
import { maskSecret } from '../../src/mock/mask.js';
import { BROKEN } from './helpers/faults.js';
import { envelope } from './helpers/gateway.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { editFields, startProxy } from './helpers/proxy.js';
import { descendants, parseXml } from './helpers/xml.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

let mock: Awaited<ReturnType<typeof startMock>>;
const scratch = mkdtempSync(join(tmpdir(), 'sora-kit-check-'));

function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return checkWithEnv({}, ...args);
}

function checkWithEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SORA_BASE_URL' && k !== 'SORA_LICENSE'));
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'check', ...args], { cwd: REPO_ROOT, env: { ...clean, ...env }, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

beforeAll(async () => {
  mock = await startMock();
});
afterAll(() => mock.server.close());

describe('sora-kit check', () => {
  it('passes every check against the mock and exits 0 (json report)', async () => {
    const { code, stdout, stderr } = await check('--base-url', mock.url, '--license', LICENSE, '--reporter', 'json', '--fuzz', '4');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { summary: Record<string, number>; checks: Array<{ id: string; group: string; severity: string; status: string; message: string; durationMs: number }> };
    expect(report.summary).toMatchObject({ failed: 0 });
    // The early-content probe is honestly skipped when a loaded machine lets the job finish first.
    for (const c of report.checks.filter((c) => c.status === 'skipped')) expect(c.id).toBe('videos.content.before-completion');
    expect(report.summary.passed + report.summary.skipped).toBe(report.checks.length);
    expect(report.checks.length).toBeGreaterThanOrEqual(40);
    for (const c of report.checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'group', 'severity', 'status', 'message', 'durationMs']));
      expect(['must', 'should', 'info']).toContain(c.severity);
    }
    expect(new Set(report.checks.map((c) => c.group))).toEqual(new Set(['auth', 'chat', 'images', 'videos', 'models', 'errors', 'traffic', 'fuzz']));
    // Progress went to stderr, so stdout holds only the report.
    expect(stderr).toMatch(/✓ videos\.poll/);
  }, 60_000);

  it('accepts the API root as base URL and prints the pretty summary', async () => {
    const { code, stdout } = await check('--base-url', `${mock.url}/sora/v1/`, '--license', LICENSE, '--only', 'auth,videos.unknown-id');
    expect(code).toBe(0);
    expect(stdout).toMatch(/✓ auth\.missing-license \[must\]/);
    expect(stdout).toMatch(/total\s+6\s+0 \(0\/0\/0\)\s+0/);
    expect(stdout).toMatch(/PASSED: no must or should check failed/);
    // One line per check with its place in the run.
    expect(stdout).toMatch(/^\[\d\/6\] ✓ auth\.missing-license \[must\]/m);
  }, 30_000);

  it('exits 1 when a must check fails, and the junit report names it', async () => {
    const broken = BROKEN.find((b) => b.name.startsWith('wrong aspect'))!;
    const proxy = await startProxy(mock.url, broken.deviation({ fiveSecondMp4: Buffer.alloc(0) }));
    try {
      const output = join(scratch, 'report.xml');
      const { code, stderr } = await check('--base-url', proxy.url, '--license', LICENSE, '--only', 'images,errors', '--reporter', 'junit', '--output', output);
      expect(code, stderr).toBe(1);
      const root = parseXml(readFileSync(output, 'utf8'));
      expect(root.name).toBe('testsuites');
      const cases = descendants(root, 'testcase');
      expect(cases.length).toBe(Number(root.attributes.tests));
      const failing = cases.filter((c) => c.children.some((x) => x.name === 'failure')).map((c) => c.attributes.name);
      // images.edits.params sends a size too (catalogue/contract.ts), and sees it swapped.
      expect(failing).toEqual(['images.size.wide [must]', 'images.size.tall [must]', 'images.edits.params [must]']);
      expect(Number(root.attributes.failures)).toBe(3);
      const failure = descendants(root, 'failure')[0];
      expect(failure.text).toMatch(/expected a 3:2 image, decoded png 1024x1536/);
      expect(failure.text).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/sora\/v1\/images\/generations multipart \{.*size=1792x1024/);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('exits 1 when a should check fails, and 0 for the same run with --fail-on must', async () => {
    const broken = BROKEN.find((b) => b.name.startsWith('stream without'))!;
    const proxy = await startProxy(mock.url, broken.deviation({ fiveSecondMp4: Buffer.alloc(0) }));
    try {
      const strict = await check('--base-url', proxy.url, '--license', LICENSE, '--only', 'chat.image.stream');
      expect(strict.code).toBe(1);
      expect(strict.stdout).toMatch(/✗ chat\.image\.stream\.done \[should\]/);
      expect(strict.stdout).toMatch(/FAILED: 1 should check\(s\) failed/);
      const lenient = await check('--base-url', proxy.url, '--license', LICENSE, '--only', 'chat.image.stream', '--fail-on', 'must');
      expect(lenient.code).toBe(0);
      expect(lenient.stdout).toMatch(/PASSED: no must check failed \(1 should check\(s\) failed, not failing the run\)/);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('never fails a run for an info check', async () => {
    // The edit aspect is sora-kit's own rule: a deployment that ignores the input's shape is told, not failed.
    const proxy = await startProxy(mock.url, {
      request: (req) => (req.path.includes('/images/edits') ? editFields(req, (f) => void (f.size = '1024x1024')) : req),
    });
    try {
      const { code, stdout } = await check('--base-url', proxy.url, '--license', LICENSE, '--only', 'images.edits.aspect');
      expect(stdout).toMatch(/✗ images\.edits\.aspect \[info\]/);
      expect(stdout).toMatch(/PASSED: no must or should check failed \(1 info check\(s\) failed, not failing the run\)/);
      expect(code).toBe(0);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  it('exits 2 on usage errors', async () => {
    const cases = [
      ['--license', LICENSE],
      ['--base-url', mock.url],
      ['--base-url', 'not a url', '--license', LICENSE],
      ['--base-url', mock.url, '--license', LICENSE, '--severity', 'sometimes'],
      ['--base-url', mock.url, '--license', LICENSE, '--only', 'no-such-check'],
      ['--base-url', mock.url, '--license', LICENSE, '--fuzz', 'many'],
      ['--base-url', mock.url, '--license', LICENSE, '--no-such-flag'],
    ];
    const results = await Promise.all(cases.map((args) => check(...args)));
    results.forEach(({ code, stderr }, i) => {
      expect(code, `${cases[i].join(' ')}: ${stderr}`).toBe(2);
      expect(stderr.length).toBeGreaterThan(0);
    });
    // The library names its option (concurrency); the CLI says it as the flag the user typed.
    const zero = await check('--base-url', mock.url, '--license', LICENSE, '--concurrency', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--concurrency 0: expected a positive integer/);
    expect(results[2].stderr).toMatch(/--base-url 'not a url' is not a URL/);
  }, 60_000);

  it('takes the deployment and the licence from SORA_BASE_URL and SORA_LICENSE', async () => {
    const { code, stdout, stderr } = await checkWithEnv({ SORA_BASE_URL: mock.url, SORA_LICENSE: LICENSE }, '--only', 'auth', '--reporter', 'json');
    expect(code, stderr).toBe(0);
    expect((JSON.parse(stdout) as { summary: { passed: number } }).summary.passed).toBe(5);
    // Flags still win over the environment.
    const wrong = await checkWithEnv({ SORA_BASE_URL: mock.url, SORA_LICENSE: 'not-the-licence' }, '--license', LICENSE, '--only', 'auth');
    expect(wrong.code, wrong.stderr).toBe(0);
  }, 60_000);

  it('stops before any generation, in one line, when the deployment refuses the licence', async () => {
    const before = mock.server.mock.requests().length;
    const { code, stdout, stderr } = await check('--base-url', mock.url, '--license', 'sk-not-a-licence', '--reporter', 'json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/refused the licence: POST .*\/chat\/completions answered 401.*Is the licence right\? Nothing was generated\./)]);
    // Only the pre-flight reached the deployment: the seed's form, then the SDK's Bearer form.
    expect(mock.server.mock.requests().slice(before).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /sora/v1/chat/completions 401', 'POST /sora/v1/chat/completions 401']);
  }, 60_000);

  it('exits 2 saying the connection was refused when nothing listens', async () => {
    const port = await closedPort();
    const { code, stderr } = await check('--base-url', `http://127.0.0.1:${port}`, '--license', LICENSE);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `sora-kit check: No HTTP answer from http://127.0.0.1:${port}/sora/v1/chat/completions: connection refused by 127.0.0.1:${port}: is the deployment running, and is its base URL right?`,
    );
  }, 30_000);

  it('exits 2 saying it timed out, not refused, when something listens but never answers', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const { code, stderr } = await check('--base-url', `http://127.0.0.1:${port}`, '--license', LICENSE, '--timeout', '300');
      expect(code).toBe(2);
      expect(stderr).toMatch(/timed out after 300 ms \(--timeout\): the connection was accepted but no answer came/);
      expect(stderr).not.toMatch(/refused/);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  }, 30_000);

  it('prints the plan and refuses a non-loopback host without --yes', async () => {
    const { code, stderr, stdout } = await check('--base-url', 'http://192.0.2.1:8080', '--license', LICENSE, '--max-generations', '3');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Plan: \d+ checks; \d+ image\(s\) and \d+ video\(s\) will be generated/);
    expect(stderr).toMatch(/over the limit of 3 generations/);
    expect(stderr).toMatch(/Re-run with --yes/);
  }, 30_000);

  it('lists the catalogue', async () => {
    const { code, stdout } = await check('--list');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^videos\.content\.duration\s+must\s+/m);
    expect(stdout).toMatch(/rule: seed: 模型列表/);
  }, 30_000);
});

type JsonReport = {
  summary: { passed: number; failed: number; skipped: number };
  hints: string[];
  checks: Array<{ id: string; group: string; status: string; message: string }>;
};

describe.concurrent('sora-kit check behind a gateway: --header', () => {
  const SECRET = 's3cret-gateway-key-1234';

  it('sends the extra headers on every request, and reports and curl commands show $SORA_HEADER_<NAME>, never the value', async () => {
    let refused = 0;
    let passed = 0;
    // A gateway that wants its key on every request, in front of a deployment with a must fault.
    const wrongAspect = BROKEN.find((b) => b.name.startsWith('wrong aspect'))!.deviation({ fiveSecondMp4: Buffer.alloc(0) });
    const proxy = await startProxy(mock.url, {
      ...wrongAspect,
      serve: (req) => {
        if (req.headers['x-gateway-key'] === SECRET && req.headers['x-tenant'] === 'acme') return void passed++;
        refused++;
        return envelope(401, 'The gateway wants X-Gateway-Key.', 'authentication_error', null, 'gateway_key_required');
      },
    });
    try {
      const without = await check('--base-url', proxy.url, '--license', LICENSE, '--only', 'images.size');
      expect(without.code, 'the gateway refuses the pre-flight').toBe(2);
      refused = 0;
      const output = join(scratch, 'gateway.html');
      const { code, stdout, stderr } = await check(
        '--base-url', proxy.url, '--license', LICENSE, '--only', 'images.size,videos.unknown-id', '--reporter', 'html', '--output', output,
        '-H', `X-Gateway-Key: ${SECRET}`, '--header', 'X-Tenant:acme',
      );
      expect(code, stderr).toBe(1);
      expect(refused).toBe(0);
      expect(passed).toBeGreaterThan(3);
      expect(stdout).toMatch(/✗ images\.size\.wide \[must\]/);
      const html = readFileSync(output, 'utf8');
      for (const text of [stdout, stderr, html]) expect(text).not.toContain(SECRET);
      // The failed request as sent, and the commands that send it again, with the values as variables.
      expect(html).toContain('x-gateway-key: $SORA_HEADER_X_GATEWAY_KEY');
      expect(html).toContain('x-tenant: $SORA_HEADER_X_TENANT');
      expect(html).toContain('-H &quot;X-Gateway-Key: $SORA_HEADER_X_GATEWAY_KEY&quot;');
      expect(html).toContain('<code>SORA_LICENSE</code>, <code>SORA_HEADER_X_GATEWAY_KEY</code>, <code>SORA_HEADER_X_TENANT</code>');
      expect(html).toMatch(/--only images\.size\.wide -H &quot;X-Gateway-Key: \$SORA_HEADER_X_GATEWAY_KEY&quot; -H &quot;X-Tenant: \$SORA_HEADER_X_TENANT&quot;/);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('refuses malformed headers with exit 2, never quoting a value back', async () => {
    const cases: Array<[string, RegExp]> = [
      [`just-a-token-${SECRET}`, /--header #1: expected NAME:VALUE, e\.g\. -H 'X-Gateway-Key: abc'/],
      [`Bad Name: ${SECRET}`, /--header 'Bad Name': not a header name/],
      [`Authorization: Bearer ${SECRET}`, /--header 'Authorization': the run sets Authorization itself \(it carries the licence/],
    ];
    const results = await Promise.all(cases.map(([header]) => check('--base-url', mock.url, '--license', LICENSE, '-H', header)));
    results.forEach(({ code, stderr }, i) => {
      expect(code, stderr).toBe(2);
      expect(stderr).toMatch(cases[i][1]);
      expect(stderr).not.toContain(SECRET);
    });
  }, 30_000);
});

describe.concurrent('sora-kit check with a licence without the paid add-ons', () => {
  let limited: { close: () => Promise<void>; url: string; requests: () => Array<{ method: string; path: string; status: number; license?: string }> };
  beforeAll(async () => {
    const server = createSoraServer({
      speed: 50,
      licenses: [
        { key: 'sk-chat-only', features: [] },
        { key: 'sk-images-addon', features: ['images'] },
        // For the run that claims more than it has. Each run here has its own key (the runs go at
        // once), and keys whose masks differ (the journal keeps them masked: sk…ly, sk…on, sk…es).
        { key: 'sk-claims-images', features: [] },
      ],
    });
    const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
    limited = { url, close: () => server.close(), requests: () => server.mock.requests() };
  });
  afterAll(() => limited?.close());

  const ADD_ON_SKIP = /^needs the '(images|videos)' add-on, which the licence does not have \(detected: (POST|GET) http:\/\/127\.0\.0\.1:\d+\/sora\/v1\/(images\/generations|videos) answered 403 feature_not_enabled\)$/;

  it('detects the missing add-ons, skips the checks that need them with that reason and fails none', async () => {
    const before = limited.requests().length;
    const { code, stdout, stderr } = await check('--base-url', limited.url, '--license', 'sk-chat-only', '--reporter', 'json');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.summary.failed).toBe(0);
    const skipped = report.checks.filter((c) => ADD_ON_SKIP.test(c.message));
    expect(skipped.map((c) => c.group)).toEqual(expect.arrayContaining(['images', 'videos']));
    expect(skipped.every((c) => c.status === 'skipped')).toBe(true);
    // Chat needs no add-on: its checks ran.
    expect(report.checks.filter((c) => c.group === 'chat' && c.status === 'passed').length).toBeGreaterThan(0);
    expect(report.hints).toEqual(
      expect.arrayContaining([expect.stringMatching(/^the licence has no 'images' add-on \(detected: .*403 feature_not_enabled\): the checks that need it were skipped, not failed\.$/)]),
    );
    // The deployment saw one refusal per add-on (the detection), and no other 403 (the other tests here use other licences).
    const refusals = limited.requests().slice(before).filter((r) => r.status === 403 && r.license === maskSecret('sk-chat-only'));
    expect(refusals.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /sora/v1/videos', 'POST /sora/v1/images/generations']);
  }, 60_000);

  it('runs the images checks for a licence with only that add-on', async () => {
    const { code, stdout, stderr } = await check('--base-url', limited.url, '--license', 'sk-images-addon', '--only', 'images,videos', '--reporter', 'json');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as JsonReport;
    expect(report.checks.filter((c) => c.group === 'images').every((c) => c.status === 'passed')).toBe(true);
    const videos = report.checks.filter((c) => c.group === 'videos');
    expect(videos.every((c) => c.status === 'skipped')).toBe(true);
    // All but the checks that judge the whole run's videos, which find none to judge.
    expect(videos.filter((c) => /^needs the 'videos' add-on/.test(c.message)).length).toBeGreaterThan(videos.length / 2);
  }, 60_000);

  it('takes --features as given: the add-ons it names are judged (and fail here), the others skipped', async () => {
    const claimed = await check('--base-url', limited.url, '--license', 'sk-claims-images', '--only', 'images.size', '--features', 'chat,images', '--reporter', 'json');
    expect(claimed.code).toBe(1);
    expect((JSON.parse(claimed.stdout) as JsonReport).checks.every((c) => c.status === 'failed')).toBe(true);
    const fewer = await check('--base-url', mock.url, '--license', LICENSE, '--only', 'images.size,videos.unknown-id', '--features', 'chat', '--reporter', 'json');
    expect(fewer.code, fewer.stderr).toBe(0);
    for (const c of (JSON.parse(fewer.stdout) as JsonReport).checks) expect(c.message, c.id).toMatch(/^needs the '(images|videos)' add-on, which the licence does not have \(given: features chat\)$/);
    const typo = await check('--base-url', mock.url, '--license', LICENSE, '--features', 'chat,pictures');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--features 'pictures': expected some of chat, images, videos/);
  }, 60_000);
});
