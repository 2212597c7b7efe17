/**
 * The checker against a hostile deployment: an answer that is an endless gzip stream of zeros (a
 * decompression bomb with no end at all) and a chat stream that never ends. The run must stop
 * reading each at its cap, close the connection, fail the check that read it with the reason, and
 * stay small: in-process with caps set low through the options, and spawned as `sora-kit check` at
 * the default caps with its peak RSS watched.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/cli/check.js';
import { RUN_DEFAULTS, runConformance } from '../../src/conformance/index.js';
import { describeBytes } from '../../src/util/index.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';

const ONLY = ['models.list', 'chat.image.stream.content-type'];

/** What the evil deployment saw of each endless answer: bytes it wrote, and whether the client hung up. */
const endless: Array<{ kind: 'gzip' | 'sse'; written: number; closed: boolean }> = [];
let evil: Server;
let evilUrl: string;

/** Write `next()` into `sink` for as long as the client reads (backpressure kept), until it closes. */
function writeForever(res: ServerResponse, sink: NodeJS.WritableStream, chunk: Buffer, kind: 'gzip' | 'sse'): void {
  const seen = { kind, written: 0, closed: false };
  endless.push(seen);
  res.on('close', () => (seen.closed = true));
  const pump = () => {
    while (!seen.closed) {
      seen.written += chunk.length;
      if (!sink.write(chunk)) {
        sink.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

function envelope(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let text = '';
  for await (const chunk of req) text += chunk;
  if (req.method === 'GET' && req.url === '/sora/v1/models') {
    // 1 MiB of zeros deflates to about 1 KiB: the client inflates a thousand times what it downloads.
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    const gzip = createGzip();
    gzip.pipe(res);
    res.on('close', () => gzip.destroy());
    writeForever(res, gzip, Buffer.alloc(1 << 20), 'gzip');
    return;
  }
  if (req.method === 'POST' && req.url === '/sora/v1/chat/completions') {
    const body = JSON.parse(text || '{}') as { stream?: boolean };
    // The pre-flight (no messages) is refused as a licensed deployment refuses it.
    if (!body.stream) return envelope(res, 400, "'messages' must not be empty");
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const event = 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"sora_image","choices":[]}\n\n';
    writeForever(res, res, Buffer.from(event.repeat(64)), 'sse');
    return;
  }
  envelope(res, 404, `no route ${req.method} ${req.url}`);
}

beforeAll(async () => {
  evil = createServer((req, res) => void answer(req, res).catch(() => res.destroy()));
  await new Promise<void>((done) => evil.listen(0, '127.0.0.1', done));
  evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
});
afterAll(async () => {
  evil.closeAllConnections();
  await new Promise((done) => evil.close(done));
});

async function allClosed(): Promise<void> {
  for (let i = 0; i < 100 && endless.some((e) => !e.closed); i++) await new Promise((r) => setTimeout(r, 50));
}

/** The peak resident set of a running process (VmHWM only grows, so the last reading is the peak so far). */
function peakRssBytes(pid: number): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

describe('the checker against a deployment that never stops answering', () => {
  it('fails the check that read an endless gzip answer or an endless stream, with the cap set low through the options', async () => {
    endless.length = 0;
    const report = await runConformance({ baseUrl: evilUrl, license: 'k', only: ONLY, maxBodyBytes: 1 << 20, maxStreamBytes: 256 << 10, timeoutMs: 10_000, maxWaitSeconds: 60 });
    const byId = Object.fromEntries(report.checks.map((c) => [c.id, c]));
    expect(byId['models.list']).toMatchObject({ status: 'failed' });
    expect(byId['models.list'].message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/sora\/v1\/models \n {2}-> 200 application\/json: the answer exceeded 1 MiB after decompression \(--max-body-bytes\); sora-kit stops reading there$/,
    );
    expect(byId['chat.image.stream.content-type']).toMatchObject({ status: 'failed' });
    expect(byId['chat.image.stream.content-type'].message).toMatch(/^POST .*\/chat\/completions .*\n {2}-> 200 text\/event-stream: the stream exceeded 256 KiB \(--max-stream-bytes\); sora-kit stops reading there$/);
    expect(report.passed).toBe(false);
    // The checker hung up on both: the deployment stopped writing.
    await allClosed();
    expect(endless.map((e) => `${e.kind} ${e.closed}`).sort()).toEqual(['gzip true', 'sse true']);
  });

  it('sora-kit check at the default caps stays under 400 MB against both, and exits 1 naming the checks and the caps', async () => {
    endless.length = 0;
    let peak = 0;
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      const child = execFile(
        process.execPath,
        [CLI, 'check', '--base-url', evilUrl, '--license', 'k', '--only', ONLY.join(','), '--reporter', 'json'],
        { cwd: REPO_ROOT, maxBuffer: 8 * 1024 * 1024 },
        (error, stdout, stderr) => {
          clearInterval(watch);
          done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
      const watch = setInterval(() => (peak = Math.max(peak, peakRssBytes(child.pid!) ?? 0)), 20);
    });
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; message: string }> };
    const messages = Object.fromEntries(report.checks.map((c) => [c.id, `${c.status}: ${c.message}`]));
    expect(messages['models.list']).toMatch(new RegExp(`^failed: GET .*\\n {2}-> 200 application/json: the answer exceeded ${describeBytes(RUN_DEFAULTS.maxBodyBytes)} after decompression`));
    expect(messages['chat.image.stream.content-type']).toMatch(new RegExp(`^failed: POST .*\\n {2}-> 200 text/event-stream: the stream exceeded ${describeBytes(RUN_DEFAULTS.maxStreamBytes)} `));
    // It did read up to the caps: the deployment wrote at least that much before the checker hung up.
    await allClosed();
    expect(endless.find((e) => e.kind === 'sse')?.written).toBeGreaterThan(RUN_DEFAULTS.maxStreamBytes);
    expect(peak).toBeGreaterThan(0);
    expect(peak, `peak RSS ${describeBytes(peak)}`).toBeLessThan(400 * 1024 * 1024);
  }, 60_000);

  it('the Bounds part of specs/conformance.md gives the default caps', () => {
    const doc = readFileSync(resolve(REPO_ROOT, 'specs/conformance.md'), 'utf8');
    const bounds = doc.slice(doc.indexOf('## Bounds'), doc.indexOf('## The harness'));
    expect(bounds).toContain(`| ${describeBytes(RUN_DEFAULTS.maxBodyBytes)}: `);
    expect(bounds).toContain(`| ${describeBytes(RUN_DEFAULTS.maxStreamBytes)} (`);
    expect(bounds).toContain(`| ${RUN_DEFAULTS.maxWaitSeconds} s |`);
  });

  it('refuses caps that are not positive integers, naming the flag', async () => {
    const err: string[] = [];
    const io = { out: () => {}, err: (text: string) => err.push(text), tty: false };
    const flags = { baseUrl: evilUrl, license: 'k', only: [], skip: [], reporter: 'json' as const };
    expect(await runCheck({ ...flags, maxBodyBytes: '0' }, io, {})).toBe(2);
    expect(await runCheck({ ...flags, maxStreamBytes: '1.5' }, io, {})).toBe(2);
    expect(err).toEqual(['sora-kit check: --max-body-bytes 0: expected a positive integer.\n', "sora-kit check: --max-stream-bytes '1.5': expected a non-negative integer.\n"]);
  });
});
