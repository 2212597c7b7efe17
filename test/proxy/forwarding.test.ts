/**
 * The validating proxy on the wire: the SDK and curl get through it exactly what they get directly,
 * bodies stream through as they come (an SSE event before the stream ends, a video before it is
 * whole), headers, statuses and redirects pass unchanged, and the judge sees every exchange after
 * it was forwarded.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import OpenAI, { toFile } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createValidatingProxy, parseTarget, ProxyUsageError, type ValidatingProxy } from '../../src/proxy/index.js';
import { FIXTURE_PNG, LICENCE, serve, type Served } from '../e2e/support.js';
import { rawRequest, recordingJudge, signal, upstream, type Upstream } from './helpers.js';

const run = promisify(execFile);
const FIXED = Date.UTC(2026, 0, 2, 3, 4, 5);

interface Answer {
  status: number;
  type: string | null;
  body: string;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

async function proxyTo(target: string, options: Partial<Parameters<typeof createValidatingProxy>[0]> = {}): Promise<ValidatingProxy & { url: string }> {
  const proxy = createValidatingProxy({ target, fetchMedia: false, ...options });
  await proxy.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(() => proxy.close());
  return proxy as ValidatingProxy & { url: string };
}

describe('through the proxy, clients get what they get directly', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ instant: true, clock: { now: () => FIXED } });
  });
  afterAll(() => served.server.close());

  /** The same session of SDK calls; each answer's status, type and bytes. */
  async function sdkSession(baseURL: string): Promise<Answer[]> {
    const client = new OpenAI({ apiKey: LICENCE, baseURL, maxRetries: 0 });
    const out: Answer[] = [];
    const keep = async (r: Response) => {
      out.push({ status: r.status, type: r.headers.get('content-type'), body: Buffer.from(await r.arrayBuffer()).toString('base64') });
      return Buffer.from(out.at(-1)?.body ?? '', 'base64').toString('utf8');
    };
    await keep(await client.models.list().asResponse());
    await keep(await client.images.generate({ model: 'sora_image', prompt: '画小猫' }).asResponse());
    await keep(
      await client.images
        .edit({ model: 'sora_image', prompt: '加一顶帽子', image: await toFile(readFileSync(FIXTURE_PNG), 'cat.png', { type: 'image/png' }) })
        .asResponse(),
    );
    await keep(await client.chat.completions.create({ model: 'sora_image', messages: [{ role: 'user', content: '画两只小猫' }], stream: true, n: 2 }).asResponse());
    const created = JSON.parse(await keep(await client.videos.create({ model: 'sora_video2', prompt: '一只小猫在草地上奔跑' }).asResponse())) as { id: string };
    await keep(await client.videos.retrieve(created.id).asResponse());
    await keep(await client.videos.downloadContent(created.id));
    await keep(await client.videos.downloadContent(created.id, { variant: 'thumbnail' }));
    await keep(await client.videos.remix(created.id, { prompt: '再加一只小狗' }).asResponse());
    await keep(await fetch(`${baseURL}/videos/video_missing`, { headers: { authorization: `Bearer ${LICENCE}` } }));
    return out;
  }

  it('the official openai SDK: byte-identical answers, and the judge sees each exchange with its bytes', async () => {
    const judge = recordingJudge();
    const proxy = await proxyTo(served.url, { judge });
    served.server.mock.reset();
    const direct = await sdkSession(served.api);
    served.server.mock.reset();
    const proxied = await sdkSession(`${proxy.url}/sora/v1`);
    expect(proxied).toEqual(direct);
    expect(direct.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 404]);

    await proxy.settled();
    expect(judge.seen).toHaveLength(direct.length);
    expect(proxy.report()).toEqual({ exchanges: direct.length, violations: [] });
    // The judge gets the request as sent (licence included) and the answer's bytes, both whole.
    const [models, , edit, stream, , , content] = judge.seen;
    expect(models.request).toMatchObject({ method: 'GET', url: `${served.url}/sora/v1/models` });
    expect(models.request.headers.get('authorization')).toBe(`Bearer ${LICENCE}`);
    expect(edit.request.headers.get('content-type')).toMatch(/^multipart\/form-data; boundary=/);
    expect(Buffer.from(edit.request.body).includes(readFileSync(FIXTURE_PNG))).toBe(true);
    expect(new TextDecoder().decode(stream.response.body)).toMatch(/data: \[DONE\]\n\n$/);
    expect(Buffer.from(content.response.body).toString('base64')).toBe(direct[6].body);
    expect(content.response.headers.get('content-type')).toBe('video/mp4');
  });

  it('curl: byte-identical bodies and the same status line and headers (Date aside)', async () => {
    const proxy = await proxyTo(served.url);
    const curl = async (base: string, ...args: string[]) => {
      const { stdout } = await run('curl', ['-sS', '-i', '-H', `Authorization: Bearer ${LICENCE}`, ...args.map((a) => a.replace('BASE', base))], { encoding: 'buffer', maxBuffer: 64 << 20 });
      return stdout.toString('latin1').replace(/^date: .*\r\n/im, '');
    };
    for (const args of [
      ['BASE/sora/v1/models'],
      ['-H', 'Content-Type: application/json', '--data', JSON.stringify({ model: 'sora_image', prompt: 'a cat', n: 2 }), 'BASE/sora/v1/images/generations'],
      ['-N', '-H', 'Content-Type: application/json', '--data', JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: 'cat' }] }), 'BASE/sora/v1/chat/completions'],
      ['-X', 'DELETE', 'BASE/sora/v1/videos/video_nope'],
    ]) {
      served.server.mock.reset();
      const direct = await curl(served.url, ...args);
      served.server.mock.reset();
      const proxied = await curl(proxy.url, ...args);
      expect(proxied).toBe(direct);
    }
  });
});

