/**
 * What a shared job store adds to the suite both stores pass (test/mock/job-store.test.ts): mocks in
 * front of one Redis are replicas that serve each other's jobs, agree on status although their own
 * clocks disagree, share their run-time faults, and answer 503 with the envelope and Retry-After while
 * Redis is away, then resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore, parseStoreUrl, RedisJobStore } from '../../src/adapters/redis-store.js';
import { createInspector, INSPECTOR_PREFIX } from '../../src/mock/inspector/index.js';
import { createSoraMock, resolveOptions } from '../../src/mock/app.js';
import { MemoryJobStore } from '../../src/mock/memory-store.js';
import type { VideoResource } from '../../src/spec/schemas/index.js';
import type { SoraMock, SoraMockOptions } from '../../src/mock/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { call, expectEnvelope } from '../mock/helpers.js';

let redis: TestRedis;
const stores: RedisJobStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await redis?.stop();
});

let prefixes = 0;
/** `count` mocks on one Redis prefix (a new one, or an earlier group's): replicas. */
function replicas(count: number, options: SoraMockOptions = {}, skews: number[] = [], group = ++prefixes): SoraMock<boolean>[] {
  const prefix = `replicas-${group}:`;
  return Array.from({ length: count }, (_, i) => {
    const skew = skews[i] ?? 0;
    const jobStore = new RedisJobStore({ ...resolveOptions(options), url: redis.url, prefix, localClock: { now: () => Date.now() + skew } });
    stores.push(jobStore);
    return createSoraMock({ ...options, jobStore });
  });
}

const json = async <T>(response: Response | Promise<Response>): Promise<T> => (await response).json() as Promise<T>;

