/**
 * The HTML report, opened from disk (file://) in Debian's Chromium as a person would open it:
 * - a report built by hand with every field a failure can carry (the runner does not fill them yet),
 *   a real PNG and a real MP4 from sora-kit's encoders, and a deployment whose answers carry markup
 *   and scripts: the summary counts, a row per check, the failure sections (request, expected,
 *   actual, curl, the --only line), the inline image decoding at its size, the saved video loading,
 *   and nothing the deployment sent running;
 * - `sora-kit check --reporter html --output` spawned against the mock: the file is written, with a
 *   row per selected check, and opens.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHtmlReport } from '../../src/cli/check.js';
import { CATALOGUE } from '../../src/conformance/catalogue/index.js';
import { describeFacts } from '../../src/conformance/media.js';
import { selectChecks } from '../../src/conformance/plan.js';
import { formatHtml } from '../../src/conformance/reporters/html.js';
import type { CheckResult, Report } from '../../src/conformance/types.js';
import { rgbToYcbcr } from '../../src/media/h264/colour.js';
import type { VideoFrameSource } from '../../src/media/h264/types.js';
import { inspectMedia } from '../../src/media/inspect.js';
import { encodeMp4 } from '../../src/media/mp4.js';
import { encodePng } from '../../src/media/png.js';
import { launchChromium, watchedPage } from '../helpers/chromium.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { FAULTS } from './helpers/faults.js';
import { LICENSE, startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';

const BASE_URL = 'http://127.0.0.1:4010/sora/v1';
const PNG_SIZE = { width: 40, height: 30 };
/** 12 x 8 macroblocks: 192 x 128. */
const MP4_SIZE = { width: 192, height: 128 };

/** A small gradient PNG. */
function gradientPng(): Uint8Array {
  const { width, height } = PNG_SIZE;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x * 6, y * 8, 128], (y * width + x) * 3);
  }
  return encodePng({ width, height, data });
}

/** One second at 24 fps: a white column of macroblocks moving over blue. */
function movingColumnMp4(): Promise<Uint8Array> {
  const widthMbs = MP4_SIZE.width / 16;
  const blue = { kind: 'flat' as const, ...rgbToYcbcr(30, 60, 200) };
  const white = { kind: 'flat' as const, ...rgbToYcbcr(250, 250, 250) };
  const column = (frame: number) => Math.floor(frame / 2) % widthMbs;
  const source: VideoFrameSource = {
    widthMbs,
    heightMbs: MP4_SIZE.height / 16,
    frameCount: 24,
    mb: (frame, mbx) => (mbx === column(frame) ? white : blue),
    *changed(frame) {
      for (let mby = 0; mby < MP4_SIZE.height / 16; mby++) {
        yield mby * widthMbs + column(frame - 1);
        yield mby * widthMbs + column(frame);
      }
    },
  };
  return encodeMp4(source, { fps: 24, audio: 'none' });
}

/** What a hostile deployment answers: every way to get markup to run if escaping slipped. */
const HOSTILE = `</pre></td></tr></tbody></table><script>window.pwned = 'script'</script><img src=x onerror="window.pwned='onerror'"><svg onload="window.pwned='svg'"></svg>`;

function result(partial: Partial<CheckResult> & Pick<CheckResult, 'id' | 'severity' | 'status'>): CheckResult {
  return { group: partial.id.split('.')[0] as CheckResult['group'], purpose: `purpose of ${partial.id}`, rule: `rule of ${partial.id}`, message: '', durationMs: 12, ...partial };
}

function summaryOf(checks: CheckResult[]): Report['summary'] {
  const failed = checks.filter((c) => c.status === 'failed');
  return {
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: failed.length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
    mustFailed: failed.filter((c) => c.severity === 'must').length,
    shouldFailed: failed.filter((c) => c.severity === 'should').length,
    infoFailed: failed.filter((c) => c.severity === 'info').length,
  };
}

let browser: Browser;
let png: Uint8Array;
let mp4: Uint8Array;
let pngFacts: string;
let mp4Facts: string;
const scratch = mkdtempSync(join(tmpdir(), 'sora-kit-html-report-'));

