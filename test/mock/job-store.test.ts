/**
 * JobStore's O(page) list against the obvious O(jobs) one it replaced: for any sequence of creates,
 * deletes and evictions by several licences, every page (either order, any cursor, any limit) is the
 * slice of the owner's jobs in creation order, and has_more says whether the slice stopped short.
 * Likewise the inspector's reads: the newest jobs and the count by status, against slicing and
 * counting every job. Plus the shared facts a lean job must keep: its media paths, and `mock.jobMedia()`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FINISHED_TEXTS_KEPT, JobStore, type PageQuery } from '../../src/mock/jobs.js';
import { jobState } from '../../src/mock/timeline.js';
import type { VideoJob } from '../../src/mock/types.js';
import { resolveVideoRequest } from '../../src/spec/rules.js';
import { parseModelName } from '../../src/spec/model.js';
import { VideoListResource, VideoResource } from '../../src/spec/schemas/index.js';
import { call, manualMock } from './helpers.js';

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

describe('JobStore against the obvious O(jobs) reads it replaced', () => {
  it('pages, the newest jobs and the counts by status answer what slicing and counting every job answered, through creates, deletes, evictions, a clock that goes both ways and clear()', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 100 }), fc.integer({ min: 1, max: 12 }), (ops, maxJobs) => {
        const store = new JobStore({ maxJobs, retentionSeconds: 2 });
        let now = 1_000_000;
        let n = 0;
        const everId: string[] = [];
        for (const o of ops) {
          if (o.kind === 'add') {
            const id = `video_${++n}`;
            everId.push(id);
            store.add(job(id, OWNERS[o.owner], now + o.bornIn, o.renderMs, o.failAt ?? undefined), now);
          } else if (o.kind === 'delete') {
            const span = o.recent ? Math.min(3, everId.length) : everId.length;
            if (everId.length > 0) store.delete(everId[everId.length - 1 - (o.pick % span)], o.asOwner === null ? undefined : OWNERS[o.asOwner]);
          } else if (o.kind === 'clock') {
            now += o.by;
          } else if (o.kind === 'clear') {
            store.clear();
          } else if (o.kind === 'page') {
            const owner = OWNERS[o.owner];
            // Cursors: ids stored, deleted, evicted or another owner's, all of which must behave as before.
            const after = o.cursor === null || everId.length === 0 ? undefined : everId[o.cursor % everId.length];
            const query: PageQuery = { order: o.order, after, limit: o.limit };
            const got = store.page(owner, query);
            const want = naivePage(store.all(), owner, query);
            expect(got && { ids: got.jobs.map((j) => j.id), hasMore: got.hasMore }).toEqual(want);
            expect(store.all(owner).map((j) => j.id)).toEqual(store.all().filter((j) => j.owner === owner).map((j) => j.id));
          } else {
            const owner = o.owner === null ? undefined : OWNERS[o.owner];
            expect(store.counts(now, owner)).toEqual(naiveCounts(store.all(), now, owner));
            expect(store.newest(o.limit, owner).map((j) => j.id)).toEqual(store.all(owner).reverse().slice(0, o.limit).map((j) => j.id));
          }
          expect(store.size).toBeLessThanOrEqual(maxJobs);
        }
        // And a last count of every owner and of all, whatever the sequence ended on.
        for (const owner of [undefined, ...OWNERS]) expect(store.counts(now, owner)).toEqual(naiveCounts(store.all(), now, owner));
      }),
      { numRuns: 500 },
    );
  });

  it('walks only the page: a page of 100,000 jobs reads no more jobs than it shows', () => {
    const store = new JobStore({ maxJobs: 200_000, retentionSeconds: 3600 });
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

  it('newest() keeps every job in order when jobs go in any order (each delete relinks its neighbours)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((count) => fc.tuple(fc.constant(count), fc.shuffledSubarray([...Array(count).keys()]), fc.array(fc.nat(1), { minLength: count, maxLength: count }))),
        ([count, deletions, owners]) => {
          const store = new JobStore({ maxJobs: 100, retentionSeconds: 60 });
          for (let i = 0; i < count; i++) store.add(job(`video_${i}`, OWNERS[owners[i]], 0, 0), 0);
          for (const i of deletions) {
            store.delete(`video_${i}`);
            for (const owner of [undefined, OWNERS[0], OWNERS[1]]) {
              expect(store.newest(count, owner).map((j) => j.id)).toEqual(store.all(owner).reverse().map((j) => j.id));
            }
          }
          // A job added after the deletions links behind the newest one left.
          store.add(job('video_last', OWNERS[0], 0, 0), 0);
          expect(store.newest(count + 1).map((j) => j.id)).toEqual(store.all().reverse().map((j) => j.id));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('newest() and counts() look only at what they answer: among 100,000 jobs, the newest 100 are a walk of 100 links that reads no job, and a count reads only the jobs still rendering', () => {
    const store = new JobStore({ maxJobs: 200_000, retentionSeconds: 3600 });
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
});

describe('lean jobs', () => {
  it('keep their media links: jobMedia paths are the files links that serve the job content', async () => {
    const mock = manualMock({ instant: true });
    const created = VideoResource.parse(
      await (await call(mock, 'POST', '/videos', { body: { prompt: 'a lighthouse', model: 'sora_video' } })).json(),
    );
    const remix = VideoResource.parse(await (await call(mock, 'POST', `/videos/${created.id}/remix`, { body: { prompt: 'at night' } })).json());
    for (const id of [created.id, remix.id]) {
      const media = mock.jobMedia(id);
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
    expect(mock.jobMedia(remix.id)?.video).not.toBe(mock.jobMedia(created.id)?.video);
    expect(mock.jobMedia('video_unknown')).toBeUndefined();
  });

  it('list pages through the API keep their order, cursors and has_more', async () => {
    const mock = manualMock({ instant: true });
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
    // A deleted cursor is a 404 on `after`, as a never-created one.
    const refused = await call(mock, 'GET', `/videos?after=${ids[3]}`);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('after');
  });
});

describe("a finished job's resource text (what a poll loop reads again and again)", () => {
  it('is made once when the job is finished, never while it renders, and forgotten with the job', () => {
    const store = new JobStore({ maxJobs: 10, retentionSeconds: 3600 });
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
    const store = new JobStore({ maxJobs: FINISHED_TEXTS_KEPT + 10, retentionSeconds: 3600 });
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

  it('through the API: the same bytes as the resource, and after reset() a new job under the same id shows its own prompt', async () => {
    const mock = manualMock({ instant: true, seed: 'finished-text' });
    const first = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'the first fox', model: 'sora_video2' } })).json()) as VideoResource;
    const polled = await (await call(mock, 'GET', `/videos/${first.id}`)).text();
    expect(JSON.parse(polled)).toEqual(first);
    expect(await (await call(mock, 'GET', `/videos/${first.id}`)).text()).toBe(polled);
    mock.reset();
    const second = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'the second owl', model: 'sora_video2' } })).json()) as VideoResource;
    expect(second.id).toBe(first.id);
    expect(((await (await call(mock, 'GET', `/videos/${second.id}`)).json()) as VideoResource).prompt).toBe('the second owl');
  });

  it('a rendering job is polled live: progress moves, and the text is made only once it completes', async () => {
    const mock = manualMock();
    const created = (await (await call(mock, 'POST', '/videos', { body: { prompt: 'a slow heron', model: 'sora_video2' } })).json()) as VideoResource;
    const seen: string[] = [];
    for (let i = 0; i < 8; i++) {
      const v = (await (await call(mock, 'GET', `/videos/${created.id}`)).json()) as VideoResource;
      seen.push(`${v.status}:${v.progress}`);
      mock.advance(500);
    }
    expect(new Set(seen).size).toBeGreaterThan(3);
    expect(seen.at(-1)).toBe('completed:100');
  });
});
