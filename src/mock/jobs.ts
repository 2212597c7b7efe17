/**
 * The video job store's contract: jobs in creation order, scoped by licence, bounded by `maxJobs` with
 * eviction, and the ids of new jobs. Two implementations keep it: memory-store.ts (the default; every
 * method answers synchronously) and the Redis store (src/adapters/redis-store.ts; every method answers a
 * promise), so replicas of `sora-kit serve` share their jobs. What a job's status is at an instant is
 * timeline.ts, computed from the stored times by whoever reads them.
 *
 * Callers handle both answers with `andThen` below, so the memory store's reads stay synchronous (the
 * Node server answers a poll in the turn it arrives). The shared suite test/mock/job-store.test.ts runs
 * against both.
 */
import type { FaultRegistry } from './faults.js';
import type { JobCounts, MockClock, VideoJob } from './types.js';

/** A value now, or a promise of it: what a store method answers (memory: the value; Redis: a promise). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `fn` applied to `value` in this turn when it is a value, after it settles when it is a promise. (Not
 * named `then`: a module exporting `then` is a thenable, and `await import()` of it would call it.)
 */
export function andThen<T, U>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/** Every value of `values`, at once when none is a promise. */
export function allOf<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some((v) => v instanceof Promise) ? Promise.all(values) : (values as T[]);
}

/** What a store is made with: the mock's resolved limits, and the seed its video ids derive from. */
export interface JobStoreSettings {
  maxJobs: number;
  retentionSeconds: number;
  seed: string;
}

/** Which store a mock uses and whether it answers (`/__sora/health`). */
export interface StoreHealth {
  store: 'memory' | 'redis';
  /** Where the store is (Redis: its URL without credentials). */
  url?: string;
  ok: boolean;
  /** How many jobs it holds; null when it does not answer. */
  jobs: number | null;
}

/** Why a job the store no longer holds is gone: its retention had ended, or the cap needed its place before. */
export type GoneReason = 'expired' | 'evicted';

export interface GoneJob {
  id: string;
  owner: string;
  reason: GoneReason;
  /** When its retention ended (expired) or would have (evicted), in mock milliseconds. */
  expiresAtMs: number;
  /** When it was evicted, in mock milliseconds. */
  evictedAtMs: number;
}

/** How many evicted ids the store remembers, as a multiple of its cap (an older one is simply unknown). */
export const GONE_MEMORY_FACTOR = 10;

/** How many finished jobs' resource texts the store keeps (`finishedText`). */
export const FINISHED_TEXTS_KEPT = 1024;

/** What `GET /videos` asks of the store: the order, the cursor (exclusive) and the page size. */
export interface PageQuery {
  order?: 'asc' | 'desc';
  after?: string;
  limit: number;
}

export interface JobPage {
  jobs: VideoJob[];
  /** Whether `owner` has jobs beyond the page (in its order). */
  hasMore: boolean;
}

/**
 * Jobs in creation order; lookups by id. Each job belongs to the licence that created it: given an
 * `owner`, a lookup sees only that licence's jobs (another's is as absent as one never created).
 *
 * Bounded: at most `maxJobs` jobs. To make room for a new one a store evicts, oldest first, jobs whose
 * retention ended (`expires_at` passed), and only if none is left the oldest finished (completed or
 * failed) ones; a job still rendering is never evicted (`add` refuses instead). Evicted ids are
 * remembered (up to GONE_MEMORY_FACTOR x maxJobs), so a client asking for one learns it is gone rather
 * than that it never existed.
 */
export interface JobStore {
  readonly kind: StoreHealth['store'];
  readonly maxJobs: number;
  /**
   * The clock the mock should read when its options name none: a shared store's (so replicas whose
   * own clocks are skewed agree on every job's status, which is derived from the stored `created_at`).
   */
  readonly clock?: MockClock;
  /** The id of a new video job: the seed's sequence, counted by the store (so replicas never repeat one). */
  nextId(): MaybePromise<string>;
  /** Store a job, evicting as above to stay within the cap; false (nothing stored) when every job still renders. */
  add(job: VideoJob, now: number): MaybePromise<boolean>;
  /** The job, if it exists and (when `owner` is given) belongs to `owner`. */
  get(id: string, owner?: string): MaybePromise<VideoJob | undefined>;
  /** Remove and answer the job, as `get` finds it. */
  delete(id: string, owner?: string): MaybePromise<VideoJob | undefined>;
  /**
   * Up to `limit` of `owner`'s jobs, oldest first (`desc`: newest first), starting after the job
   * `after` when given; undefined when `after` is not one of `owner`'s stored jobs. O(limit).
   */
  page(owner: string, query: PageQuery): MaybePromise<JobPage | undefined>;
  /** Up to `limit` jobs, newest first: all of them, or only `owner`'s. */
  newest(limit: number, owner?: string): MaybePromise<VideoJob[]>;
  /** Oldest first: every job, or only `owner`'s. */
  all(owner?: string): MaybePromise<VideoJob[]>;
  /** How many jobs (all, or `owner`'s) are in each status at `now`, without reading every job. */
  counts(now: number, owner?: string): MaybePromise<JobCounts>;
  /** Why a job the store evicted is gone, if it did and (when `owner` is given) the job was `owner`'s. */
  goneJob(id: string, owner?: string): MaybePromise<GoneJob | undefined>;
  /** How long until the soonest rendering job finishes (what a refused create may wait), in mock milliseconds. */
  nextFinishInMs(now: number): MaybePromise<number>;
  size(): MaybePromise<number>;
  /** Forget every job, every evicted id, and restart the ids (the mock's `reset()`). */
  clear(): MaybePromise<void>;
  /**
   * A finished job's resource as JSON text, made by `make` the first time and then kept, or undefined
   * (the caller makes it): once completed or failed a resource never changes, and a client polling it
   * asks for the same bytes again and again.
   */
  finishedText(job: VideoJob, now: number, make: () => string): string | undefined;
  health(): MaybePromise<StoreHealth>;
  /**
   * A shared store keeps the run-time faults too (faults.ts), on its own connection, so every replica
   * fires the same ones; `changed` is told after each change this process makes. Absent: the mock
   * keeps them in its memory.
   */
  sharedFaults?(changed: () => void): FaultRegistry;
  /** Let go of connections (the server's close). */
  close(): MaybePromise<void>;
}
