/**
 * The proxy against hostile peers (issue 24, items 1-9): an evil deployment (a node:http or raw
 * node:net server written here) and evil clients (raw sockets sending request targets no client
 * library would). Through each, the proxy stays up, stays under 400 MB, answers what it must with the
 * OpenAI envelope, and its report says what it did not judge. Sizes are chosen so the file runs in
 * seconds; the CLI's shutdown runs as a child process.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTrafficJudge } from '../../src/conformance/index.js';
import { findLinks } from '../../src/conformance/media.js';
import { createHarFile, createValidatingProxy, junit, reportFile, type ProxyReport, type ValidatingProxy, type ValidatingProxyOptions } from '../../src/proxy/index.js';
import { DEFAULT_MAX_BODY_BYTES, MAX_CHUNK_TIMINGS, MIN_HELD_BYTES } from '../../src/proxy/bodies.js';
import { CELL_SHOWN } from '../../src/proxy/inspector.js';
import { MAX_LINKS_PER_ANSWER, MAX_MEDIA_QUEUE, MEDIA_FETCH_CONCURRENCY, MEDIA_FETCH_TIMEOUT_MS } from '../../src/proxy/media-fetch.js';
import { MAX_NOT_JUDGED_KEPT, MAX_VIOLATIONS_KEPT } from '../../src/proxy/observer.js';
import { parseHar } from '../../src/replay/index.js';
import { expectErrorEnvelope, REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';
import { recordingJudge, upstream } from './helpers.js';

const MB = 1024 * 1024;
/** The bound the issue sets for the proxy's memory through every item. */
const RSS_LIMIT_MB = 400;

/** Runs a clean-up when the test that asked ends (the test context's onTestFinished: tests here run concurrently). */
type Defer = (close: () => Promise<void> | void) => void;

async function proxyTo(defer: Defer, target: string, options: Partial<ValidatingProxyOptions> = {}): Promise<ValidatingProxy & { url: string }> {
  const proxy = createValidatingProxy({ target, judge: recordingJudge(), fetchMedia: false, ...options });
  await proxy.listen({ port: 0, host: '127.0.0.1' });
  defer(() => proxy.close());
  return proxy as ValidatingProxy & { url: string };
}

async function evil(defer: Defer, handler: Parameters<typeof upstream>[0]) {
  const up = await upstream(handler);
  defer(() => up.close());
  return up;
}

