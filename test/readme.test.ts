/**
 * The README's vitest snippets run as pasted: each is copied byte for byte into a test file inside the
 * repository (so `sora-kit/...` resolves to the package itself, i.e. dist/), type-checks and passes
 * under vitest in a child process.
 *
 * - section 2, the msw mock of the platform;
 * - section 4, a replay of recordings in a vitest suite: the recording is made here first, as a user
 *   would make it (the SDK through the proxy to a deployment, the mock standing in for it), into
 *   `recordings/` beside the snippet, where the snippet's `readRecordings('recordings')` finds it.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarFile, createValidatingProxy } from '../src/proxy/index.js';
import { LICENCE, REPO_ROOT, serve } from './e2e/support.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const SCRATCH = join(REPO_ROOT, 'test/.readme-tmp'); // gitignored; removed after the run
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The first ```ts block of the section, exactly as the README shows it. */
function snippet(section: string): string {
  const start = README.indexOf(`\n${section}\n`);
  expect(start, `README has no section '${section}'`).toBeGreaterThanOrEqual(0);
  const next = README.indexOf('\n## ', start + section.length + 2);
  const text = README.slice(start, next === -1 ? undefined : next);
  const block = /\n```ts\n([\s\S]*?)\n```\n/.exec(text);
  expect(block, `no \`\`\`ts block in '${section}'`).not.toBeNull();
  return `${block![1]}\n`;
}

async function typecheck(dir: string, file: string): Promise<{ code: number; stdout: string }> {
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, JSON.stringify({ extends: relative(dir, join(REPO_ROOT, 'tsconfig.json')), compilerOptions: { noEmit: true }, include: [relative(dir, file)] }));
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
  return run(process.execPath, [tsc, '-p', tsconfig], { cwd: REPO_ROOT }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
}

/** vitest on one file in a child process whose working directory is `cwd`: exit code, the JSON report's counts and the output. */
async function vitest(file: string, cwd: string) {
  const bin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
  const report = join(dirname(file), `${Date.now()}-report.json`);
  const result = await run(process.execPath, [bin, 'run', relative(REPO_ROOT, file), '--root', REPO_ROOT, '--reporter=json', `--outputFile=${report}`], {
    cwd,
    env: { ...process.env, CI: '1' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
  );
  let counts = { success: false, total: -1, passed: -1 };
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as { success: boolean; numTotalTests: number; numPassedTests: number };
    counts = { success: json.success, total: json.numTotalTests, passed: json.numPassedTests };
  } catch {
    // no report: the counts stay impossible and the assertion shows the output
  }
  return { code: result.code, ...counts, output: result.output };
}

beforeAll(() => rmSync(SCRATCH, { recursive: true, force: true }));
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

describe("README's msw snippet", () => {
  const dir = join(SCRATCH, 'msw');
  const file = join(dir, 'readme-msw.test.ts');
  let code = '';
  beforeAll(() => {
    code = snippet('## 2. Mock the platform inside your tests (msw)');
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, code);
  });

  it('is the section that uses myClient, with its imports', () => {
    expect(code).toContain("from 'sora-kit/msw'");
    expect(code).toContain('myClient.makeVideo(');
  });

  it('type-checks as it stands', async () => {
    expect(await typecheck(dir, file)).toEqual({ code: 0, stdout: '' });
  }, 60_000);

  it('passes under vitest, with no msw warning', async () => {
    const result = await vitest(file, REPO_ROOT);
    expect({ code: result.code, success: result.success, total: result.total, passed: result.passed }, result.output).toEqual({ code: 0, success: true, total: 1, passed: 1 });
    expect(result.output).not.toContain('[MSW]');
  }, 60_000);
});

describe("README's replay snippet (section 4)", () => {
  const dir = join(SCRATCH, 'replay');
  const file = join(dir, 'readme-replay.test.ts');
  let code = '';
  let prompt = '';
  beforeAll(async () => {
    code = snippet('## 4. Watch real traffic, record it, replay it (proxy)');
    prompt = /prompt: '([^']+)'/.exec(code)?.[1] ?? '';
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, code);
    // The recording: the SDK through the proxy, as the section's first lines make one. Speed 10, so
    // the polls see the job move (a 10 s video renders in 1 s).
    const deployment = await serve({ speed: 10 });
    const recorder = createHarFile(join(dir, 'recordings'), { target: deployment.url, version: 'test' });
    const proxy = createValidatingProxy({ target: deployment.url, recorder });
    const { url } = await proxy.listen({ port: 0 });
    try {
      const client = new OpenAI({ apiKey: LICENCE, baseURL: `${url}/sora/v1`, maxRetries: 0 });
      const video = await client.videos.create({ model: 'sora_video2', prompt });
      let job = video;
      for (let i = 0; i < 200 && (job.status === 'queued' || job.status === 'in_progress'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        job = await client.videos.retrieve(video.id);
      }
      expect(job.status).toBe('completed');
      await (await client.videos.downloadContent(video.id)).arrayBuffer();
    } finally {
      await proxy.close();
      recorder.close();
      await deployment.server.close();
    }
  }, 60_000);

  it('is the section that replays recordings with createSoraHandlers, the SDK and a recorded prompt', () => {
    expect(code).toContain("from 'sora-kit/msw'");
    expect(code).toContain("readRecordings('recordings')");
    expect(prompt).not.toBe('');
    expect(readdirSync(join(dir, 'recordings')).filter((f) => f.endsWith('.har'))).toHaveLength(1);
  });

  it('type-checks as it stands', async () => {
    expect(await typecheck(dir, file)).toEqual({ code: 0, stdout: '' });
  }, 60_000);

  it('passes under vitest against the recording, with no request left unhandled', async () => {
    // The snippet's `onUnhandledRequest: 'error'` fails its test on any request the replay does not answer.
    const result = await vitest(file, dir);
    expect({ code: result.code, success: result.success, total: result.total, passed: result.passed }, result.output).toEqual({ code: 0, success: true, total: 1, passed: 1 });
  }, 60_000);

  it('fails without its recording (the control: the pass above comes from the recording)', async () => {
    rmSync(join(dir, 'recordings'), { recursive: true, force: true });
    const result = await vitest(file, dir);
    expect({ code: result.code === 0 ? 0 : 'non-zero', success: result.success }, result.output).toEqual({ code: 'non-zero', success: false });
  }, 60_000);
});
