/**
 * The runner's pieces against tiny fake deployments: the client (timeouts, 429 with Retry-After,
 * recording), the chat stream reader, selection and plan, base URLs, and the reporters.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CATALOGUE,
  ConformanceClient,
  ConformanceSession,
  ConformanceUsageError,
  DeploymentUnreachableError,
  TransportError,
  computePlan,
  escapeXml,
  formatJson,
  formatJunit,
  isLoopback,
  normalizeBaseUrl,
  readChatStream,
  resolveRunOptions,
  retryAfterMs,
  runConformance,
  selectChecks,
  type Report,
} from '../../src/conformance/index.js';
import { descendants, parseXml } from './helpers/xml.js';

const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function fake(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, overrides: Partial<ConstructorParameters<typeof ConformanceClient>[0]> = {}) {
  const options = resolveRunOptions({ baseUrl, license: 'k', timeoutMs: 300, maxWaitSeconds: 2, maxRetryAfterSeconds: 0.05 });
  return new ConformanceClient({ ...options, ...overrides }, 'unit');
}

describe('client', () => {
  it('retries a 429 honouring Retry-After (capped), sends the raw licence, records both exchanges', async () => {
    const seen: Array<string | undefined> = [];
    const url = await fake((req, res) => {
      seen.push(req.headers.authorization);
      if (seen.length === 1) res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end('{"error":{}}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const c = client(url);
    const exchange = await c.request({ path: '/models' });
    expect(exchange.status).toBe(200);
    expect(seen).toEqual(['k', 'k']);
    expect(c.exchanges.map((e) => e.status)).toEqual([429, 200]);
    expect(c.exchanges[0].request.url).toBe(`${url}/sora/v1/models`);
  });

  it('gives up retrying after maxRetries and returns the 429', async () => {
    let count = 0;
    const url = await fake((_req, res) => void (count++, res.writeHead(429, { 'retry-after': '0' }).end()));
    const exchange = await client(url, { maxRetries: 2 }).request({ path: '/x' });
    expect(exchange.status).toBe(429);
    expect(count).toBe(3);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('fails with a TransportError naming the timeout when a deployment stops answering', async () => {
    const url = await fake(() => {});
    const error = await client(url).request({ path: '/videos', json: { a: 1 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as Error).message).toMatch(/POST .*\/sora\/v1\/videos \{"a":1\}\n  -> no response: no complete answer within 300 ms/);
  });

  it('aborts a stream that goes silent, even after it started', async () => {
    const url = await fake((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"x":1}\n\n');
    });
    await expect(client(url).sse({ path: '/chat/completions', json: {} })).rejects.toThrow(/silent for 300 ms/);
  });

  it('sends no licence to another origin', async () => {
    let auth: string | undefined = 'unset';
    const other = await fake((req, res) => void ((auth = req.headers.authorization), res.end('x')));
    const deployment = await fake((_req, res) => res.end());
    await client(deployment).request({ path: `${other}/file.png` });
    expect(auth).toBeUndefined();
  });
});

describe('readChatStream', () => {
  const chunk = (delta: object, finish: string | null = null) =>
    JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'sora_image', choices: [{ index: 0, delta, finish_reason: finish }] });
  const exchange = {} as never;

  it('joins the content, finds [DONE] last and no invalid chunk', () => {
    const s = readChatStream({ exchange, comments: 0, data: [chunk({ role: 'assistant', content: 'a' }), chunk({ content: 'b' }), chunk({}, 'stop'), '[DONE]'] });
    expect(s).toMatchObject({ content: 'ab', doneLast: true, invalid: [] });
    expect(s.chunks).toHaveLength(3);
  });

  it('reports events that are not chunks, and [DONE] that is not last', () => {
    const s = readChatStream({ exchange, comments: 0, data: ['[DONE]', 'not json', '{"object":"chat.completion"}'] });
    expect(s.doneLast).toBe(false);
    expect(s.invalid.map((i) => i.problem)).toEqual(['[DONE] before the end of the stream', 'not JSON', expect.stringMatching(/object/)]);
  });
});

describe('options, selection and plan', () => {
  it('takes the platform root or the API root', () => {
    expect(normalizeBaseUrl('http://h:1')).toBe('http://h:1/sora/v1');
    expect(normalizeBaseUrl('http://h:1/')).toBe('http://h:1/sora/v1');
    expect(normalizeBaseUrl('http://h:1/sora/v1/')).toBe('http://h:1/sora/v1');
    expect(normalizeBaseUrl('https://h/gateway')).toBe('https://h/gateway/sora/v1');
    expect(() => normalizeBaseUrl('ftp://h')).toThrow(ConformanceUsageError);
  });

  const resolved = (extra: object = {}) => resolveRunOptions({ baseUrl: 'http://127.0.0.1', license: 'k', ...extra });

  it('selects by group, id, id prefix; skips; filters by severity; rejects unknown names', () => {
    const ids = (extra: object) => selectChecks(CATALOGUE, resolved(extra)).map((c) => c.id);
    expect(ids({ only: ['auth'] })).toEqual(['auth.missing-license', 'auth.unknown-license', 'auth.raw-license', 'auth.bearer-license', 'auth.licence-not-echoed']);
    expect(ids({ only: ['videos.content'] })).toEqual(['videos.content.type', 'videos.content.size', 'videos.content.duration', 'videos.content.range', 'videos.content.before-completion']);
    expect(ids({ only: ['auth'], skip: ['auth.bearer-license'], severity: 'must' })).toEqual(['auth.missing-license', 'auth.unknown-license', 'auth.raw-license']);
    expect(() => ids({ only: ['videos.contnet'] })).toThrow(/'videos.contnet' names no check/);
  });

  it('counts a shared job once and caps generations in catalogue order', () => {
    const checks = selectChecks(CATALOGUE, resolved({ only: ['videos.create', 'videos.poll', 'videos.content', 'images.n'] }));
    const plan = computePlan(checks, resolved());
    expect(plan.totals).toEqual({ images: 6, videos: 2 });
    const capped = computePlan(checks, resolved({ maxGenerations: 3 }));
    expect(capped.totals).toEqual({ images: 0, videos: 2 });
    expect(capped.skipped).toEqual([{ id: 'images.n', reason: expect.stringMatching(/over the limit of 3 generations/) }]);
  });

  it('plans fuzz generations from the seed, the same every time', () => {
    const fuzz = selectChecks(CATALOGUE, resolved({ only: ['fuzz'] }));
    const a = computePlan(fuzz, resolved({ fuzz: 20, seed: 7 }));
    expect(a.totals.images + a.totals.videos).toBeGreaterThan(0);
    expect(computePlan(fuzz, resolved({ fuzz: 20, seed: 7 })).totals).toEqual(a.totals);
    expect(computePlan(fuzz, resolved()).skipped.map((s) => s.id)).toEqual(['fuzz.images', 'fuzz.videos']);
  });

  it('rejects bad numbers', () => {
    expect(() => resolved({ concurrency: 0 })).toThrow(/^concurrency 0: expected a positive integer/);
    expect(() => resolved({ timeoutMs: 1.5 })).toThrow(/^timeoutMs 1.5/);
    expect(() => resolveRunOptions({ baseUrl: 'http://h', license: '' })).toThrow(/license is required: the licence key/);
    // The library's words name its options, never a CLI flag (the CLI translates).
    for (const bad of [{ concurrency: 0 }, { timeoutMs: 1.5 }, { maxWaitSeconds: -1 }, { maxGenerations: -1 }, { fuzz: -1 }]) {
      expect(() => resolved(bad)).toThrow(expect.objectContaining({ option: Object.keys(bad)[0], message: expect.not.stringContaining('--') }));
    }
  });

  it('throws DeploymentUnreachableError when the probe gets no answer', async () => {
    const url = await fake(() => {});
    await expect(runConformance({ baseUrl: url, license: 'k', timeoutMs: 200, only: ['auth'] })).rejects.toThrow(DeploymentUnreachableError);
  });

  it('reports garbage as failures, not a crash', async () => {
    const url = await fake((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('\u0000garbage'));
    const session = new ConformanceSession({ baseUrl: url, license: 'k', only: ['chat.image.nonstream', 'videos.create', 'chat.image.stream.chunks'], timeoutMs: 500 });
    const results = await session.runAll();
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
    expect(results[0].message).toMatch(/expected Content-Type application\/json, got 'text\/plain'/);
  });
});

describe('reporters', () => {
  const report: Report = {
    baseUrl: 'http://h/sora/v1',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1234,
    plan: { checks: ['a.x', 'a.y'], skipped: [{ id: 'b.z', reason: 'cap' }], generations: [], totals: { images: 0, videos: 0 } },
    summary: { passed: 1, failed: 1, skipped: 1, mustFailed: 1, shouldFailed: 0, infoFailed: 0 },
    failOn: 'should',
    passed: false,
    hints: [],
    checks: [
      { id: 'auth.x', group: 'auth', severity: 'must', purpose: 'p', rule: 'r', status: 'passed', message: '', durationMs: 5 },
      { id: 'chat.y', group: 'chat', severity: 'must', purpose: 'p', rule: 'r', status: 'failed', message: 'got <html> & "quotes" \u0001 \u{1F600}\nline 2', durationMs: 7 },
      { id: 'chat.z', group: 'chat', severity: 'should', purpose: 'p', rule: 'r', status: 'skipped', message: "it's over", durationMs: 0 },
    ],
  };

  it('json has the summary and one entry per check', () => {
    const json = JSON.parse(formatJson(report)) as { summary: object; checks: Array<Record<string, unknown>> };
    expect(json.summary).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(json.checks[1]).toMatchObject({ id: 'chat.y', group: 'chat', severity: 'must', status: 'failed', durationMs: 7 });
  });

  it('junit is well-formed XML with escaped text, one suite per group', () => {
    const root = parseXml(formatJunit(report));
    expect(root.attributes).toMatchObject({ tests: '3', failures: '1', skipped: '1' });
    expect(descendants(root, 'testsuite').map((s) => s.attributes.name)).toEqual(['auth', 'chat']);
    const failure = descendants(root, 'failure')[0];
    expect(failure.attributes.message).toBe('got <html> & "quotes" \uFFFD \u{1F600}');
    expect(failure.text).toMatch(/line 2/);
    expect(descendants(root, 'skipped')[0].attributes.message).toBe("it's over");
    expect(escapeXml('a<b>&"\'')).toBe('a&lt;b&gt;&amp;&quot;&apos;');
  });

  it('the XML check itself rejects malformed documents', () => {
    expect(() => parseXml('<?xml version="1.0"?><a><b></a></b>')).toThrow(/closes/);
    expect(() => parseXml('<?xml version="1.0"?><a x="1 & 2"/>')).toThrow(/bare '&'/);
    expect(() => parseXml('<?xml version="1.0"?><a>')).toThrow(/unclosed/);
  });
});
