/**
 * Hardening of the mock's state: each licence sees only its own video jobs; the job store's cap
 * evicts expired jobs first and tells a client whose job is gone; the inspector's event stream stays
 * bounded with viewers that never read.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer, type SoraServerOptions } from '../../src/adapters/node.js';
import { loadServeConfig } from '../../src/cli/config.js';
import { collectGarbage } from '../helpers/gc.js';
import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMock, SoraMockOptions } from '../../src/mock/types.js';

const ALICE = 'licence-alice-0001';
const BOB = 'licence-bob-0002';
const ALL = ['chat', 'images', 'videos'] as const;

const servers: SoraServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: SoraMockOptions, inspector: SoraServerOptions['inspector'] = false) {
  const server = createSoraServer(createSoraMock({ licenses: [{ key: ALICE, features: [...ALL] }, { key: BOB, features: [...ALL] }], ...options, inspector }));
  servers.push(server);
  const { url } = await server.listen();
  return { server, url, api: `${url}/sora/v1` };
}

type ErrorBody = { error: { message: string; code: string | null; param: string | null } };

function caller(api: string, licence: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${licence}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.startsWith('application/json') ? await response.json() : new Uint8Array(await response.arrayBuffer()) };
  };
}

describe('tenancy: a licence sees only its own video jobs', () => {
  it('lists, reads, downloads, remixes and deletes only its own jobs over HTTP; another licence gets 404 video_not_found', async () => {
    const { server, api } = await serve({ instant: true });
    const alice = caller(api, ALICE);
    const bob = caller(api, BOB);
    const a1 = (await alice('POST', '/videos', { model: 'sora_video2', prompt: 'alice one' })).body.id as string;
    // A job started through chat completions belongs to the chat's licence too.
    const chat = await alice('POST', '/chat/completions', { model: 'sora_video2-landscape', messages: [{ role: 'user', content: 'alice two' }] });
    expect(chat.status).toBe(200);
    const a2 = /video_id: (video_[0-9a-f]+)/.exec(chat.body.choices[0].message.content as string)![1];
    const b1 = (await bob('POST', '/videos', { model: 'sora_video2', prompt: 'bob one' })).body.id as string;

    expect((await alice('GET', '/videos')).body.data.map((v: { id: string }) => v.id)).toEqual([a2, a1]);
    expect((await bob('GET', '/videos')).body.data.map((v: { id: string }) => v.id)).toEqual([b1]);
    expect((await bob('GET', '/videos?order=asc&limit=1')).body).toMatchObject({ has_more: false, first_id: b1, last_id: b1 });

    const missing = await bob('GET', '/videos/video_00000000deadbeef');
    for (const id of [a1, a2]) {
      for (const [method, path, body] of [
        ['GET', `/videos/${id}`],
        ['GET', `/videos/${id}/content`],
        ['GET', `/videos/${id}/content?variant=thumbnail`],
        ['POST', `/videos/${id}/remix`, { prompt: 'stolen' }],
        ['DELETE', `/videos/${id}`],
        ['GET', `/videos?after=${id}`],
      ] as [string, string, unknown?][]) {
        const answer = await bob(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect((answer.body as ErrorBody).error.code, `${method} ${path}`).toBe('video_not_found');
        expect((answer.body as ErrorBody).error.param).toBe(path.includes('after=') ? 'after' : 'video_id');
      }
      // Indistinguishable from an id that never existed: the message says nothing of the owner.
      const other = (await bob('GET', `/videos/${id}`)).body as ErrorBody;
      expect(other.error.message.replace(id, 'X')).toBe((missing.body as ErrorBody).error.message.replace('video_00000000deadbeef', 'X'));
    }
    // Bob's attempts changed nothing of Alice's.
    expect((await alice('GET', `/videos/${a1}`)).body).toMatchObject({ id: a1, status: 'completed' });
    expect((await alice('GET', `/videos/${a2}/content`)).status).toBe(200);
    expect((await alice('GET', `/videos?after=${a2}`)).body.data.map((v: { id: string }) => v.id)).toEqual([a1]);
    expect((await alice('POST', `/videos/${a1}/remix`, { prompt: 'again' })).status).toBe(200);
    expect((await bob('GET', '/videos')).body.data).toHaveLength(1);

    // The programmatic view shows every licence's jobs, or one licence's.
    expect(server.mock.jobs()).toHaveLength(4);
    expect(server.mock.jobs({ license: BOB }).map((v) => v.id)).toEqual([b1]);
    expect(server.mock.jobs({ license: ALICE })).toHaveLength(3);
    expect((await alice('DELETE', `/videos/${a1}`)).body).toEqual({ id: a1, object: 'video.deleted', deleted: true });
  });

  it('holds for the official openai SDK: another licence\'s video is a NotFoundError', async () => {
    const { api } = await serve({ instant: true });
    const alice = new OpenAI({ apiKey: ALICE, baseURL: api, maxRetries: 0 });
    const bob = new OpenAI({ apiKey: BOB, baseURL: api, maxRetries: 0 });
    const mine = await bob.videos.create({ model: 'sora_video2' as never, prompt: 'bob' });
    const theirs = await alice.videos.create({ model: 'sora_video2' as never, prompt: 'alice' });

    const listed: string[] = [];
    for await (const video of bob.videos.list()) listed.push(video.id);
    expect(listed).toEqual([mine.id]);
    expect((await bob.videos.retrieve(mine.id)).status).toBe('completed');
    expect((await bob.videos.downloadContent(mine.id)).status).toBe(200);

    await expect(bob.videos.retrieve(theirs.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(bob.videos.downloadContent(theirs.id)).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.remix(theirs.id, { prompt: 'x' })).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.delete(theirs.id)).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.list({ after: theirs.id })).rejects.toMatchObject({ status: 404, code: 'video_not_found', param: 'after' });
    expect((await alice.videos.retrieve(theirs.id)).id).toBe(theirs.id);
  });
});

describe('the job cap: expired jobs go first, and a gone job says so', () => {
  const start = Date.UTC(2026, 0, 1);
  // sora_video2 (10 s SD) renders in 3 s of mock time.
  const RENDER_MS = 3000;
  const RETENTION_S = 60;

  async function setup() {
    const mock = createSoraMock({
      clock: { now: () => start },
      maxJobs: 20,
      retentionSeconds: RETENTION_S,
      licenses: [{ key: ALICE, features: [...ALL] }, { key: BOB, features: [...ALL] }],
    });
    const as = (licence: string) => async (method: string, path: string, body?: unknown) => {
      const response = await mock.fetch(
        new Request(`http://127.0.0.1/sora/v1${path}`, {
          method,
          headers: { authorization: licence, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
      const type = response.headers.get('content-type') ?? '';
      return { status: response.status, headers: response.headers, body: type.startsWith('application/json') ? await response.json() : undefined };
    };
    const alice = as(ALICE);
    const create = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const created = await alice('POST', '/videos', { model: 'sora_video2', prompt: `job ${i}` });
        expect(created.status, JSON.stringify(created.body)).toBe(200);
        ids.push(created.body.id);
      }
      return ids;
    };
    return { mock, alice, bob: as(BOB), create };
  }

  const codeOf = (answer: { body: ErrorBody }) => answer.body.error.code;

  it('evicts expired jobs first, then the oldest finished ones, never a rendering one, and says which on every read', async () => {
    const { mock, alice, bob, create } = await setup();
    expect(mock.options.maxJobs).toBe(20);
    const expired = await create(10);
    mock.advance(RENDER_MS + RETENTION_S * 1000 + 1000); // completed, then past expires_at
    const finished = await create(10);
    mock.advance(RENDER_MS); // completed, within retention
    expect(mock.jobs()).toHaveLength(20);
    // Past retention a job stays readable until the cap needs its place.
    expect((await alice('GET', `/videos/${expired[0]}`)).status).toBe(200);
    expect(codeOf(await alice('GET', `/videos/${expired[0]}/content`))).toBe('video_expired');

    const rendering = await create(5);
    expect(mock.jobs()).toHaveLength(20);
    // The five oldest expired jobs made room; the other expired ones and every finished one stay.
    for (const id of expired.slice(0, 5)) {
      const answer = await alice('GET', `/videos/${id}`);
      expect(answer.status).toBe(404);
      expect(codeOf(answer)).toBe('video_expired');
      expect(answer.body.error.message).toMatch(/expired/);
      expect(answer.body.error.message).toMatch(/evicted/);
    }
    for (const id of [...expired.slice(5), ...finished]) expect((await alice('GET', `/videos/${id}`)).status).toBe(200);

    await create(10); // five more expired ones go, then the five oldest finished ones
    expect(mock.jobs()).toHaveLength(20);
    for (const id of expired) expect(codeOf(await alice('GET', `/videos/${id}`))).toBe('video_expired');
    const evicted = finished.slice(0, 5);
    for (const id of evicted) {
      for (const [method, path, body] of [
        ['GET', `/videos/${id}`],
        ['GET', `/videos/${id}/content`],
        ['POST', `/videos/${id}/remix`, { prompt: 'again' }],
        ['DELETE', `/videos/${id}`],
      ] as [string, string, unknown?][]) {
        const answer = await alice(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(codeOf(answer), `${method} ${path}`).toBe('video_evicted');
        expect(answer.body.error.message).toMatch(/evicted before its retention ended/);
        expect(answer.body.error.message).toMatch(/maxJobs/);
      }
    }
    for (const id of [...finished.slice(5), ...rendering]) expect((await alice('GET', `/videos/${id}`)).status).toBe(200);
    for (const id of rendering) expect((await alice('GET', `/videos/${id}`)).body.status).not.toBe('completed');

    // A gone id as a cursor: 404 naming `after`, with the reason.
    const cursor = await alice('GET', `/videos?after=${evicted[0]}`);
    expect(cursor.status).toBe(404);
    expect(cursor.body.error).toMatchObject({ code: 'video_evicted', param: 'after' });
    expect(codeOf(await alice('GET', `/videos?order=asc&after=${expired[0]}`))).toBe('video_expired');
    // Another licence learns nothing about it.
    expect(codeOf(await bob('GET', `/videos/${evicted[0]}`))).toBe('video_not_found');
    expect(codeOf(await bob('GET', `/videos?after=${evicted[0]}`))).toBe('video_not_found');
    // Still an ordinary 404 for what never existed, and for what the client deleted itself.
    const kept = finished[5];
    expect((await alice('DELETE', `/videos/${kept}`)).status).toBe(200);
    expect(codeOf(await alice('GET', `/videos/${kept}`))).toBe('video_not_found');
    expect(codeOf(await alice('GET', '/videos/video_0000000000000000'))).toBe('video_not_found');
  });

  it('refuses a new job with 429 job_limit_reached rather than drop one still rendering; reset forgets the gone ids', async () => {
    const { mock, alice, create } = await setup();
    const rendering = await create(20);
    const refused = await alice('POST', '/videos', { model: 'sora_video2', prompt: 'one too many' });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'job_limit_reached', type: 'rate_limit_error' });
    expect(refused.body.error.message).toMatch(/maxJobs \(20\)/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const chat = await alice('POST', '/chat/completions', { model: 'sora_video2', messages: [{ role: 'user', content: 'via chat' }] });
    expect(chat.status).toBe(429);
    for (const id of rendering) expect((await alice('GET', `/videos/${id}`)).status).toBe(200);

    mock.advance(RENDER_MS); // all finished: the oldest finished one makes room
    const [next] = await create(1);
    expect(codeOf(await alice('GET', `/videos/${rendering[0]}`))).toBe('video_evicted');
    expect((await alice('GET', `/videos/${next}`)).status).toBe(200);
    mock.reset();
    expect(codeOf(await alice('GET', `/videos/${rendering[0]}`))).toBe('video_not_found');
  });

  it('rejects a cap that is not a positive integer; sora-kit serve takes it as --max-jobs or SORA_MOCK_MAX_JOBS', async () => {
    expect(createSoraMock().options.maxJobs).toBe(10_000);
    for (const maxJobs of [0, -1, 1.5, Number.NaN]) expect(() => createSoraMock({ maxJobs })).toThrow(/maxJobs/);
    expect((await loadServeConfig({ env: {}, flags: { maxJobs: '20' } })).mock.maxJobs).toBe(20);
    expect((await loadServeConfig({ env: { SORA_MOCK_MAX_JOBS: '30' } })).mock.maxJobs).toBe(30);
    await expect(loadServeConfig({ env: { SORA_MOCK_MAX_JOBS: 'many' } })).rejects.toThrow(/SORA_MOCK_MAX_JOBS.*many/);
  });
});

describe('inspector viewers: bounded, coalesced, slow ones dropped', () => {
  /** A viewer that connects with node:http and never reads: its socket is paused. */
  function stalledViewer(url: string): Promise<{ socket: Socket; response: IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${url}/__sora/inspector/events`, (response) => {
        response.pause();
        response.socket.pause();
        resolve({ socket: response.socket, response });
      });
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * A viewer that reads every event and keeps a summary of them per kind (how many, the largest, the
   * last), not the events: the memory bound below is the server's, and a client keeping every event
   * (a request's announcement carries its headers) would grow this process by itself, faster the
   * faster the machine.
   */
  function readingViewer(url: string) {
    const controller = new AbortController();
    const counts = new Map<string, number>();
    const largest = new Map<string, number>();
    const lastData = new Map<string, string>();
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        const kind = event.event ?? 'message';
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        largest.set(kind, Math.max(largest.get(kind) ?? 0, event.data.length));
        lastData.set(kind, event.data);
      },
    });
    const done = (async () => {
      const response = await fetch(`${url}/__sora/inspector/events`, { signal: controller.signal });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        parser.feed(value);
      }
    })().catch((error) => {
      if (!controller.signal.aborted) throw error;
    });
    return { count: (kind: string) => counts.get(kind) ?? 0, largest, last: (kind: string) => lastData.get(kind), close: () => controller.abort(), done };
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('10,000 rendering jobs, five viewers that never read and one that does: memory, payloads and the stalled ones stay bounded', async () => {
    // The stall bound shortened from 30 s so the test sees the drop.
    const { server, url } = await serve({ clock: { now: () => Date.UTC(2026, 0, 1) } }, { stalledViewerMs: 2000 });
    const mock: SoraMock = server.mock;
    for (let i = 0; i < 10_000; i++) {
      const response = await mock.fetch(
        new Request('http://127.0.0.1/sora/v1/videos', {
          method: 'POST',
          headers: { authorization: ALICE, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_video2', prompt: `a job that keeps rendering, number ${i}` }),
        }),
      );
      if (response.status !== 200) throw new Error(`job ${i}: ${response.status} ${await response.text()}`);
    }
    expect(mock.jobs().filter((j) => j.status === 'queued')).toHaveLength(10_000);

    // The snapshot is bounded too.
    const state = await (await fetch(`${url}/__sora/inspector/state`)).text();
    expect(state.length).toBeLessThan(256 * 1024);
    expect(JSON.parse(state)).toMatchObject({ jobCounts: { total: 10_000, queued: 10_000 } });

    const serverSockets = new Map<number, Socket>();
    server.server.on('connection', (socket: Socket) => serverSockets.set(socket.remotePort!, socket));
    const retained = () => {
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const heapBefore = retained();
    const rssBefore = process.memoryUsage().rss;
    const stalled = await Promise.all(Array.from({ length: 5 }, () => stalledViewer(url)));
    const reader = readingViewer(url);

    // About 5 s of traffic: each request is announced to every viewer (with its headers, ~8 KiB).
    const padding = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(500)]));
    const until = performance.now() + 5000;
    let requests = 0;
    let maxRss = rssBefore;
    while (performance.now() < until) {
      const response = await fetch(`${url}/sora/v1/models`, { headers: { authorization: ALICE, ...padding } });
      await response.arrayBuffer();
      requests++;
      if (requests % 50 === 0) maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    await sleep(1000);
    maxRss = Math.max(maxRss, process.memoryUsage().rss);

    // Memory stays bounded: what the server keeps (the heap after a full collection, whatever the
    // number of requests this machine made in the time), and the process's peak.
    expect((retained() - heapBefore) / 2 ** 20).toBeLessThan(48);
    expect((maxRss - rssBefore) / 2 ** 20).toBeLessThan(150);
    // The reading viewer kept getting updates, each one bounded.
    expect(reader.count('jobs')).toBeGreaterThanOrEqual(5);
    expect(reader.count('request')).toBeGreaterThan(Math.min(requests, 200) / 2);
    expect(reader.largest.size).toBeGreaterThan(0);
    for (const [kind, length] of reader.largest) expect(length, kind).toBeLessThan(256 * 1024);
    const last = JSON.parse(reader.last('jobs')!) as { jobs: unknown[]; jobCounts: { total: number; queued: number } };
    expect(last.jobs).toHaveLength(100);
    expect(last.jobCounts).toMatchObject({ total: 10_000, queued: 10_000 });

    // The viewers that never read were dropped: the server closed their connections, having written
    // them a bounded amount.
    for (const viewer of stalled) {
      const socket = serverSockets.get(viewer.socket.localPort!);
      expect(socket, 'server side of a stalled viewer').toBeDefined();
      expect(socket!.bytesWritten).toBeLessThan(16 * 2 ** 20);
      await expect.poll(() => socket!.destroyed, { timeout: 5000 }).toBe(true);
    }
    // The reader was not.
    const readerSockets = [...serverSockets.values()].filter((s) => !stalled.some((v) => v.socket.localPort === s.remotePort) && !s.destroyed);
    expect(readerSockets.length).toBeGreaterThanOrEqual(1);
    reader.close();
    for (const viewer of stalled) viewer.socket.destroy();
  }, 60_000);

  it('drops a viewer whose stream has not drained for the stall bound, though little is pending', async () => {
    const { server, url } = await serve({ clock: { now: () => Date.UTC(2026, 0, 1) } }, { stalledViewerMs: 1000 });
    const serverSockets = new Map<number, Socket>();
    server.server.on('connection', (socket: Socket) => serverSockets.set(socket.remotePort!, socket));
    // Two jobs that keep rendering, so a jobs update goes out every 400 ms.
    for (const prompt of ['a', 'b']) {
      await server.mock.fetch(
        new Request('http://127.0.0.1/sora/v1/videos', {
          method: 'POST',
          headers: { authorization: ALICE, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_video2', prompt }),
        }),
      );
    }
    const viewer = await stalledViewer(url);
    const reader = readingViewer(url);
    // Fill the stalled viewer's socket buffers, so the server sees it is not reading.
    const padding = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`x-pad-${i}`, 'p'.repeat(500)]));
    const socket = () => serverSockets.get(viewer.socket.localPort!)!;
    const deadline = performance.now() + 20_000;
    while (!socket().writableNeedDrain && performance.now() < deadline) {
      await (await fetch(`${url}/sora/v1/models`, { headers: { authorization: ALICE, ...padding } })).arrayBuffer();
    }
    expect(socket().writableNeedDrain).toBe(true);
    // No more traffic: only the coalesced jobs updates (every 400 ms) wait for it now.
    await expect.poll(() => socket().destroyed, { timeout: 5000 }).toBe(true);
    expect(reader.count('jobs')).toBeGreaterThan(0);
    reader.close();
    viewer.socket.destroy();
  }, 60_000);
});