describe('streaming', () => {
  it('an SSE event reaches the client before the deployment ends the stream', async () => {
    const release = signal();
    const deployment: Upstream = await upstream((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.write('data: {"n":1}\n\n');
      void release.promise.then(() => res.end('data: {"n":2}\n\ndata: [DONE]\n\n'));
    });
    cleanup.push(() => deployment.close());
    const judge = recordingJudge();
    const proxy = await proxyTo(deployment.url, { judge });

    const response = await fetch(`${proxy.url}/sora/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: {"n":1}\n\n');
    // Nothing is judged before the exchange is over.
    expect(judge.seen).toHaveLength(0);
    release.give();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('data: {"n":2}\n\ndata: [DONE]\n\n');
    await proxy.settled();
    expect(new TextDecoder().decode(judge.seen[0].response.body)).toBe('data: {"n":1}\n\ndata: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it('a large video reaches the client before the deployment has written all of it, and only a bounded copy is kept', async () => {
    const SIZE = 24 * 1024 * 1024;
    const release = signal();
    const head = Buffer.alloc(256 * 1024, 7);
    const deployment = await upstream((req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(SIZE) });
      res.write(head);
      void release.promise.then(() => res.end(Buffer.alloc(SIZE - head.length, 9)));
    });
    cleanup.push(() => deployment.close());
    const judge = recordingJudge();
    const warnings: string[] = [];
    const proxy = await proxyTo(deployment.url, { judge, maxBodyBytes: 1024 * 1024, onWarning: (w) => warnings.push(w) });

    const response = await fetch(`${proxy.url}/sora/v1/videos/video_1/content`);
    expect(response.headers.get('content-length')).toBe(String(SIZE));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < head.length) received += (await reader.read()).value?.length ?? 0;
    expect(received).toBeGreaterThanOrEqual(head.length);
    release.give();
    for (let r = await reader.read(); !r.done; r = await reader.read()) received += r.value.length;
    expect(received).toBe(SIZE);
    await proxy.settled();
    // Over --max-body-bytes: forwarded whole, counted, not judged on a cut body.
    expect(judge.seen).toHaveLength(0);
    expect(proxy.report().exchanges).toBe(1);
    expect(warnings.join('\n')).toMatch(/over 1048576 bytes/);
  });
});

describe('what passes unchanged', () => {
  it('status, headers (hop-by-hop aside), redirects, the licence and the request body; Host names the target', async () => {
    const seen: Array<{ headers: Record<string, string | string[] | undefined>; body: string; url: string; method: string }> = [];
    const deployment = await upstream((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body, url: req.url ?? '', method: req.method ?? '' });
        if (req.url?.startsWith('/moved')) {
          res.writeHead(302, 'Found Elsewhere', { location: 'https://cdn.example/files/x.png', 'x-trace': 'abc' });
          res.end();
          return;
        }
        res.writeHead(418, 'I Am A Teapot', [['X-Multi', 'a'], ['X-Multi', 'b'], ['Set-Cookie', 's=1'], ['Connection', 'x-hop'], ['X-Hop', 'dropped'], ['Content-Type', 'text/plain']]);
        res.end('short and stout');
      });
    });
    cleanup.push(() => deployment.close());
    const proxy = await proxyTo(deployment.url);
    const target = new URL(deployment.url);

    const moved = await fetch(`${proxy.url}/moved?x=1`, { redirect: 'manual', headers: { authorization: 'Bearer sk-secret-licence' } });
    expect(moved.status).toBe(302);
    expect(moved.statusText).toBe('Found Elsewhere');
    expect(moved.headers.get('location')).toBe('https://cdn.example/files/x.png');
    expect(moved.headers.get('x-trace')).toBe('abc');
    expect(seen).toHaveLength(1); // not followed

    const answer = await rawRequest(`${proxy.url}/brew?pot=1`, {
      method: 'PUT',
      body: 'earl grey',
      headers: { authorization: 'sk-secret-licence', 'x-custom': 'kept', connection: 'keep-alive, x-gone', 'x-gone': 'dropped' },
    });
    expect(answer.status).toBe(418);
    expect(answer.statusText).toBe('I Am A Teapot');
    expect(answer.headers['x-multi']).toBe('a, b');
    expect(answer.headers['set-cookie']).toEqual(['s=1']);
    expect(answer.headers['x-hop']).toBeUndefined();
    expect(answer.body).toBe('short and stout');
    expect(seen[1]).toMatchObject({ method: 'PUT', url: '/brew?pot=1', body: 'earl grey' });
    expect(seen[1].headers).toMatchObject({ authorization: 'sk-secret-licence', 'x-custom': 'kept', host: target.host });
    expect(seen[1].headers['x-gone']).toBeUndefined();
  });

  it('an unreachable deployment is a 502 envelope; the judge sees nothing the client did not ask for', async () => {
    const gone = await upstream(() => {});
    await gone.close();
    const judge = recordingJudge();
    const proxy = await proxyTo(gone.url, { judge });
    const answer = await fetch(`${proxy.url}/sora/v1/models`);
    expect(answer.status).toBe(502);
    expect(await answer.json()).toMatchObject({ error: { type: 'server_error', code: 'bad_gateway', message: expect.stringContaining(gone.url) } });
  });

  it('--target must be an absolute http(s) URL', () => {
    for (const bad of ['sora.example.com', 'ftp://sora.example.com', 'http://user:pw@sora.example.com', '']) {
      expect(() => parseTarget(bad)).toThrow(ProxyUsageError);
    }
    expect(parseTarget('https://sora.example.com/sora/v1').origin).toBe('https://sora.example.com');
  });
});

describe('the report endpoint and the judge', () => {
  it('GET /__sora/proxy/report lists the violations, for same-origin callers only', async () => {
    const deployment = await upstream((req, res) => {
      res.writeHead(req.url === '/boom' ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    cleanup.push(() => deployment.close());
    const lines: string[] = [];
    const proxy = await proxyTo(deployment.url, { judge: recordingJudge(), onViolation: (v) => lines.push(`${v.check} ${v.method} ${v.url}`) });
    await fetch(`${proxy.url}/ok`);
    await fetch(`${proxy.url}/boom`, { method: 'POST', body: '{}' });
    await proxy.settled();
    const report = await fetch(`${proxy.url}/__sora/proxy/report`);
    expect(report.status).toBe(200);
    expect(await report.json()).toEqual({
      exchanges: 2,
      violations: [{ check: 'test.no-5xx', severity: 'should', method: 'POST', url: `${deployment.url}/boom`, message: 'status 503' }],
    });
    expect(lines).toEqual([`test.no-5xx POST ${deployment.url}/boom`]);

    const foreign = await fetch(`${proxy.url}/__sora/proxy/report`, { headers: { origin: 'http://evil.example' } });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ error: { code: 'cross_origin_refused' } });
    const rebound = await rawRequest(`${proxy.url}/__sora/proxy/report`, { headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(403);
    expect((await fetch(`${proxy.url}/__sora/proxy/report`, { method: 'POST', body: '{}' })).status).toBe(405);
  });

  it('with media fetching, the judge also sees the bytes of the links an answer carried (fetched once)', async () => {
    const served = await serve({ instant: true });
    cleanup.push(() => served.server.close());
    const judge = recordingJudge();
    const proxy = await proxyTo(served.url, { judge, fetchMedia: true });
    const client = new OpenAI({ apiKey: LICENCE, baseURL: `${proxy.url}/sora/v1`, maxRetries: 0 });
    const image = await client.images.generate({ model: 'sora_image', prompt: 'a cat' });
    await client.images.generate({ model: 'sora_image', prompt: 'a cat' });
    await proxy.settled();
    const link = image.data?.[0].url as string;
    const media = judge.seen.filter((e) => e.request.url === link);
    expect(media).toHaveLength(1);
    expect(media[0].response.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(media[0].response.body).subarray(1, 4).toString()).toBe('PNG');
    expect(judge.seen).toHaveLength(3);
  });
});
