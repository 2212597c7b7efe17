/**
 * Every fenced code block of the README is run here, or listed in NOT_RUN with the reason it cannot be
 * (the last test fails on a block that is neither). What runs, runs as pasted, but for the address:
 * `http://127.0.0.1:4010` and the placeholders of a deployment become a server started here on a free
 * port (others share this machine's 4010), and a server a block starts listens on port 0.
 *
 * - the vitest snippets (section 2's msw mock and what steers and verifies it, section 3's
 *   describeConformance, section 4's replay) are copied byte for byte into test files inside the
 *   repository (so `sora-kit/...` resolves to the package itself, i.e. dist/), type-check and pass under
 *   vitest in a child process; for the replay, the recording is made first, as a user would make it;
 * - the shell, Python and SDK blocks run against `npm start` (the README's first command), with bash,
 *   python3 (`requests`) and node.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMedia } from '../src/media/index.js';
import { createHarFile, createValidatingProxy } from '../src/proxy/index.js';
import { LICENCE, REPO_ROOT, serve } from './e2e/support.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const SCRATCH = join(REPO_ROOT, 'test/.readme-tmp'); // gitignored; removed after the run
const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

interface Block {
  lang: string;
  text: string;
  line: number;
}

/** Every fenced block of the README, in order. */
const BLOCKS: Block[] = [...README.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1],
  text: m[2],
  line: README.slice(0, m.index).split('\n').length,
}));

/** Blocks no test here runs, each with the reason (a key is a piece of text found in exactly one block). */
const NOT_RUN: Record<string, string> = {
  'npm ci && npm test': "the project's own commands: .ci/run runs `npm ci` and `npm test` on a fresh clone; `npm start` starts the server the blocks below run against",
  'git clone <repository-url>': 'the install paths: scripts/try-install.sh runs each from a folder outside the repository, in CI',
  "setupWorker(": "a browser's service worker: test/browser drives examples/browser, which does this in Chromium",
  '[41/55]': 'the output of `sora-kit check`, not a command',
  '✗ videos.content.duration [must] GET': 'the output of `sora-kit proxy`, not a command',
  'drill --instant -- node examples/drill/careful.mjs': 'the drill of both example clients: test/cli/drill.test.ts runs these commands with the built CLI (deadlines shortened so the two matrices take seconds, not the minute the stall rows wait here)',
  '| stall          | fails-cleanly | 1    | 20.1 s': 'the output of `sora-kit drill` for the careful client, not a command',
  'polls-after-finished×145': 'the output of `sora-kit drill` for the naive client, not a command',
  "import { describeDrill } from 'sora-kit/drill';": "the reader's own client (`./my-client.js`): test/adapters/drill-vitest.test.ts runs describeDrill the same way around a client of its own, through the Node server and through msw",
  'npm run bench:media ': 'the development commands: .ci/run runs `npm test` and the typecheck; each bench takes minutes and prints ratios (docs/benchmarks.md); test/spec holds specs/ to what `spec:generate` writes',
};

const EXECUTED = new Set<Block>();

/** The one block that contains `key`, exactly as the README shows it; the test that asks for it runs it. */
function block(key: string): string {
  const found = BLOCKS.filter((b) => b.text.includes(key));
  if (found.length !== 1) throw new Error(`README: ${found.length} fenced blocks contain '${key}', expected 1`);
  EXECUTED.add(found[0]);
  return found[0].text;
}

/** A block's text for a server at `origin` instead of the README's 127.0.0.1:4010. */
const at = (text: string, origin: string) => text.replaceAll('http://127.0.0.1:4010', origin);

/** The snippets that type-check, each in a test file of its own (written by the first beforeAll below). */
const SNIPPET_FILES = {
  msw: join(SCRATCH, 'msw', 'readme-msw.test.ts'),
  replay: join(SCRATCH, 'replay', 'readme-replay.test.ts'),
  steer: join(SCRATCH, 'steer', 'readme-steer.test.ts'),
};
let typechecked: Promise<{ code: number; stdout: string }> | undefined;

/**
 * tsc's diagnostics for one snippet file: one tsc program checks them all, once (starting tsc and
 * loading the libraries' types is most of its cost); a diagnostic that names no snippet file (a
 * configuration error) counts for every one, and so does a failure that printed nothing.
 */
