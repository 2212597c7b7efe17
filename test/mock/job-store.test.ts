/**
 * The job stores (memory, and Redis on a real redis-server) against the obvious O(jobs) reads: for any
 * sequence of creates, deletes and evictions by several licences, every page (either order, any
 * cursor, any limit) is the slice of the owner's jobs in creation order, and has_more says whether the
 * slice stopped short. Likewise the inspector's reads: the newest jobs and the count by status,
 * against slicing and counting every job. One suite, run against both stores; then what only one of
 * them promises (the memory store's O(page) walks and kept texts), and what a shared store adds
 * (replicas that share jobs and a clock, and a Redis that goes away and comes back). The run-time
 * fault registries (memory, Redis) keep one contract too, run here against both.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../../src/adapters/redis-store.js';
import { createSoraMock, resolveOptions } from '../../src/mock/app.js';
import { createFaultRegistry, type FaultRegistry, type FaultTarget } from '../../src/mock/faults.js';
import { FINISHED_TEXTS_KEPT, type JobStore, type MaybePromise, type PageQuery } from '../../src/mock/jobs.js';
import { MemoryJobStore } from '../../src/mock/memory-store.js';
import type { SoraMock, SoraMockOptions } from '../../src/mock/types.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { jobState } from '../../src/mock/timeline.js';
import type { VideoJob } from '../../src/mock/types.js';
import { resolveVideoRequest } from '../../src/spec/rules.js';
import { parseModelName } from '../../src/spec/model.js';
import { VideoListResource, VideoResource } from '../../src/spec/schemas/index.js';
import { ORIGIN, call, expectEnvelope, manualMock } from './helpers.js';

const parsed = parseModelName('sora_video2');
if (!parsed.ok) throw new Error('sora_video2 must parse');
const resolved = resolveVideoRequest({ model: parsed.model });
if (!resolved.ok) throw new Error('sora_video2 must resolve');
const SPEC = resolved.spec;

function job(id: string, owner: string, createdAtMs: number, renderMs: number, failAt?: number): VideoJob {
  return { id, owner, prompt: id, spec: SPEC, watermark: false, remixedFrom: null, createdAtMs, renderMs, ...(failAt === undefined ? {} : { failAt }) };
}

/** What `mock.jobCounts()` computed before: every job's status at `now`, counted. */
function naiveCounts(all: VideoJob[], now: number, owner?: string) {
  const counts = { total: 0, queued: 0, in_progress: 0, completed: 0, failed: 0 };
  for (const j of all) {
    if (owner !== undefined && j.owner !== owner) continue;
    counts.total++;
    counts[jobState(j, now).status]++;
  }
  return counts;
}

/** What the list route computed before: filter the owner's jobs, reverse for desc, find the cursor, slice. */
function naivePage(all: VideoJob[], owner: string, { order, after, limit }: PageQuery) {
  const ordered = all.filter((j) => j.owner === owner);
  if (order === 'desc') ordered.reverse();
  let start = 0;
  if (after !== undefined) {
    const at = ordered.findIndex((j) => j.id === after);
    if (at < 0) return undefined;
    start = at + 1;
  }
  const page = ordered.slice(start, start + limit);
  return { ids: page.map((j) => j.id), hasMore: start + page.length < ordered.length };
}