/** A deployment that writes its answers byte by byte: status lines node:http would never send. */
async function rawUpstream(defer: Defer, answer: (requestHead: string, socket: Socket) => void): Promise<{ url: string; server: NetServer }> {
  const server = createNetServer((socket) => {
    let head = '';
    socket.on('error', () => {});
    socket.on('data', (d) => {
      head += d.toString('latin1');
      if (head.includes('\r\n\r\n')) answer(head, socket);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  defer(() => new Promise<void>((done) => server.close(() => done())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

/** An evil client: the request head written as is on a socket; the status and body that came back. */
function rawExchange(proxyUrl: string, head: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(proxyUrl);
  return new Promise((done, fail) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1').on('data', (d: string) => (text += d));
    socket.on('error', fail);
    socket.on('end', () => done({ status: Number(text.slice(9, 12)), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
  });
}

/** The raw bytes of an answer (node:http leaves a content coding as it came). */
function rawGet(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', fail);
    req.end();
  });
}

/** The highest resident set size of this process while `work` runs, in MiB. */
async function peakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, peakMb: peak / MB };
  } finally {
    clearInterval(timer);
  }
}

/** The proxy still forwards an ordinary request after whatever came before. */
async function stillUp(proxy: { url: string }, path = '/sora/v1/models'): Promise<void> {
  const res = await fetch(`${proxy.url}${path}`);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

const notJudgedReasons = (report: ProxyReport) => report.notJudged?.first.map((n) => `${n.method} ${n.url}: ${n.reason}`) ?? [];

describe.concurrent('hostile input the proxy answers and survives', () => {
  it('1: an answer echoing a prompt with http://localhost:PORT/x and http://a:99999/ is forwarded; the links are noted, the proxy stays up', async ({ onTestFinished: defer }) => {
    const prompt = 'a cat, see http://localhost:PORT/x and http://a:99999/ for the style';
    const up = await evil(defer, (req, res) => {
      if (req.url === '/sora/v1/models') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const { prompt: said } = JSON.parse(body) as { prompt: string };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'video_1', object: 'video', status: 'queued', prompt: said }));
      });
    });
    const proxy = await proxyTo(defer, up.url, { judge: createTrafficJudge({ target: up.url }), fetchMedia: true });
    const res = await fetch(`${proxy.url}/sora/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-x' }, body: JSON.stringify({ model: 'sora_video2', prompt }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { prompt: string }).prompt).toBe(prompt);
    await proxy.settled();
    await stillUp(proxy);
    const reasons = notJudgedReasons(proxy.report());
    expect(reasons).toContain('GET http://localhost:PORT/x: media link not judged: it is not a URL (forwarded as the deployment wrote it)');
    expect(reasons).toContain('GET http://a:99999/: media link not judged: it is not a URL (forwarded as the deployment wrote it)');
  });

  it.for(['//:1/', '//[', '//a:b@:99999/'])('2: the request target %s is answered 400 with the envelope, and the proxy stays up', async (target, { onTestFinished: defer }) => {
    const up = await evil(defer, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const proxy = await proxyTo(defer, up.url);
    const answer = await rawExchange(proxy.url, `GET ${target} HTTP/1.1`);
    expect(answer.status).toBe(400);
    expectErrorEnvelope(JSON.parse(answer.body), target, "starts with a single '/'");
    await stillUp(proxy);
  });

  it.for([
    ['099', 'HTTP/1.1 099 X', 'the status 099 is not an HTTP status'],
    ['000', 'HTTP/1.1 000 X', 'the status 000 is not an HTTP status'],
    ['a control character in the reason', 'HTTP/1.1 200 O\u0001K', 'holds a character HTTP does not allow'],
  ])('3: an upstream status line with %s: the client gets 502 with the envelope, the report a must violation', async ([, statusLine, said], { onTestFinished: defer }) => {
    const up = await rawUpstream(defer, (head, socket) => {
      if (head.startsWith('GET /sora/v1/models ')) socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
      else socket.end(`${statusLine}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`);
    });
    const proxy = await proxyTo(defer, up.url);
    const res = await fetch(`${proxy.url}/sora/v1/videos/video_1`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { type: string; code: string } };
    expectErrorEnvelope(body, said, 'GET /sora/v1/videos/video_1');
    expect(body.error).toMatchObject({ type: 'server_error', code: 'bad_gateway' });
    await stillUp(proxy);
    await proxy.settled();
    expect(proxy.report().violations).toEqual([
      { check: 'proxy.impossible-answer', severity: 'must', method: 'GET', url: `${up.url}/sora/v1/videos/video_1`, message: expect.stringContaining(said) as unknown as string },
    ]);
  });

  it('6: an answer with 30,000 links: found in one pass, at most 32 fetched, 4 at a time, the rest noted', async ({ onTestFinished: defer }) => {
    let active = 0;
    let most = 0;
    let fetched = 0;
    const up = await evil(defer, (req, res) => {
      if (req.url?.startsWith('/m/')) {
        fetched++;
        most = Math.max(most, ++active);
        setTimeout(() => {
          active--;
          res.writeHead(200, { 'content-type': 'image/png' }).end('not really a png');
        }, 20);
        return;
      }
      const links = Array.from({ length: 30_000 }, (_, i) => `${up.url}/m/${i}.png`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1, data: [{ url: links.join(' ') }] }));
    });
    const proxy = await proxyTo(defer, up.url, { fetchMedia: true });
    const res = await fetch(`${proxy.url}/sora/v1/images/generations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    await proxy.settled();
    expect(fetched).toBe(32);
    expect(most).toBeLessThanOrEqual(4);
    expect(notJudgedReasons(proxy.report())).toContain(
      `POST ${up.url}/sora/v1/images/generations: the answer carries 30000 media links; the first 32 are fetched and judged, the other 29968 are not`,
    );
  });

  it('6: findLinks keeps each of 100,000 links once, in order (linear: no list scan per link)', () => {
    const links = Array.from({ length: 100_000 }, (_, i) => `https://cdn.example/${i}.png`);
    const text = links.map((l) => `![x](${l}) ${l}`).join('\n');
    expect(findLinks(text)).toEqual(links);
  }, 20_000);

  it('8: forwarded active content (html, svg, xml, untyped) gets CSP sandbox and nosniff; JSON and images do not', async ({ onTestFinished: defer }) => {
    const types: Record<string, string | undefined> = {
      '/a.html': 'text/html; charset=utf-8',
      '/a.svg': 'image/svg+xml',
      '/a.xml': 'application/xml',
      '/b.xml': 'text/xml',
      '/a.xhtml': 'application/xhtml+xml',
      '/a.pdf': 'application/pdf',
      '/untyped': undefined,
      '/a.json': 'application/json',
      '/a.png': 'image/png',
      '/a.mp4': 'video/mp4',
      '/events': 'text/event-stream',
    };
    const up = await evil(defer, (req, res) => {
      const type = types[req.url ?? ''];
      res.writeHead(200, type ? { 'content-type': type } : {}).end('<script>fetch("/__sora/proxy/report")</script>');
    });
    const proxy = await proxyTo(defer, up.url);
    for (const [path, type] of Object.entries(types)) {
      const res = await fetch(`${proxy.url}${path}`);
      await res.arrayBuffer();
      const active = !/json|png|mp4|event-stream/.test(type ?? '');
      expect([path, res.headers.get('content-security-policy'), res.headers.get('x-content-type-options')]).toEqual(active ? [path, 'sandbox', 'nosniff'] : [path, null, null]);
    }
  });

  it('9: the JUnit report drops what XML cannot hold (U+FFFE, U+FFFF, control characters) and escapes markup', () => {
    const message = 'bad \uFFFE\uFFFF\u0001\u001b value <b>&"';
    const file = reportFile(
      { exchanges: 1, violations: [{ check: 'test.x', severity: 'must', method: 'GET', url: 'http://t/\uFFFF', message }], notJudged: { count: 1, first: [{ method: 'GET', url: 'http://t/\uFFFE', reason: 'r\u0002' }] } },
      { target: 'http://t', startedAt: new Date(0), failOn: 'should' },
    );
    const xml = junit(file);
    // eslint-disable-next-line no-control-regex
    expect(xml).not.toMatch(/[\uFFFE\uFFFF\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    expect(xml).toContain('value &lt;b&gt;&amp;&quot;');
    expect(xml).toContain('not judged');
  });
});

describe.concurrent('any request target, any status line: the proxy answers and stays up', () => {
  it('request targets made of URL punctuation get an HTTP answer, never an exit', async ({ onTestFinished: defer }) => {
    const up = await evil(defer, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const proxy = await proxyTo(defer, up.url);
    const target = fc.stringMatching(/^[/:@[\]%?#.a1\\~!$&'()*+,;=-]{0,24}$/).map((t) => (t.startsWith('/') || t.startsWith('*') ? t : `/${t}`));
    await fc.assert(
      fc.asyncProperty(target, async (t) => {
        const { status } = await rawExchange(proxy.url, `GET ${t} HTTP/1.1`);
        expect(status).toBeGreaterThanOrEqual(200);
        expect(status).toBeLessThan(600);
      }),
      { numRuns: 150 },
    );
    await stillUp(proxy);
  });

  it('status lines with any three digits and any reason bytes: forwarded when HTTP can carry them, else 502 with the envelope', async ({ onTestFinished: defer }) => {
    let line = '';
    const up = await rawUpstream(defer, (_head, socket) => socket.end(`${line}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`));
    const proxy = await proxyTo(defer, up.url);
    const reason = fc.array(fc.integer({ min: 0, max: 255 }).filter((b) => b !== 10 && b !== 13), { maxLength: 12 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), reason, async (status, why) => {
        line = `HTTP/1.1 ${String(status).padStart(3, '0')} ${why}`;
        const res = await fetch(`${proxy.url}/sora/v1/models`, { headers: { connection: 'close' } }).catch(() => undefined);
        // fetch itself refuses some answers the proxy may forward (a 1xx other than 101 ends nothing); what matters is the proxy's own
        if (!res) return;
        const text = await res.text();
        if (status >= 200 && status <= 599 && !/[^\t\x20-\x7e\x80-\xff]/.test(why)) expect(res.status).toBe(status);
        else if (res.status === 502) expectErrorEnvelope(JSON.parse(text));
      }),
      { numRuns: 150 },
    );
    line = 'HTTP/1.1 200 OK';
    await stillUp(proxy);
  });
});

it("the README's proxy bounds state the values the code uses", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### Bounds of the proxy');
  const section = readme.slice(start, readme.indexOf('\n## ', start));
  const row = (label: string) => section.split('\n').find((line) => line.startsWith(`| ${label}`)) ?? `(no row '${label}')`;
  const n = (value: number) => value.toLocaleString('en-US');
  expect(row('body kept per request')).toContain(`${DEFAULT_MAX_BODY_BYTES / MB} MiB`);
  expect(row('bodies held at once')).toContain(`${MIN_HELD_BYTES / MB} MiB`);
  expect(row('chunk timings')).toContain(`| ${MAX_CHUNK_TIMINGS} `);
  expect(row('media links fetched per answer')).toContain(`| ${MAX_LINKS_PER_ANSWER} |`);
  expect(row('media fetches at once')).toContain(`| ${MEDIA_FETCH_CONCURRENCY} / ${MAX_MEDIA_QUEUE} |`);
  expect(row('one media fetch')).toContain(`${MEDIA_FETCH_TIMEOUT_MS / 1000} s`);
  expect(row('violations kept')).toContain(`| ${n(MAX_VIOLATIONS_KEPT)} |`);
  expect(row('not-judged entries listed')).toContain(`| ${MAX_NOT_JUDGED_KEPT} |`);
  expect(row('a value in a cell')).toContain(`${CELL_SHOWN} characters`);
});

describe('hostile streams and bodies: bounded memory, bytes still forwarded', () => {
  it('4: an endless event stream keeps flowing to the client while the proxy keeps a bounded copy; the report says it was not judged', async ({ onTestFinished: defer }) => {
    let writing = true;
    const up = await evil(defer, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = Buffer.from('data: {}\n\n'.repeat(100));
      const pump = () => {
        while (writing && res.write(event));
        if (writing) res.once('drain', pump);
        else res.end();
      };
      res.on('close', () => (writing = false));
      pump();
    });
    const proxy = await proxyTo(defer, up.url, { maxBodyBytes: 1000 });
    const { result: received, peakMb } = await peakRss(
      () =>
        new Promise<number>((done, fail) => {
          let bytes = 0;
          const req = httpRequest(`${proxy.url}/sora/v1/chat/completions`, { method: 'POST' }, (res) => {
            res.on('data', (c: Buffer) => {
              bytes += c.length;
              // Well past the bound the proxy keeps: the stream goes on through it.
              if (bytes > 64 * MB) {
                req.destroy();
                done(bytes);
              }
            });
          });
          req.on('error', (e) => (bytes > 64 * MB ? undefined : fail(e)));
          req.end('{"stream":true}');
        }),
    );
    expect(received).toBeGreaterThan(64 * MB);
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    await proxy.close();
    writing = false;
    expect(notJudgedReasons(proxy.report())).toContain(
      `POST ${up.url}/sora/v1/chat/completions: the exchange was cut before its answer ended (the client went away, or the proxy shut down)`,
    );
  });

  it('4: a stream of 20,000 small chunks is recorded with at most 4096 chunk timings that still add up to the body', async ({ onTestFinished: defer }) => {
    const events = 20_000;
    const up = await evil(defer, async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < events; i++) {
        res.write(`data: {"i":${i}}\n\n`);
        // One event per turn of the loop: the proxy reads them one by one.
        await new Promise((next) => setImmediate(next));
      }
      res.end('data: [DONE]\n\n');
    });
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-hostile-'));
    const recorder = createHarFile(dir, { target: up.url, version: 'test' });
    const proxy = await proxyTo(defer, up.url, { recorder });
    const text = await (await fetch(`${proxy.url}/sora/v1/chat/completions`, { method: 'POST', body: '{}' })).text();
    expect(text.split('\n\n').length).toBe(events + 2);
    await proxy.close();
    recorder.close();
    const [entry] = parseHar(JSON.parse(readFileSync(recorder.path, 'utf8'))).log.entries;
    const chunks = entry.response.content._chunks ?? [];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThanOrEqual(4096);
    expect(chunks.reduce((n, c) => n + c.size, 0)).toBe(Buffer.byteLength(text));
  });

  it('5: a gzip bomb (0.5 MiB expanding to 512 MiB) reaches the client byte for byte; the proxy decodes at most its bound and says the rest was not judged', async ({ onTestFinished: defer }) => {
    const member = gzipSync(Buffer.alloc(MB));
    const bomb = Buffer.concat(Array.from({ length: 512 }, () => member));
    const up = await evil(defer, (req, res) => {
      if (req.url === '/sora/v1/models') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
    });
    const proxy = await proxyTo(defer, up.url, { fetchMedia: true });
    const { result: got, peakMb } = await peakRss(async () => {
      const answer = await rawGet(`${proxy.url}/sora/v1/videos/video_1`);
      await proxy.settled();
      return answer;
    });
    expect(got.status).toBe(200);
    expect(got.headers['content-encoding']).toBe('gzip');
    expect(createHash('sha256').update(got.body).digest('hex')).toBe(createHash('sha256').update(bomb).digest('hex'));
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    await stillUp(proxy);
    expect(notJudgedReasons(proxy.report())).toContain(
      `GET ${up.url}/sora/v1/videos/video_1: the answer's gzip coding expands beyond ${64 * MB} bytes (--max-body-bytes); the client got the ${bomb.length} bytes as they came`,
    );
  });
});

describe('hostile volume', () => {
  it('many answers at once and a judge slower than the traffic: the bodies held stay within the budget, the rest are recorded and noted', async ({ onTestFinished: defer }) => {
    const body = Buffer.alloc(MB, 'a');
    const up = await evil(defer, (_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body));
    const slow = recordingJudge();
    const judge = { seen: slow.seen, observe: async (e: Parameters<typeof slow.observe>[0]) => (await new Promise((r) => setTimeout(r, 200)), slow.observe(e)) };
    const proxy = await proxyTo(defer, up.url, { judge, maxHeldBytes: 16 * MB });
    const answers = 24;
    const { result: received, peakMb } = await peakRss(() =>
      Promise.all(Array.from({ length: answers }, async (_, i) => (await rawGet(`${proxy.url}/sora/v1/videos/video_${i}/content`)).body.length)),
    );
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    // Every client got every byte, whatever the proxy kept.
    expect(received).toEqual(Array.from({ length: answers }, () => MB));
    await proxy.settled();
    const held = notJudgedReasons(proxy.report()).filter((r) => r.includes(`the proxy already held ${16 * MB} bytes of other bodies`));
    expect(held.length).toBeGreaterThan(0);
    expect(judge.seen.length + held.length).toBe(answers);
  });

  it('5: a media link to a gzip bomb: the fetch stops reading at the bound and the link is noted, not judged', async ({ onTestFinished: defer }) => {
    const member = gzipSync(Buffer.alloc(MB));
    const bomb = Buffer.concat(Array.from({ length: 512 }, () => member));
    const up = await evil(defer, (req, res) => {
      if (req.url === '/bomb.png') return res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1, data: [{ url: `${up.url}/bomb.png` }] }));
    });
    const proxy = await proxyTo(defer, up.url, { fetchMedia: true, maxBodyBytes: 8 * MB });
    const { peakMb } = await peakRss(async () => {
      await (await fetch(`${proxy.url}/sora/v1/images/generations`, { method: 'POST', body: '{}' })).arrayBuffer();
      await proxy.settled();
    });
    expect(peakMb).toBeLessThan(RSS_LIMIT_MB);
    expect(notJudgedReasons(proxy.report())).toContain(`GET ${up.url}/bomb.png: the media is over ${8 * MB} bytes (--max-body-bytes); the rest was not read`);
  });
});