async function typecheck(file: string): Promise<string[]> {
  typechecked ??= (() => {
    const tsconfig = join(SCRATCH, 'tsconfig.json');
    const include = Object.values(SNIPPET_FILES).map((f) => relative(SCRATCH, f));
    writeFileSync(tsconfig, JSON.stringify({ extends: relative(SCRATCH, join(REPO_ROOT, 'tsconfig.json')), compilerOptions: { noEmit: true }, include }));
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
    return run(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: REPO_ROOT }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
  })();
  const { code, stdout } = await typechecked;
  // A diagnostic starts at column 0; its further lines are indented.
  const diagnostics = stdout.split(/\n(?=\S)/).filter((d) => d.trim() !== '');
  const snippets = Object.values(SNIPPET_FILES).map((f) => relative(REPO_ROOT, f));
  const mine = diagnostics.filter((d) => d.startsWith(relative(REPO_ROOT, file)) || !snippets.some((s) => d.startsWith(s)));
  return code !== 0 && diagnostics.length === 0 ? [`tsc exited ${code} and printed nothing`] : mine;
}

/** vitest on one file in a child process whose working directory is `cwd`: exit code, the JSON report's counts and the output. */
async function vitest(file: string, cwd: string, env: Record<string, string> = {}) {
  const bin = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
  const report = join(dirname(file), `${Date.now()}-report.json`);
  const result = await run(process.execPath, [bin, 'run', relative(REPO_ROOT, file), '--root', REPO_ROOT, '--reporter=json', `--outputFile=${report}`], {
    cwd,
    env: { ...process.env, CI: '1', ...env },
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

/** vitest ran `total` tests and every one passed (the output shows when not). */
function expectAllPassed(result: Awaited<ReturnType<typeof vitest>>, total: number): void {
  expect({ code: result.code, success: result.success, total: result.total, passed: result.passed }, result.output).toEqual({ code: 0, success: true, total, passed: total });
}

const MSW = `${block('class MyClient')}\n`;
const REPLAY = `${block("readRecordings('recordings')")}\n`;
const FAULTS = block('mock.faults.add(');
const JOURNAL = block("mock.requests({ status: '4xx' })");

beforeAll(() => {
  rmSync(SCRATCH, { recursive: true, force: true });
  // Each steering snippet runs in a test after the section's first snippet (its handlers and client);
  // the journal snippet's `mock` is the one the faults snippet names.
  const indent = (text: string) => text.replace(/^/gm, '  ');
  const steer = `${MSW}\ntest('steer', async () => {\n${indent(FAULTS)}\n});\n\ntest('journal', async () => {\n  const mock = handlers.mock;\n${indent(JOURNAL)}\n});\n`;
  for (const [file, code] of [
    [SNIPPET_FILES.msw, MSW],
    [SNIPPET_FILES.replay, REPLAY],
    [SNIPPET_FILES.steer, steer],
  ]) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
  }
});
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

describe("README's msw snippet", () => {
  const file = SNIPPET_FILES.msw;

  it('is the section that uses myClient, with its imports', () => {
    expect(readFileSync(file, 'utf8')).toBe(MSW);
    expect(MSW).toContain("from 'sora-kit/msw'");
    expect(MSW).toContain('myClient.makeVideo(');
  });

  it('type-checks as it stands', async () => {
    expect(await typecheck(file)).toEqual([]);
  }, 60_000);

  it('passes under vitest, with no msw warning', async () => {
    const result = await vitest(file, REPO_ROOT);
    expectAllPassed(result, 1);
    expect(result.output).not.toContain('[MSW]');
  }, 60_000);
});

describe("README's replay snippet (section 4)", () => {
  const file = SNIPPET_FILES.replay;
  const dir = dirname(file);
  const code = REPLAY;
  const prompt = /prompt: '([^']+)'/.exec(code)?.[1] ?? '';
  beforeAll(async () => {
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
    expect(await typecheck(file)).toEqual([]);
  }, 60_000);

  it('passes under vitest against the recording, with no request left unhandled', async () => {
    // The snippet's `onUnhandledRequest: 'error'` fails its test on any request the replay does not answer.
    const result = await vitest(file, dir);
    expectAllPassed(result, 1);
  }, 60_000);

  it('fails without its recording (the control: the pass above comes from the recording)', async () => {
    rmSync(join(dir, 'recordings'), { recursive: true, force: true });
    const result = await vitest(file, dir);
    expect({ code: result.code === 0 ? 0 : 'non-zero', success: result.success }, result.output).toEqual({ code: 'non-zero', success: false });
  }, 60_000);
});