const OWNERS = ['a', 'b', 'c'];
type Op =
  | { kind: 'add'; owner: number; renderMs: number; failAt: number | null; bornIn: number }
  | { kind: 'delete'; pick: number; recent: boolean; asOwner: number | null }
  | { kind: 'clock'; by: number }
  | { kind: 'page'; owner: number; order: 'asc' | 'desc'; cursor: number | null; limit: number }
  | { kind: 'read'; owner: number | null; limit: number }
  | { kind: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      owner: fc.nat(2),
      renderMs: fc.constantFrom(0, 200, 500, 1000, 5000, Infinity),
      failAt: fc.option(fc.constantFrom(0.5, 0.25), { nil: null }),
      // Jobs are created at the mock's now; a clock that went back makes a later job look born in the future.
      bornIn: fc.integer({ min: -500, max: 500 }),
    }),
  },
  // Often among the last few jobs, so that neighbours go one after the other (what relinks the rest);
  // sometimes as another licence, which must change nothing.
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat(), recent: fc.boolean(), asOwner: fc.option(fc.nat(2), { nil: null }) }),
  },
  // Mostly forward, sometimes back (fake timers, setSystemTime), by up to 6 s.
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('clock' as const), by: fc.integer({ min: -2000, max: 6000 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('page' as const),
      owner: fc.nat(2),
      order: fc.constantFrom('asc' as const, 'desc' as const),
      cursor: fc.option(fc.nat(), { nil: null }),
      limit: fc.integer({ min: 0, max: 6 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('read' as const), owner: fc.option(fc.nat(2), { nil: null }), limit: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
);

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Each Redis store of this file under its own prefix, so none sees another's jobs. */
let prefixes = 0;
const nextPrefix = () => `test-${process.pid}-${++prefixes}:`;

interface StoreKind {
  name: string;
  make(limits: { maxJobs: number; retentionSeconds: number }): JobStore;
  /** A fault registry of this kind, and how to let it go. */
  faults(): { registry: FaultRegistry; close(): MaybePromise<void> };
  /** A mock on a manual clock (as manualMock) over a store of this kind. */
  mock(options?: SoraMockOptions): SoraMock<boolean>;
  /** Runs of the model-based property (a Redis run costs round trips). */
  runs: number;
}

const start = Date.UTC(2026, 0, 1);
const KINDS: StoreKind[] = [
  {
    name: 'memory',
    make: (limits) => new MemoryJobStore({ ...limits, seed: 's' }),
    faults: () => ({ registry: createFaultRegistry(), close: () => undefined }),
    mock: (options = {}) => manualMock(options),
    runs: 500,
  },
  {
    name: 'redis',
    make: (limits) => new RedisJobStore({ ...limits, seed: 's', url: redis.url, prefix: nextPrefix() }),
    faults: () => {
      const store = new RedisJobStore({ maxJobs: 10, retentionSeconds: 60, seed: 's', url: redis.url, prefix: nextPrefix() });
      return { registry: store.sharedFaults(() => undefined), close: () => store.close() };
    },
    mock: (options = {}) => {
      const resolved = resolveOptions(options);
      const jobStore = new RedisJobStore({ ...resolved, url: redis.url, prefix: nextPrefix() });
      return createSoraMock({ clock: { now: () => start }, ...options, jobStore });
    },
    runs: 60,
  },
];

describe.each(KINDS)('the $name job store against the obvious O(jobs) reads', (kind) => {
  it('pages, the newest jobs and the counts by status answer what slicing and counting every job answered, through creates, deletes, evictions, a clock that goes both ways and clear()', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 100 }), fc.integer({ min: 1, max: 12 }), async (ops, maxJobs) => {
        const store = kind.make({ maxJobs, retentionSeconds: 2 });
        try {
          let now = 1_000_000;
          let n = 0;
          const everId: string[] = [];
          for (const o of ops) {
            if (o.kind === 'add') {
              const id = `video_${++n}`;
              everId.push(id);
              await store.add(job(id, OWNERS[o.owner], now + o.bornIn, o.renderMs, o.failAt ?? undefined), now);
            } else if (o.kind === 'delete') {
              const span = o.recent ? Math.min(3, everId.length) : everId.length;
              if (everId.length > 0) await store.delete(everId[everId.length - 1 - (o.pick % span)], o.asOwner === null ? undefined : OWNERS[o.asOwner]);
            } else if (o.kind === 'clock') {
              now += o.by;
            } else if (o.kind === 'clear') {
              await store.clear();
            } else if (o.kind === 'page') {
              const owner = OWNERS[o.owner];
              // Cursors: ids stored, deleted, evicted or another owner's, all of which must behave as before.
              const after = o.cursor === null || everId.length === 0 ? undefined : everId[o.cursor % everId.length];
              const query: PageQuery = { order: o.order, after, limit: o.limit };
              const got = await store.page(owner, query);
              const want = naivePage(await store.all(), owner, query);
              expect(got && { ids: got.jobs.map((j) => j.id), hasMore: got.hasMore }).toEqual(want);
              expect((await store.all(owner)).map((j) => j.id)).toEqual((await store.all()).filter((j) => j.owner === owner).map((j) => j.id));
            } else {
              const owner = o.owner === null ? undefined : OWNERS[o.owner];
              expect(await store.counts(now, owner)).toEqual(naiveCounts(await store.all(), now, owner));
              expect((await store.newest(o.limit, owner)).map((j) => j.id)).toEqual((await store.all(owner)).reverse().slice(0, o.limit).map((j) => j.id));
            }
            expect(await store.size()).toBeLessThanOrEqual(maxJobs);
          }
          // And a last count of every owner and of all, whatever the sequence ended on.
          for (const owner of [undefined, ...OWNERS]) expect(await store.counts(now, owner)).toEqual(naiveCounts(await store.all(), now, owner));
        } finally {
          await store.clear();
          await store.close();
        }
      }),
      { numRuns: kind.runs },
    );
  });

  it('newest() keeps every job in order when jobs go in any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }).chain((count) => fc.tuple(fc.constant(count), fc.shuffledSubarray([...Array(count).keys()]), fc.array(fc.nat(1), { minLength: count, maxLength: count }))),
        async ([count, deletions, owners]) => {
          const store = kind.make({ maxJobs: 100, retentionSeconds: 60 });
          try {
            for (let i = 0; i < count; i++) await store.add(job(`video_${i}`, OWNERS[owners[i]], 0, 0), 0);
            for (const i of deletions) {
              await store.delete(`video_${i}`);
              for (const owner of [undefined, OWNERS[0], OWNERS[1]]) {
                expect((await store.newest(count, owner)).map((j) => j.id)).toEqual((await store.all(owner)).reverse().map((j) => j.id));
              }
            }
            // A job added after the deletions comes after the newest one left.
            await store.add(job('video_last', OWNERS[0], 0, 0), 0);
            expect((await store.newest(count + 1)).map((j) => j.id)).toEqual((await store.all()).reverse().map((j) => j.id));
          } finally {
            await store.clear();
            await store.close();
          }
        },
      ),
      { numRuns: Math.ceil(kind.runs / 2) },
    );
  });

  it('keeps what a job is: a stalled job (endless render), a failing one, the gone reason of an evicted one, the wait of a refused add', async () => {
    const store = kind.make({ maxJobs: 2, retentionSeconds: 10 });
    try {
      const stalled = job('video_s', 'a', 0, Infinity);
      const failing = job('video_f', 'b', 0, 1000, 0.5);
      expect(await store.add(stalled, 0)).toBe(true);
      expect(await store.add(failing, 0)).toBe(true);
      expect(await store.get('video_s')).toEqual(stalled);
      expect(await store.get('video_f', 'b')).toEqual(failing);
      expect(await store.get('video_f', 'a')).toBeUndefined();
      // Full, and nothing has finished: refused, and the soonest finish is the failing one's, at 500 ms.
      expect(await store.add(job('video_x', 'a', 100, 0), 100)).toBe(false);
      expect(await store.nextFinishInMs(100)).toBe(400);
      // Once it failed it may be evicted (it had not expired: 'evicted', with when it would have).
      expect(await store.add(job('video_y', 'a', 600, 0), 600)).toBe(true);
      expect(await store.goneJob('video_f', 'a')).toBeUndefined();
      expect(await store.goneJob('video_f')).toEqual({ id: 'video_f', owner: 'b', reason: 'evicted', expiresAtMs: 10_000, evictedAtMs: 600 });
      expect(await store.get('video_f')).toBeUndefined();
      // Ids count from the seed, and clear() restarts them.
      const first = await store.nextId();
      expect(await store.nextId()).not.toBe(first);
      await store.clear();
      expect(await store.nextId()).toBe(first);
      expect(await store.size()).toBe(0);
      expect(await store.goneJob('video_f')).toBeUndefined();
    } finally {
      await store.clear();
      await store.close();
    }
  });

  it('through the API: jobMedia paths are the files links that serve the job content', async () => {
    const mock = kind.mock({ instant: true });
    const created = VideoResource.parse(await (await call(mock, 'POST', '/videos', { body: { prompt: 'a lighthouse', model: 'sora_video' } })).json());
    const remix = VideoResource.parse(await (await call(mock, 'POST', `/videos/${created.id}/remix`, { body: { prompt: 'at night' } })).json());
    for (const id of [created.id, remix.id]) {
      const media = await mock.jobMedia(id);
      expect(media).toBeDefined();
      for (const [variant, path] of Object.entries(media!)) {
        expect(path).toMatch(new RegExp(`^/sora/v1/files/r2\\.v\\.[^/]+\\.[A-Za-z0-9_-]{22}\\.${{ video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' }[variant]}$`));
        const viaLink = await mock.fetch(new Request(`http://127.0.0.1:4010${path}`));
        const viaJob = await call(mock, 'GET', `/videos/${id}/content?variant=${variant}`);
        expect(viaLink.status).toBe(200);
        expect(viaLink.headers.get('content-type')).toBe(viaJob.headers.get('content-type'));
        expect(new Uint8Array(await viaLink.arrayBuffer())).toEqual(new Uint8Array(await viaJob.arrayBuffer()));
      }
    }
    // The remix renders something else than its source.
    expect((await mock.jobMedia(remix.id))?.video).not.toBe((await mock.jobMedia(created.id))?.video);
    expect(await mock.jobMedia('video_unknown')).toBeUndefined();
    await mock.reset();
  });

  it('through the API: list pages keep their order, cursors and has_more', async () => {
    const mock = kind.mock({ instant: true });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await (await call(mock, 'POST', '/videos', { body: { prompt: `p${i}`, model: 'sora_video2' } })).json()).id);
    await call(mock, 'DELETE', `/videos/${ids[3]}`);
    const kept = ids.filter((_, i) => i !== 3);
    const walk = async (order: string) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page = VideoListResource.parse(await (await call(mock, 'GET', `/videos?limit=2&order=${order}${after ? `&after=${after}` : ''}`)).json());
        seen.push(...page.data.map((v) => v.id));
        if (!page.has_more) return seen;
        after = page.last_id;
      }
    };
    expect(await walk('asc')).toEqual(kept);
    expect(await walk('desc')).toEqual([...kept].reverse());
    expect((await mock.jobs()).map((v) => v.id)).toEqual([...kept].reverse());
    expect(await mock.jobCounts()).toEqual({ total: 6, queued: 0, in_progress: 0, completed: 6, failed: 0 });
    // A deleted cursor is a 404 on `after`, as a never-created one.
    const refused = await call(mock, 'GET', `/videos?after=${ids[3]}`);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('after');
    await mock.reset();
  });

  it('through the API: a poll answers the resource, and after reset() a new job under the same id shows its own prompt', async () => {
    const mock = kind.mock({ instant: true, seed: 'finished-text' });
    const first = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'the first fox', model: 'sora_video2' } })).json()) as VideoResource;
    const polled = await (await call(mock, 'GET', `/videos/${first.id}`)).text();
    expect(JSON.parse(polled)).toEqual(first);
    expect(await (await call(mock, 'GET', `/videos/${first.id}`)).text()).toBe(polled);
    await mock.reset();
    const second = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'the second owl', model: 'sora_video2' } })).json()) as VideoResource;
    expect(second.id).toBe(first.id);
    expect(((await (await call(mock, 'GET', `/videos/${second.id}`)).json()) as VideoResource).prompt).toBe('the second owl');
    await mock.reset();
  });

  it('through the API: a rendering job is polled live, and a full store refuses a create with 429 and Retry-After', async () => {
    const mock = kind.mock({ maxJobs: 1 });
    const created = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'a slow heron', model: 'sora_video2' } })).json()) as VideoResource;
    const refused = await call(mock, 'POST', '/videos', { body: { prompt: 'one too many', model: 'sora_video2' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const v = (await (await call(mock, 'GET', `/videos/${created.id}`)).json()) as VideoResource;
      seen.push(`${v.status}:${v.progress}`);
      mock.advance(500);
    }
    expect(new Set(seen).size).toBeGreaterThan(3);
    expect(seen.at(-1)).toBe('completed:100');
    // Now finished, it makes room: the next create evicts it, and a poll says so.
    expect((await call(mock, 'POST', '/videos', { body: { prompt: 'next', model: 'sora_video2' } })).status).toBe(200);
    const gone = await call(mock, 'GET', `/videos/${created.id}`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('video_evicted');
    await mock.reset();
  });
});