describe('mocks on one Redis store', () => {
  it('serve each other’s jobs: created on one, polled, listed, remixed, deleted on the others, scoped by licence', async () => {
    const licences = [{ key: 'sk-sora-mock', features: ['chat', 'images', 'videos'] as const }, { key: 'sk-other', features: ['chat', 'videos'] as const }];
    const [a, b, c] = replicas(3, { instant: true, licenses: licences.map((l) => ({ key: l.key, features: [...l.features] })) });
    const created = await json<VideoResource>(call(a, 'POST', '/videos', { body: { prompt: 'a fox', model: 'sora_video2' } }));
    expect(await json<VideoResource>(call(b, 'GET', `/videos/${created.id}`))).toEqual(created);
    const list = await json<{ data: VideoResource[] }>(call(c, 'GET', '/videos'));
    expect(list.data.map((v) => v.id)).toEqual([created.id]);
    const remix = await json<VideoResource>(call(b, 'POST', `/videos/${created.id}/remix`, { body: { prompt: 'at night' } }));
    expect(remix.remixed_from_video_id).toBe(created.id);
    // Ids come from the store: the three never hand out the same one.
    expect(remix.id).not.toBe(created.id);
    // Another licence sees none of them.
    const other = await call(c, 'GET', `/videos/${created.id}`, { headers: { authorization: 'Bearer sk-other' } });
    expect((await expectEnvelope(other, 404)).code).toBe('video_not_found');
    expect((await call(c, 'DELETE', `/videos/${created.id}`)).status).toBe(200);
    expect((await expectEnvelope(await call(a, 'GET', `/videos/${created.id}`), 404)).code).toBe('video_not_found');
    expect((await a.jobs()).map((v) => v.id)).toEqual([remix.id]);
    expect(await b.jobCounts()).toEqual({ total: 1, queued: 0, in_progress: 0, completed: 1, failed: 0 });
  });

  it('agree on a job’s status although their own clocks are a minute apart (the shared clock and the stored created_at)', async () => {
    const [early, late] = replicas(2, {}, [0, 60_000]);
    // Each measures its offset to Redis's clock when it connects.
    await expect.poll(() => Math.abs(early.now() - late.now()), { timeout: 5000 }).toBeLessThan(100);
    const created = await json<VideoResource>(call(early, 'POST', '/videos', { body: { prompt: 'a heron', model: 'sora_video2' } }));
    const seen = await json<VideoResource>(call(late, 'GET', `/videos/${created.id}`));
    // A 3 s render read at once: queued on both (by its own clock alone, the late one would see it done).
    expect(seen.status).toBe('queued');
    const made = await json<VideoResource>(call(late, 'POST', '/videos', { body: { prompt: 'an egret', model: 'sora_video2' } }));
    expect(Math.abs(made.created_at - Math.floor(early.now() / 1000))).toBeLessThanOrEqual(1);
  });

  it('share run-time faults: one added through either fires through the other, and a times-bounded fault fires exactly its times over concurrent requests through both', async () => {
    const [a, b] = replicas(2, { instant: true });
    const create = (mock: SoraMock<boolean>) => call(mock, 'POST', '/videos', { body: { prompt: 'a wren', model: 'sora_video2' } });
    // The faults event tells what this mock changed (read back from the store); not what another did.
    const seenByA: unknown[] = [];
    const seenByB: unknown[] = [];
    a.on('faults', (list) => seenByA.push(list));
    b.on('faults', (list) => seenByB.push(list));
    const added = await a.faults.add({ scenario: 'rate_limited', times: 1, route: 'POST /videos' });
    expect(await b.faults.list()).toEqual([added.fault]);
    await expect.poll(() => seenByA).toEqual([[added.fault]]);
    expect(seenByB).toEqual([]);
    // Two concurrent requests, one through each: exactly one is refused.
    const statuses = (await Promise.all([create(a), create(b)])).map((r) => r.status);
    expect(statuses.sort()).toEqual([200, 429]);
    expect(await a.faults.list()).toEqual([]);
    // Added through b, fired through a only.
    const fromB = await b.faults.add({ scenario: 'server_error', route: 'GET /videos' });
    expect((await call(a, 'GET', '/videos')).status).toBe(500);
    expect(await a.faults.list()).toEqual([{ ...fromB.fault, hits: 1 }]);
    expect(await a.faults.remove(fromB.id)).toBe(true);
    expect(await b.faults.list()).toEqual([]);
    // Many at once: no fault is spent twice nor fires past its times.
    await b.faults.add({ scenario: 'server_error', times: 3, route: 'POST /videos' });
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => create(i % 2 ? a : b)));
    expect(burst.filter((r) => r.status === 500)).toHaveLength(3);
    expect(burst.filter((r) => r.status === 200)).toHaveLength(9);
    expect(await a.faults.list()).toEqual([]);
  });

  it('share /__sora/faults: added through one, listed, fired and deleted through the other', async () => {
    const [a, b] = replicas(2, { admin: true, instant: true });
    const admin = (mock: SoraMock<boolean>, method: string, path = '', body?: unknown) =>
      mock.fetch(new Request(`http://127.0.0.1/__sora/faults${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }));
    const added = await json<{ id: string }>(admin(a, 'POST', '', { scenario: 'rate_limited', route: 'GET /models', times: 2 }));
    expect(await json(admin(b, 'GET'))).toEqual({ object: 'list', data: [expect.objectContaining({ object: 'fault', id: added.id, remaining: 2 })] });
    expect((await call(b, 'GET', '/models')).status).toBe(429);
    expect(await json(admin(a, 'GET'))).toEqual({ object: 'list', data: [expect.objectContaining({ id: added.id, hits: 1, remaining: 1 })] });
    expect(await json(admin(b, 'DELETE', `/${added.id}`))).toEqual({ object: 'fault', id: added.id, deleted: true });
    expect((await call(a, 'GET', '/models')).status).toBe(200);
  });

  it('install the configured faults once for all of them; a reset through one puts them back once', async () => {
    const faults = [{ scenario: 'server_error' as const, times: 1, route: 'POST /videos' }];
    const [a, b, c] = replicas(3, { instant: true, faults });
    const create = (mock: SoraMock<boolean>) => call(mock, 'POST', '/videos', { body: { prompt: 'a crane', model: 'sora_video2' } });
    expect(await c.faults.list()).toEqual([expect.objectContaining({ id: 'fault_1', remaining: 1 })]);
    expect((await Promise.all([create(a), create(b), create(c)])).map((r) => r.status).sort()).toEqual([200, 200, 500]);
    // A replica (re)started later finds them installed, and spent: it does not install them again.
    const [late] = replicas(1, { instant: true, faults }, [], prefixes);
    expect(await late.faults.list()).toEqual([]);
    await b.reset();
    expect(await a.faults.list()).toEqual([expect.objectContaining({ id: 'fault_1', hits: 0, remaining: 1 })]);
  });

  it('say which store they use in /__sora/health', async () => {
    const [a] = replicas(1);
    const health = await json<{ status: string; jobs: number; store: { store: string; url: string; ok: boolean } }>(a.fetch(new Request('http://127.0.0.1/__sora/health')));
    expect(health).toMatchObject({ status: 'ok', jobs: 0, store: { store: 'redis', url: redis.url, ok: true } });
    const memory = await json<{ store: unknown }>(createSoraMock().fetch(new Request('http://127.0.0.1/__sora/health')));
    expect(memory.store).toEqual({ store: 'memory', ok: true });
  });
});

describe('a --store value', () => {
  it('is memory or a Redis URL (without its password when shown); anything else is refused with what is accepted', () => {
    expect(parseStoreUrl('memory')).toEqual({ kind: 'memory' });
    expect(parseStoreUrl('redis://u:secret@10.0.0.1:6380/2')).toEqual({ kind: 'redis', url: 'redis://u:secret@10.0.0.1:6380/2', shown: 'redis://10.0.0.1:6380/2' });
    for (const bad of ['redis', 'http://127.0.0.1:6379', 'redis://127.0.0.1:6379/x', '']) {
      expect(() => parseStoreUrl(bad)).toThrow(/not 'memory' or a Redis URL such as redis:\/\/127\.0\.0\.1:6379\/0/);
    }
    expect(createJobStore('memory', { maxJobs: 5, retentionSeconds: 1, seed: 's' })).toBeInstanceOf(MemoryJobStore);
  });
});

describe('Redis gone', () => {
  it('requests that need the store answer 503 with the envelope and Retry-After, health says degraded, nothing crashes; service resumes when Redis returns', async () => {
    const own = await startRedis();
    const jobStore = new RedisJobStore({ ...resolveOptions({}), url: own.url, commandTimeoutMs: 1000 });
    const mock = createSoraMock({ instant: true, jobStore });
    try {
      const created = await json<VideoResource>(call(mock, 'POST', '/videos', { body: { prompt: 'before', model: 'sora_video2' } }));
      await own.stop();
      for (const [method, path, body] of [
        ['GET', `/videos/${created.id}`],
        ['GET', '/videos'],
        ['POST', '/videos', { prompt: 'while away', model: 'sora_video2' }],
        ['DELETE', `/videos/${created.id}`],
      ] as const) {
        const response = await call(mock, method, path, body ? { body } : {});
        expect(response.headers.get('retry-after')).toBe('1');
        const error = await expectEnvelope(response, 503);
        expect(error).toMatchObject({ type: 'server_error', code: 'store_unavailable' });
        expect(error.message).toContain(own.url);
      }
      // The inspector's state too (its page keeps what it showed).
      const inspector = createInspector(mock);
      expect((await expectEnvelope(await inspector.fetch(new Request(`http://127.0.0.1${INSPECTOR_PREFIX}/state`)), 503)).code).toBe('store_unavailable');
      inspector.close();
      // What needs no store still answers.
      expect((await call(mock, 'GET', '/models')).status).toBe(200);
      const health = await json<{ status: string; store: { ok: boolean } }>(mock.fetch(new Request('http://127.0.0.1/__sora/health')));
      expect(health).toMatchObject({ status: 'degraded', store: { ok: false } });
      await own.start();
      // The client reconnects by itself (a fresh Redis: the job made before is gone, a new one works).
      await expect.poll(async () => (await call(mock, 'GET', '/videos')).status, { timeout: 10_000, interval: 100 }).toBe(200);
      expect((await call(mock, 'POST', '/videos', { body: { prompt: 'after', model: 'sora_video2' } })).status).toBe(200);
    } finally {
      await jobStore.close();
      await own.stop();
    }
  });
});
