/**
 * `sora-kit check` as a user runs it: spawned, against the mock served in this process (clean, or
 * broken by a proxy). Exit codes, the json and junit reporters, and the refusals before any request.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROKEN } from './helpers/deviations.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { editFields, startProxy } from './helpers/proxy.js';
import { descendants, parseXml } from './helpers/xml.js';

const ROOT = resolve(import.meta.dirname, '../..');
let mock: Awaited<ReturnType<typeof startMock>>;
const scratch = mkdtempSync(join(tmpdir(), 'sora-kit-check-'));

function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return checkWithEnv({}, ...args);
}

function checkWithEnv(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SORA_BASE_URL' && k !== 'SORA_LICENSE'));
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'check', ...args], { cwd: ROOT, env: { ...clean, ...env }, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
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
    expect(stdout).toMatch(/total\s+5\s+0 \(0\/0\/0\)\s+0/);
    expect(stdout).toMatch(/PASSED: no must or should check failed/);
    // One line per check with its place in the run.
    expect(stdout).toMatch(/^\[\d\/5\] ✓ auth\.missing-license \[must\]/m);
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
    expect((JSON.parse(stdout) as { summary: { passed: number } }).summary.passed).toBe(4);
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

  it('exits 2 with a clear message when nothing answers', async () => {
    const port = await closedPort();
    const { code, stderr } = await check('--base-url', `http://127.0.0.1:${port}`, '--license', LICENSE);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`No HTTP answer from http://127\\.0\\.0\\.1:${port}/sora/v1/chat/completions`));
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