beforeAll(async () => {
  png = gradientPng();
  mp4 = await movingColumnMp4();
  pngFacts = describeFacts(await inspectMedia(png));
  mp4Facts = describeFacts(await inspectMedia(mp4));
  expect(pngFacts).toBe('png 40x30');
  expect(mp4Facts).toMatch(/^mp4\/h264 192x128 1\.00 s 24\.0 fps$/);
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function handMadeReport(): Report {
  const checks: CheckResult[] = [
    result({ id: 'auth.missing-license', severity: 'must', status: 'passed', purpose: 'no licence: 401 with the error envelope', rule: 'seed: 鉴权' }),
    result({
      id: 'images.size',
      severity: 'must',
      status: 'failed',
      purpose: 'the image has the size of its aspect <b>bold?</b>',
      rule: 'seed: 平台参数 size',
      message: `image 1: expected png 1024x1024, got ${pngFacts}\n  second line ${HOSTILE}`,
      durationMs: 1234,
      failure: {
        request: {
          method: 'POST',
          url: `${BASE_URL}/images/generations`,
          headers: { authorization: '$SORA_LICENSE', 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_image', prompt: "a fox's <script>den</script>", size: '1024x1024' }),
        },
        response: { status: 200, contentType: 'application/json', body: JSON.stringify({ created: 1, data: [{ url: 'https://cdn.example/a.png', revised_prompt: HOSTILE }] }) },
        expected: 'png 1024x1024 (1:1)',
        actual: `${pngFacts} ${HOSTILE}`,
      },
      media: [{ url: 'https://cdn.example/a.png', status: 200, contentType: 'image/png', facts: pngFacts, kind: 'image', bytes: png }],
    }),
    result({
      id: 'images.edits-multipart',
      severity: 'should',
      status: 'failed',
      message: 'expected 200, got 400',
      failure: {
        request: {
          method: 'POST',
          url: `${BASE_URL}/images/edits`,
          headers: { authorization: '$SORA_LICENSE', 'content-type': 'multipart/form-data; boundary=----x' },
          form: [
            { name: 'prompt', value: 'make it "blue"' },
            { name: 'image[]', file: { filename: 'input.png', type: 'image/png', size: png.length } },
          ],
        },
        response: { status: 400, contentType: 'text/html', body: `<html><body>${HOSTILE}</body></html>` },
        expected: '200 application/json',
        actual: '400 text/html',
      },
    }),
    result({
      id: 'videos.content',
      severity: 'must',
      status: 'failed',
      message: `expected 720x1280, got ${mp4Facts}`,
      failure: {
        request: { method: 'GET', url: `${BASE_URL}/videos/video_abc/content`, headers: { authorization: '$SORA_LICENSE' } },
        response: { status: 200, contentType: 'video/mp4', body: `<${mp4.length} bytes>` },
        expected: 'mp4/h264 720x1280 5.00 s 24.0 fps',
        actual: mp4Facts,
      },
      media: [
        { url: `${BASE_URL}/videos/video_abc/content`, status: 200, contentType: 'video/mp4', facts: mp4Facts, kind: 'video', bytes: mp4 },
        { url: `javascript:window.pwned='link'`, status: 404, contentType: 'text/html', error: `not media: ${HOSTILE}` },
      ],
    }),
    result({ id: 'chat.stream', severity: 'should', status: 'skipped', message: 'the deployment has no chat feature' }),
    result({ id: 'errors.request-id', severity: 'info', status: 'failed', message: 'no x-request-id header', purpose: `a request id <img src=x onerror="window.pwned='purpose'">` }),
    result({ id: 'videos.list', severity: 'info', status: 'passed', media: [{ url: `${BASE_URL}/videos/video_abc/content`, status: 200, contentType: 'video/mp4', facts: mp4Facts, kind: 'video', bytes: mp4 }] }),
  ];
  return {
    baseUrl: BASE_URL,
    startedAt: '2025-05-04T10:20:30.000Z',
    durationMs: 65_400,
    plan: { checks: checks.map((c) => c.id), skipped: [], generations: [], totals: { images: 1, videos: 1 } },
    summary: summaryOf(checks),
    failOn: 'should',
    passed: !checks.some((c) => c.status === 'failed' && c.severity !== 'info'),
    hints: [],
    checks,
  };
}

/** Open a report file and collect what a person would see as an error. */
async function open(path: string): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const { context, page, problems } = await watchedPage(browser);
  await page.goto(pathToFileURL(path).href);
  return { page, problems, close: () => context.close() };
}

describe('the HTML report in Chromium', () => {
  const dir = join(scratch, 'hand');
  const output = join(dir, 'report.html');
  let report: Report;

  beforeAll(() => {
    report = handMadeReport();
    writeHtmlReport(report, output);
  });

  it('holds no markup of the deployment: no <script> anywhere in the file', () => {
    const html = readFileSync(output, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<svg/i);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).toContain('&lt;script&gt;window.pwned');
  });

  it("cuts a peer's megabyte line in the table's row and keeps it whole in the detail", () => {
    const long = `model ${'x'.repeat(2_000_000)} is unknown`;
    const { html } = formatHtml({ ...report, checks: [{ ...report.checks[0], status: 'failed', message: long }] });
    const row = /<td class="message">([^<]*)<\/td>/.exec(html)![1];
    expect(row.length).toBeLessThan(320);
    expect(row.endsWith('…')).toBe(true);
    expect(html).toContain(long);
  });

  it('writes the video beside the report once per content, and inlines the image', () => {
    const { files } = formatHtml(report, { mediaDir: 'report-media' });
    // videos.content and videos.list judged the same bytes: one file.
    expect(files.map((f) => f.path)).toEqual(['report-media/videos.content-1.mp4']);
    expect(readFileSync(join(dir, 'report-media', 'videos.content-1.mp4')).equals(Buffer.from(mp4))).toBe(true);
  });

  it('reruns with the flags the run needs as well (seed, fuzz), shell-quoted', () => {
    const { html } = formatHtml(report, { rerunArgs: ['--seed', '7', '--fuzz', '20'], command: 'npx sora-kit check' });
    expect(html).toContain(`<pre class="rerun">npx sora-kit check --base-url ${BASE_URL} --only images.size --seed 7 --fuzz 20</pre>`);
    const odd = formatHtml({ ...report, baseUrl: "http://127.0.0.1:4010/it's/sora/v1" }).html;
    expect(odd).toContain(`--base-url &#39;http://127.0.0.1:4010/it&#39;\\&#39;&#39;s/sora/v1&#39; --only images.size`);
  });

  it('shows the summary, a row per check, the failures, the media, and runs nothing', async () => {
    const { page, problems, close } = await open(output);
    try {
      expect(await page.title()).toBe(`sora-kit conformance: ${BASE_URL}`);
      expect(await page.textContent('#base-url')).toBe(BASE_URL);
      expect(await page.textContent('#started-at')).toBe('2025-05-04T10:20:30.000Z');
      expect(await page.textContent('#duration')).toBe('65.4 s');
      expect(await page.textContent('#verdict')).toBe('FAILED: 2 must and 1 should check(s) failed (1 info check(s) failed, not failing the run)');

      // Counts per severity: checks, passed, failed, skipped.
      const counts = await page.$$eval('#counts tbody tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
      expect(counts).toEqual([
        ['must', '3', '1', '2', '0'],
        ['should', '2', '0', '1', '1'],
        ['info', '2', '1', '1', '0'],
        ['total', '7', '2', '4', '1'],
      ]);

      // A row per check, in order, with its cells.
      const rows = await page.$$eval('tbody.check > tr.row', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
      expect(rows.map((r) => r[0])).toEqual(report.checks.map((c) => c.id));
      expect(rows[1]).toEqual(['images.size', 'must', 'failed', 'the image has the size of its aspect <b>bold?</b>', 'seed: 平台参数 size', '1.23 s', 'image 1: expected png 1024x1024, got png 40x30']);
      expect(rows[4]).toEqual(['chat.stream', 'should', 'skipped', 'purpose of chat.stream', 'rule of chat.stream', '12 ms', 'the deployment has no chat feature']);

      // The failure of images.size: open, with request, answer, expected, actual, curl and the rerun line.
      const failure = page.locator('#check-images\\.size tr.detail details');
      expect(await failure.getAttribute('open')).toBe('');
      expect(await failure.locator('pre.request-head').textContent()).toBe(`POST ${BASE_URL}/images/generations\nauthorization: $SORA_LICENSE\ncontent-type: application/json`);
      expect(await failure.locator('pre.request-body').textContent()).toBe(report.checks[1].failure!.request!.body);
      expect(await failure.locator('pre.response-head').textContent()).toBe('200 application/json');
      expect(await failure.locator('pre.response-body').textContent()).toBe(report.checks[1].failure!.response!.body);
      expect(await failure.locator('.expected pre').textContent()).toBe('png 1024x1024 (1:1)');
      expect(await failure.locator('.actual pre').textContent()).toBe(`png 40x30 ${HOSTILE}`);
      const curl = (await failure.locator('pre.curl').textContent())!;
      expect(curl).toMatch(/^curl .*\\\n/);
      expect(curl).toContain(` ${BASE_URL}/images/generations \\\n`);
      expect(curl).toContain('-H "Authorization: $SORA_LICENSE"');
      expect(curl).toContain(`--data-raw '{"model":"sora_image","prompt":"a fox'\\''s <script>den</script>","size":"1024x1024"}'`);
      expect(await failure.locator('pre.rerun').textContent()).toBe(`sora-kit check --base-url ${BASE_URL} --only images.size`);

      // The multipart failure: --form fields, the file with a note saying where it must be.
      const multipart = page.locator('#check-images\\.edits-multipart tr.detail');
      const formCurl = (await multipart.locator('pre.curl').textContent())!;
      expect(formCurl).toContain(`-F 'image[]=@input.png;type=image/png'`);
      expect(formCurl).toContain(`--form-string 'prompt=make it "blue"'`);
      expect(formCurl).not.toContain('boundary');
      expect(await multipart.locator('.reproduce').textContent()).toContain(`put input.png (image/png, the run sent ${png.length} bytes) in the current directory`);
      expect(await multipart.locator('pre.response-body').textContent()).toBe(`<html><body>${HOSTILE}</body></html>`);

      // A failure without an exchange still says how to rerun; a passed check shows no reproduction.
      expect(await page.textContent('#check-errors\\.request-id pre.rerun')).toBe(`sora-kit check --base-url ${BASE_URL} --only errors.request-id`);
      expect(await page.locator('#check-errors\\.request-id pre.curl').count()).toBe(0);
      expect(await page.locator('#check-auth\\.missing-license tr.detail').count()).toBe(0);

      // The image decodes from its data: URI at the PNG's size, next to its decoded facts.
      const image = page.locator('#check-images\\.size img.judged');
      await image.evaluate((img: HTMLImageElement) => img.decode());
      expect(await image.evaluate((img: HTMLImageElement) => ({ width: img.naturalWidth, height: img.naturalHeight, data: img.src.startsWith('data:image/png;base64,') }))).toEqual({ ...PNG_SIZE, data: true });
      expect(await page.textContent('#check-images\\.size .media dd.facts')).toBe('png 40x30');

      // The video loads from the file beside the report (metadata at least), at the MP4's size.
      const video = page.locator('#check-videos\\.content video.judged');
      expect(await video.getAttribute('src')).toBe('report-media/videos.content-1.mp4');
      await page.waitForFunction(() => (document.querySelector('#check-videos\\.content video') as HTMLVideoElement).readyState >= 1, undefined, { timeout: 15_000 });
      expect(await video.evaluate((v: HTMLVideoElement) => ({ width: v.videoWidth, height: v.videoHeight, error: v.error?.code ?? null, duration: Math.round(v.duration) }))).toEqual({ ...MP4_SIZE, error: null, duration: 1 });
      // The passed check that judged the same video points at the same file, folded away.
      expect(await page.getAttribute('#check-videos\\.list video.judged', 'src')).toBe('report-media/videos.content-1.mp4');
      expect(await page.getAttribute('#check-videos\\.list details', 'open')).toBeNull();
      // A media URL that is not a web address is text, not a link.
      expect(await page.locator('#check-videos\\.content a[href^="javascript:"]').count()).toBe(0);
      expect(await page.textContent('#check-videos\\.content')).toContain(`javascript:window.pwned='link'`);

      // Nothing the deployment sent became markup or ran.
      expect(await page.evaluate(() => ({ pwned: (window as { pwned?: unknown }).pwned ?? null, scripts: document.scripts.length, handlers: document.querySelectorAll('[onerror], [onload]').length, svg: document.querySelectorAll('svg').length }))).toEqual({
        pwned: null,
        scripts: 0,
        handlers: 0,
        svg: 0,
      });
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  });

  it('filters rows with its controls, without any script', async () => {
    const { page, close } = await open(output);
    try {
      const visible = () => page.$$eval('tbody.check', (bodies) => bodies.filter((b) => (b as HTMLElement).offsetParent !== null).map((b) => b.getAttribute('data-check-id')));
      expect(await visible()).toHaveLength(7);
      await page.check('#show-failed');
      expect(await visible()).toEqual(['images.size', 'images.edits-multipart', 'videos.content', 'errors.request-id']);
      await page.check('#show-not-passed');
      expect(await visible()).toEqual(['images.size', 'images.edits-multipart', 'videos.content', 'chat.stream', 'errors.request-id']);
      await page.uncheck('#show-info');
      expect(await visible()).toEqual(['images.size', 'images.edits-multipart', 'videos.content', 'chat.stream']);
      await page.check('#show-all');
      await page.uncheck('#show-must');
      expect(await visible()).toEqual(['images.edits-multipart', 'chat.stream']);
    } finally {
      await close();
    }
  });
});

describe('sora-kit check --reporter html against the mock', () => {
  let mock: Awaited<ReturnType<typeof startMock>>;
  beforeAll(async () => {
    mock = await startMock();
  });
  afterAll(() => mock?.server.close());

  it('writes the report file with a row per selected check, and it opens', async () => {
    const output = join(scratch, 'cli', 'nested', 'report.html');
    const only = ['auth', 'images'];
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SORA_BASE_URL' && k !== 'SORA_LICENSE'));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [CLI, 'check', '--base-url', mock.url, '--reporter', 'html', '--output', output, '--only', only.join(',')],
        { cwd: REPO_ROOT, env: { ...clean, SORA_LICENSE: LICENSE }, maxBuffer: 32 * 1024 * 1024 },
        (error, out, err) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`wrote the html report to ${output}`);
    expect(stdout).toMatch(/PASSED: no must or should check failed/);
    expect(existsSync(output)).toBe(true);

    const expected = selectChecks(CATALOGUE, { only, skip: [], severity: 'info' }).map((c) => c.id);
    expect(expected.length).toBeGreaterThan(5);
    const html = readFileSync(output, 'utf8');
    expect([...html.matchAll(/<tbody class="check [^"]*" id="[^"]*" data-check-id="([^"]+)"/g)].map((m) => m[1])).toEqual(expected);
    expect(html).not.toContain(LICENSE);

    const { page, problems, close } = await open(output);
    try {
      expect(await page.$$eval('tbody.check > tr.row td.id', (tds) => tds.map((td) => td.textContent))).toEqual(expected);
      expect(await page.$$eval('tbody.check', (bodies) => bodies.map((b) => b.getAttribute('data-status')))).toEqual(expected.map(() => 'passed'));
      expect(await page.textContent('#counts tr.all td.total')).toBe(String(expected.length));
      expect(await page.textContent('#base-url')).toBe(`${mock.url}/sora/v1`);
      expect(await page.textContent('#verdict')).toMatch(/^PASSED: no must or should check failed/);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('shows what the runner found against a broken deployment: request, expected, actual, curl, the image judged', async () => {
    // Width and height of size swapped: a 1792x1024 request gets a 2:3 image.
    const broken = FAULTS.find((f) => f.name.startsWith('wrong aspect'))!;
    const proxy = await startProxy(mock.url, broken.deviation({ fiveSecondMp4: Buffer.alloc(0) }));
    const output = join(scratch, 'broken', 'report.html');
    try {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'SORA_BASE_URL' && k !== 'SORA_LICENSE'));
      const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) => {
        execFile(
          process.execPath,
          [CLI, 'check', '--base-url', proxy.url, '--reporter', 'html', '--output', output, '--only', 'images.size.wide'],
          { cwd: REPO_ROOT, env: { ...clean, SORA_LICENSE: LICENSE }, maxBuffer: 32 * 1024 * 1024 },
          (error, _out, err) => done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr: err }),
        );
      });
      expect(code, stderr).toBe(1);
      const { page, close } = await open(output);
      try {
        const section = page.locator('tbody.check[data-check-id="images.size.wide"]');
        expect(await section.getAttribute('data-status')).toBe('failed');
        const text = (await section.textContent()) ?? '';
        expect(text).toContain('a 3:2 image');
        expect(text).toMatch(/png 1024x1536/);
        expect(text).toMatch(/curl [\s\S]*\/sora\/v1\/images\/generations[\s\S]*--form-string size=1792x1024/);
        expect(text).toContain("size=1792x1024");
        expect(text).toContain('$SORA_LICENSE');
        expect(text).toContain('--only images.size.wide');
        expect(text).not.toContain(LICENSE);
        // The image judged is inline and decodes to the size the deployment made.
        const widths = await section.locator('img').evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth));
        expect(widths).toContain(1024);
      } finally {
        await close();
      }
    } finally {
      await proxy.close();
    }
  }, 90_000);
});