/** `sora-kit proxy` as users run it (test/helpers/cli.ts); its URL once it listens. */
async function cliProxy(defer: Defer, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const url = await new Promise<string>((done, fail) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) done(m[1]);
    });
    void exited.then(() => fail(new Error(`the proxy exited before listening: ${err}`)));
  });
  const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]) / 1024;
  return { child, url, exited, stderr: () => err, rssMb };
}

/** A host that accepts connections and never answers; resolves `connected` at the first. */
async function blackHole(defer: Defer) {
  let connected = () => {};
  const reached = new Promise<void>((done) => (connected = done));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    connected();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  defer(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((done) => server.close(() => done()));
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, reached };
}

describe.concurrent('7: shutdown while media fetches hang', () => {
  it('SIGTERM with a media fetch to a host that never answers: exits within 10 s, the report says the link was not judged', async ({ onTestFinished: defer }) => {
    const hole = await blackHole(defer);
    const up = await evil(defer, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1, data: [{ url: `${hole.url}/never.png` }] })));
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-hostile-'));
    const proxy = await cliProxy(defer, ['--target', up.url, '--report', join(dir, 'report.json')]);
    await (await fetch(`${proxy.url}/sora/v1/images/generations`, { method: 'POST', body: '{}' })).arrayBuffer();
    await hole.reached;
    expect(proxy.rssMb()).toBeLessThan(RSS_LIMIT_MB);
    const signalled = Date.now();
    proxy.child.kill('SIGTERM');
    const { code, signal } = await proxy.exited;
    expect(Date.now() - signalled).toBeLessThan(10_000);
    // Exited on its own (0 or 1 by what the judge found in this made-up deployment), not killed.
    expect(signal).toBeNull();
    expect([0, 1]).toContain(code);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ProxyReport;
    expect(notJudgedReasons(report)).toContain(`GET ${hole.url}/never.png: media link not judged: the proxy shut down while fetching it`);
  }, 20_000);

  // expect from the context: expect.poll in a concurrent test needs the test's own
  it('a second signal while an exchange is still under way does not lose the report', async ({ onTestFinished: defer, expect }) => {
    const up = await evil(defer, (_req, res) => {
      // An answer that never ends: close() waits its grace for it.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {}\n\n');
    });
    const dir = mkdtempSync(join(tmpdir(), 'sora-kit-hostile-'));
    const proxy = await cliProxy(defer, ['--target', up.url, '--report', join(dir, 'report.json')]);
    const streaming = await fetch(`${proxy.url}/sora/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(streaming.status).toBe(200);
    proxy.child.kill('SIGTERM');
    await expect.poll(() => proxy.stderr()).toContain('SIGTERM, closing');
    proxy.child.kill('SIGTERM');
    const { code, signal } = await proxy.exited;
    expect(signal).toBeNull();
    expect([0, 1]).toContain(code);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ProxyReport;
    expect(notJudgedReasons(report).join('\n')).toContain('a second signal stopped the proxy at once');
  }, 20_000);
});