describe("README's snippets that steer and verify the msw mock (section 2)", () => {
  const file = SNIPPET_FILES.steer;

  it('type-check with the msw snippet', async () => {
    expect(await typecheck(file)).toEqual([]);
  }, 60_000);

  it('pass under vitest: the fault answers a 429 once, and the journal lists the fields the SDK sent', async () => {
    const result = await vitest(file, REPO_ROOT);
    expectAllPassed(result, 3);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// Blocks that run against `npm start`

interface Started {
  origin: string;
  output: () => string;
  /** Ctrl-C (SIGINT to the process group); resolves once it exited. (The exit code is npm's, which dies of the signal.) */
  stop: () => Promise<void>;
}

/** A shell command that starts a server (in its own process group), once it prints where it listens. */
async function started(command: string, cwd: string, env: Record<string, string> = {}): Promise<Started> {
  const child = spawn('bash', ['-c', command], { cwd, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`'${command}' did not start within 30 s: ${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then((code) => reject(new Error(`'${command}' exited (${code}): ${output}`)));
  });
  return {
    origin,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGINT');
      await exited;
    },
  };
}

/** A shell script's standard output; it must exit 0. */
async function sh(script: string, cwd: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', `set -euo pipefail\n${script}`], { cwd, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

const decode = async (bytes: Uint8Array | ArrayBuffer) => inspectMedia(new Uint8Array(bytes));

describe.concurrent('README blocks against `npm start` (speed 10, port 0)', () => {
  let server: Started;
  beforeAll(async () => {
    server = await started('npm start', REPO_ROOT, { SORA_MOCK_PORT: '0', SORA_MOCK_SPEED: '10', SORA_MOCK_QUIET: 'true' });
  }, 60_000);
  afterAll(() => server.stop());
  const scratch = (name: string) => {
    const dir = join(SCRATCH, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  const curl = block("curl http://127.0.0.1:4010/sora/v1/chat/completions");
  it("section 1's curl lines: a streamed image chat, a video created, its content once completed", async () => {
    const dir = scratch('curl');
    const commands = at(curl, server.origin)
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(commands).toHaveLength(3);
    expect(await sh(commands[0], dir)).toMatch(/!\[image 1\]\(http[^)]+\.png\)[\s\S]*data: \[DONE\]/);
    const video = JSON.parse(await sh(commands[1], dir)) as { id: string; status: string };
    // The comment's poll, done here.
    for (let i = 0; i < 200 && video.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      video.status = ((await (await fetch(`${server.origin}/sora/v1/videos/${video.id}`, { headers: { authorization: LICENCE } })).json()) as { status: string }).status;
    }
    await sh(commands[2].replace('{video_id}', video.id), dir);
    expect(await decode(readFileSync(join(dir, 'cat.mp4')))).toMatchObject({ kind: 'video', width: 1792, height: 1024, durationSeconds: expect.closeTo(10, 0) });
  }, 120_000);

  const python = block('import requests');
  it("section 1's Python block, with requests: it prints the image's URL and saves the video", async () => {
    const dir = scratch('python');
    writeFileSync(join(dir, 'readme.py'), at(python, server.origin));
    const { stdout } = await run('python3', ['readme.py'], { cwd: dir, timeout: 60_000 });
    const url = stdout.trim();
    expect(url.startsWith(`${server.origin}/sora/v1/files/`), stdout).toBe(true);
    expect(await decode(await (await fetch(url)).arrayBuffer())).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1024 });
    expect(await decode(readFileSync(join(dir, 'fox.mp4')))).toMatchObject({ kind: 'video', width: 1280, height: 720, durationSeconds: expect.closeTo(10, 0) });
  }, 120_000);

  const sdk = block("import OpenAI from 'openai';\n\nconst client");
  it("section 1's openai SDK script runs to the end and prints the image link", async () => {
    const file = join(scratch('sdk'), 'readme-sdk.ts');
    writeFileSync(file, at(sdk, server.origin));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stdout).toContain(`![image 1](${server.origin}/sora/v1/files/`);
  }, 120_000);

  const conformance = block("describeConformance({ baseUrl: process.env.SORA_URL!");
  it("section 3's describeConformance snippet passes under vitest against the server", async () => {
    const file = join(scratch('conformance'), 'readme-conformance.test.ts');
    writeFileSync(file, `${conformance}\n`);
    const result = await vitest(file, REPO_ROOT, { SORA_URL: server.origin, SORA_LICENSE: LICENCE });
    expect({ code: result.code, success: result.success }, result.output).toEqual({ code: 0, success: true });
    expect(result.passed).toBeGreaterThan(40);
  }, 120_000);

  const check = block('npx sora-kit check --yes');
  it("section 3's check lines pass, and the second writes its JUnit report", async () => {
    const dir = scratch('check');
    const script = at(check, server.origin).replace('http://your-platform:port', server.origin).replace('<licence>', LICENCE);
    await sh(script, dir);
    expect(readFileSync(join(dir, 'report.xml'), 'utf8')).toMatch(/<testsuites[^>]* failures="0"/);
  }, 120_000);

  const proxy = block('npx sora-kit proxy --target https://your-platform');
  it("section 4's proxy records a session, and serve --replay answers it", async () => {
    const dir = scratch('proxy');
    const [record, , replay] = proxy.split('\n');
    const models = async (origin: string) => (await fetch(`${origin}/sora/v1/models`, { headers: { authorization: LICENCE } })).text();
    const recorder = await started(record.replace('https://your-platform', server.origin).replace('--port 4011', '--port 0'), dir);
    const recorded = await models(recorder.origin);
    await recorder.stop();
    expect(recorder.output()).toContain('1 exchanges, 0 violations (0 must, 0 should, 0 info); report written to proxy.xml');
    expect(readdirSync(join(dir, 'recordings')).filter((f) => f.endsWith('.har'))).toHaveLength(1);
    expect(readFileSync(join(dir, 'proxy.xml'), 'utf8')).toContain('<testsuite');
    const replayer = await started(replay.replace('--speed 0', '--speed 0 --port 0'), dir);
    try {
      expect(await models(replayer.origin)).toBe(recorded);
    } finally {
      await replayer.stop();
    }
  }, 120_000);

  const media = block('npx sora-kit media image');
  it('the fixture media lines write the files they name', async () => {
    const dir = scratch('media');
    await sh(media, dir);
    for (const png of ['fox-1.png', 'fox-2.png']) expect(await decode(readFileSync(join(dir, png)))).toMatchObject({ format: 'png', width: 1536, height: 1024 });
    expect(await decode(readFileSync(join(dir, 'fox.mp4')))).toMatchObject({ kind: 'video', width: 1792, height: 1024, durationSeconds: expect.closeTo(15, 0) });
    expect(await decode(readFileSync(join(dir, 'fox.webp')))).toMatchObject({ kind: 'image', format: 'webp' });
  }, 120_000);
});

describe('every fenced block of the README', () => {
  it('is run by a test above, or listed in NOT_RUN with the reason it is not (and not both)', () => {
    const listed = (b: Block) => Object.keys(NOT_RUN).filter((key) => b.text.includes(key));
    const where = (b: Block) => `line ${b.line} (${b.lang}): ${b.text.split('\n')[0]}`;
    expect(BLOCKS.length).toBeGreaterThanOrEqual(15);
    expect(BLOCKS.filter((b) => !EXECUTED.has(b) && listed(b).length !== 1).map(where)).toEqual([]);
    expect(BLOCKS.filter((b) => EXECUTED.has(b) && listed(b).length > 0).map(where)).toEqual([]);
    expect(Object.keys(NOT_RUN).filter((key) => BLOCKS.filter((b) => b.text.includes(key)).length !== 1)).toEqual([]);
  });
});