/** A generation of `model` on `route`, or a read, as a fault sees a request. */
const generation = (model: string, route = 'POST /videos'): FaultTarget => {
  const [method, path] = route.split(' ');
  return { method, path, model, generation: true };
};
const read = (route: string): FaultTarget => {
  const [method, path] = route.split(' ');
  return { method, path, generation: false };
};

describe.each(KINDS)('the $name fault registry', (kind) => {
  const withRegistry = async (body: (registry: FaultRegistry) => Promise<void>) => {
    const { registry, close } = kind.faults();
    try {
      await body(registry);
    } finally {
      await registry.reset([]);
      await close();
    }
  };

  it('adds, lists (oldest first), removes one, clears all; ids count from fault_1', () =>
    withRegistry(async (registry) => {
      const a = await registry.add({ scenario: 'server_error', route: 'GET /models' });
      const b = await registry.add({ scenario: 'rate_limited', times: 2, model: 'sora_video2' });
      expect([a.id, b.id]).toEqual(['fault_1', 'fault_2']);
      expect(b.fault).toEqual({ id: 'fault_2', scenario: 'rate_limited', times: 2, model: 'sora_video2', hits: 0, remaining: 2 });
      expect(await registry.list()).toEqual([
        { id: 'fault_1', scenario: 'server_error', route: 'GET /models', hits: 0, remaining: null },
        { id: 'fault_2', scenario: 'rate_limited', times: 2, model: 'sora_video2', hits: 0, remaining: 2 },
      ]);
      expect(await registry.remove('fault_1')).toBe(true);
      expect(await registry.remove('fault_1')).toBe(false);
      expect(await registry.remove('fault_9')).toBe(false);
      expect((await registry.list()).map((f) => f.id)).toEqual(['fault_2']);
      await registry.add({ network: 'reset', bytes: 10 });
      expect(await registry.clear()).toBe(2);
      expect(await registry.clear()).toBe(0);
      expect(await registry.list()).toEqual([]);
      // Malformed: refused naming the field, nothing stored.
      await expect(async () => registry.add({ scenario: 'slow', times: 0 })).rejects.toThrow(/times/);
      expect(await registry.list()).toEqual([]);
    }));

  it('fires the newest match first, counts hits and remaining, and retires a fault after its last time', () =>
    withRegistry(async (registry) => {
      const older = await registry.add({ scenario: 'server_error', times: 1 });
      const newer = await registry.add({ scenario: 'rate_limited', times: 2 });
      const fired = [];
      for (let i = 0; i < 4; i++) fired.push(await registry.fire(generation('sora_video2')));
      expect(fired.map((f) => f && [f.id, f.scenario, f.hits, f.remaining])).toEqual([
        [newer.id, 'rate_limited', 1, 1],
        [newer.id, 'rate_limited', 2, 0],
        [older.id, 'server_error', 1, 0],
        undefined,
      ]);
      expect(await registry.list()).toEqual([]);
      expect(await newer.remove()).toBe(false);
      // Without times a fault stays, counting its hits.
      const forever = await registry.add({ scenario: 'slow' });
      for (let i = 0; i < 3; i++) await registry.fire(generation('sora_video2'));
      expect(await registry.list()).toEqual([{ ...forever.fault, hits: 3, remaining: null }]);
    }));

  it('matches the model, the route (":id" segments, HEAD as GET, a bare path for every method), reads only with the scenarios that answer first, and network faults apart', () =>
    withRegistry(async (registry) => {
      const byModel = await registry.add({ scenario: 'moderation_blocked', model: 'sora_video2-hd' });
      expect(await registry.fire(generation('sora_video2'))).toBeUndefined();
      expect((await registry.fire(generation('sora_video2-hd')))?.id).toBe(byModel.id);
      // A read has no model: a fault with one never fires there.
      expect(await registry.fire(read('GET /videos'))).toBeUndefined();
      await registry.clear();

      const byRoute = await registry.add({ scenario: 'server_error', route: 'GET /videos/:id' });
      expect(await registry.fire(read('GET /videos'))).toBeUndefined();
      expect(await registry.fire(read('GET /videos/video_1/content'))).toBeUndefined();
      expect((await registry.fire(read('GET /videos/video_1')))?.id).toBe(byRoute.id);
      expect((await registry.fire(read('HEAD /videos/video_2')))?.id).toBe(byRoute.id);
      expect(await registry.fire(read('DELETE /videos/video_2'))).toBeUndefined();
      await registry.clear();

      const everyMethod = await registry.add({ scenario: 'rate_limited', route: '/videos' });
      expect((await registry.fire(read('GET /videos')))?.id).toBe(everyMethod.id);
      expect((await registry.fire(generation('sora_video2')))?.id).toBe(everyMethod.id);
      await registry.clear();

      // A slow fault waits for a generation: a read neither fires it nor spends it.
      const slow = await registry.add({ scenario: 'slow', times: 1 });
      expect(await registry.fire(read('GET /videos/video_1'))).toBeUndefined();
      expect((await registry.list())[0]).toMatchObject({ hits: 0, remaining: 1 });
      expect((await registry.fire(generation('sora_video2', 'POST /videos/video_1/remix')))?.id).toBe(slow.id);

      // Network faults match only when asked for (after the answer), scenario faults never then.
      const network = await registry.add({ network: 'latency', ms: 5, route: 'GET /models' });
      const scenario = await registry.add({ scenario: 'server_error', route: 'GET /models' });
      expect((await registry.fire(read('GET /models')))?.id).toBe(scenario.id);
      expect(await registry.fire({ ...read('GET /models'), network: true })).toMatchObject({ id: network.id, network: 'latency', ms: 5, hits: 1 });
    }));

  it('install puts the configured faults in force; reset removes every fault, restarts the ids and puts them back; an old handle cannot remove a new fault', () =>
    withRegistry(async (registry) => {
      const configured = [{ scenario: 'server_error' as const, times: 1, route: 'POST /videos' }];
      await registry.install(configured);
      expect(await registry.list()).toEqual([{ id: 'fault_1', ...configured[0], hits: 0, remaining: 1 }]);
      const old = await registry.add({ scenario: 'rate_limited' });
      expect(old.id).toBe('fault_2');
      expect((await registry.fire(generation('sora_video2')))?.id).toBe('fault_2');
      await registry.reset(configured);
      expect(await registry.list()).toEqual([{ id: 'fault_1', ...configured[0], hits: 0, remaining: 1 }]);
      const fresh = await registry.add({ scenario: 'slow' });
      expect(fresh.id).toBe(old.id);
      expect(await old.remove()).toBe(false);
      expect((await registry.list()).map((f) => f.id)).toEqual(['fault_1', 'fault_2']);
      expect(await fresh.remove()).toBe(true);
    }));

  it('through the API: mock.faults and /__sora/faults steer requests; the journal names the fault; reset() puts the configured ones back', async () => {
    const mock = kind.mock({ instant: true, admin: true, faults: [{ scenario: 'server_error', times: 1, route: 'GET /models' }] });
    const admin = (method: string, path = '', body?: unknown) =>
      mock.fetch(new Request(`${ORIGIN}/__sora/faults${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }));
    try {
      expect((await expectEnvelope(await call(mock, 'GET', '/models'), 500)).type).toBe('server_error');
      expect((await call(mock, 'GET', '/models')).status).toBe(200);
      const handle = await mock.faults.add({ scenario: 'rate_limited', times: 1, route: 'POST /videos' });
      expect(await (await admin('GET')).json()).toEqual({ object: 'list', data: [{ object: 'fault', ...handle.fault }] });
      expect((await call(mock, 'POST', '/videos', { body: { prompt: 'a fox', model: 'sora_video2' } })).status).toBe(429);
      expect(mock.requests().at(-1)?.fault).toEqual({ id: handle.id, scenario: 'rate_limited' });
      expect(await mock.faults.list()).toEqual([]);
      const added = (await (await admin('POST', '', { scenario: 'server_error', route: 'GET /videos' })).json()) as { id: string };
      expect((await call(mock, 'GET', '/videos')).status).toBe(500);
      expect(await (await admin('DELETE', `/${added.id}`)).json()).toEqual({ object: 'fault', id: added.id, deleted: true });
      expect((await expectEnvelope(await admin('DELETE', `/${added.id}`), 404)).code).toBe('fault_not_found');
      await mock.faults.add({ network: 'latency', ms: 1, route: 'GET /models' });
      await call(mock, 'GET', '/models');
      expect(mock.requests().at(-1)?.network).toMatchObject({ kind: 'latency', fault: expect.stringMatching(/^fault_/) });
      await mock.faults.add({ scenario: 'slow' });
      expect(await (await admin('DELETE')).json()).toEqual({ object: 'list', deleted: 2 });
      expect(await mock.faults.clear()).toBe(0);
      await mock.reset();
      expect(await mock.faults.list()).toEqual([expect.objectContaining({ id: 'fault_1', scenario: 'server_error', remaining: 1 })]);
    } finally {
      await mock.reset();
    }
  });
});

describe('the memory store', () => {
  it('walks only the page: a page of 100,000 jobs reads no more jobs than it shows', () => {
    const store = new MemoryJobStore({ maxJobs: 200_000, retentionSeconds: 3600, seed: 's' });
    for (let i = 0; i < 100_000; i++) store.add(job(`video_${i}`, i % 2 ? 'a' : 'b', 0, 0), 0);
    // A getter on every job counts what the page touches.
    let reads = 0;
    for (const j of store.all()) {
      const owner = j.owner;
      Object.defineProperty(j, 'owner', { get: () => (reads++, owner) });
    }
    const page = store.page('a', { order: 'desc', after: 'video_50001', limit: 20 });
    expect(page?.jobs.map((j) => j.id)).toEqual(Array.from({ length: 20 }, (_, k) => `video_${49999 - 2 * k}`));
    expect(page?.hasMore).toBe(true);
    expect(reads).toBeLessThanOrEqual(2);
  });

  it('newest() and counts() look only at what they answer: among 100,000 jobs, the newest 100 are a walk of 100 links that reads no job, and a count reads only the jobs still rendering', () => {
    const store = new MemoryJobStore({ maxJobs: 200_000, retentionSeconds: 3600, seed: 's' });
    for (let i = 0; i < 100_000; i++) store.add(job(`video_${i}`, i % 2 ? 'a' : 'b', i, i < 99_990 ? 0 : 60_000), i);
    const now = 100_000;
    // The first count finds the finished ones; it is the only one that reads them.
    expect(store.counts(now)).toEqual({ total: 100_000, queued: 10, in_progress: 0, completed: 99_990, failed: 0 });
    let reads = 0;
    for (const j of store.all()) {
      const created = j.createdAtMs;
      Object.defineProperty(j, 'createdAtMs', { get: () => (reads++, created) });
    }
    expect(store.counts(now + 1000, 'a')).toEqual({ total: 50_000, queued: 5, in_progress: 0, completed: 49_995, failed: 0 });
    // Each rendering job is read a few times (its finish time, its state), the finished ones never.
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThanOrEqual(10 * 4);
    reads = 0;
    const newest = store.newest(100);
    expect(newest.map((j) => j.id)).toEqual(Array.from({ length: 100 }, (_, k) => `video_${99_999 - k}`));
    expect(store.newest(3, 'b').map((j) => j.id)).toEqual(['video_99998', 'video_99996', 'video_99994']);
    expect(reads).toBe(0);
  });
  it('is made once when the job is finished, never while it renders, and forgotten with the job', () => {
    const store = new MemoryJobStore({ maxJobs: 10, retentionSeconds: 3600, seed: 's' });
    const a = job('video_a', 'a', 0, 1000);
    store.add(a, 0);
    let made = 0;
    const make = () => `text ${++made}`;
    expect(store.finishedText(a, 500, make)).toBeUndefined();
    expect(made).toBe(0);
    expect(store.finishedText(a, 1000, make)).toBe('text 1');
    expect(store.finishedText(a, 5000, make)).toBe('text 1');
    expect(made).toBe(1);
    // Deleted, then a job under the same id: its own text.
    store.delete('video_a');
    const again = job('video_a', 'a', 0, 0);
    store.add(again, 0);
    expect(store.finishedText(again, 0, make)).toBe('text 2');
    store.clear();
    store.add(again, 0);
    expect(store.finishedText(again, 0, make)).toBe('text 3');
  });

  it('is kept for the last FINISHED_TEXTS_KEPT jobs asked, so memory stays bounded', () => {
    const store = new MemoryJobStore({ maxJobs: FINISHED_TEXTS_KEPT + 10, retentionSeconds: 3600, seed: 's' });
    const jobs = Array.from({ length: FINISHED_TEXTS_KEPT + 1 }, (_, i) => job(`video_${i}`, 'a', 0, 0));
    for (const j of jobs) store.add(j, 0);
    let made = 0;
    for (const j of jobs) store.finishedText(j, 0, () => `t${made++}`);
    expect(made).toBe(FINISHED_TEXTS_KEPT + 1);
    // The newest is kept, the oldest was let go (and is made again when asked).
    store.finishedText(jobs.at(-1) as VideoJob, 0, () => `t${made++}`);
    expect(made).toBe(FINISHED_TEXTS_KEPT + 1);
    store.finishedText(jobs[0], 0, () => `t${made++}`);
    expect(made).toBe(FINISHED_TEXTS_KEPT + 2);
  });
});
