/**
 * The in-memory job store, the default and the embedded choice: synchronous, so the mock's reads are
 * answered in the same turn (no promise on the hot path). The contract it keeps is jobs.ts.
 */
import { createIdSource, type IdSource } from './ids.js';
import { FINISHED_TEXTS_KEPT, GONE_MEMORY_FACTOR, type GoneJob, type GoneReason, type JobPage, type JobStore, type JobStoreSettings, type PageQuery, type StoreHealth } from './jobs.js';
import { expiresAtMs, finishedAtMs, jobState } from './timeline.js';
import type { JobCounts, VideoJob } from './types.js';

/** A finished job's status: once reached it stays, as long as the clock does not go back. */
type FinishedStatus = 'completed' | 'failed';

/** A stored job, its neighbours among its owner's jobs and among all jobs (creation order). */
interface Entry {
  job: VideoJob;
  prev: Entry | undefined;
  next: Entry | undefined;
  /** The previous job of any owner (the store's newest-first walk). */
  older: Entry | undefined;
  newer: Entry | undefined;
  /** Set once `counts` found the job finished: it is then counted in its owner's `finished`, not looked at again. */
  finished?: FinishedStatus;
}

/** One licence's jobs, oldest first, as a doubly linked list: append, unlink and walk a page in O(1) per job. */
interface OwnerJobs {
  first: Entry | undefined;
  last: Entry | undefined;
  size: number;
  /** How many of them `counts` has seen finished, by status. */
  finished: Record<FinishedStatus, number>;
}

/**
 * The store of jobs.ts in this process's memory. The reads of the API cost O(1) (`get`, `size`) or O(page) (`page`), whatever the number of jobs:
 * `byId` keeps every job in creation order (a Map iterates in insertion order), and each licence's jobs
 * are also linked in creation order, so a page starts at its cursor and walks only as far as it shows.
 * So are the reads of the inspector, which asks on every job event while a page watches: `newest` walks
 * all jobs' own link from the newest (O(limit)), and `counts` looks only at jobs that still rendered
 * when it last counted (a finished job's status never changes again, so it is only counted).
 */
export class MemoryJobStore implements JobStore {
  readonly kind = 'memory';
  /** Video ids: the seed's sequence, restarted by clear() (the mock's reset()). */
  private readonly ids: IdSource;
  private readonly byId = new Map<string, Entry>();
  private readonly owners = new Map<string, OwnerJobs>();
  /** The newest job of any owner; `older` leads from it through every job. */
  private newestEntry: Entry | undefined;
  /** Jobs not seen finished by `counts` (every new job starts here), and the instant it last counted at. */
  private readonly rendering = new Set<Entry>();
  private countedAtMs = -Infinity;
  private readonly gone = new Map<string, GoneJob>();
  /** The JSON text of finished jobs' resources, by id, oldest first (finishedText). */
  private readonly texts = new Map<string, string>();
  /** No stored job expires before this (a lower bound): until then, looking for expired ones is skipped. */
  private nextExpiryMs = Infinity;

  constructor(private readonly limits: JobStoreSettings) {
    this.ids = createIdSource(limits.seed);
  }

  nextId(): string {
    return this.ids.next('video_');
  }

  get maxJobs(): number {
    return this.limits.maxJobs;
  }

  /** Store a job, evicting as above to stay within the cap; false (nothing stored) when every job still renders. */
  add(job: VideoJob, now: number): boolean {
    // Ids are unique per mock (reset clears the store with the counters); a repeated one replaces the job.
    if (this.byId.has(job.id)) this.unlink(job.id);
    while (this.byId.size >= this.limits.maxJobs) {
      const victim = this.victim(now);
      if (!victim) return false;
      this.evict(victim.job, victim.reason, now);
    }
    let list = this.owners.get(job.owner);
    if (!list) this.owners.set(job.owner, (list = { first: undefined, last: undefined, size: 0, finished: { completed: 0, failed: 0 } }));
    const entry: Entry = { job, prev: list.last, next: undefined, older: this.newestEntry, newer: undefined };
    if (list.last) list.last.next = entry;
    else list.first = entry;
    list.last = entry;
    list.size++;
    if (this.newestEntry) this.newestEntry.newer = entry;
    this.newestEntry = entry;
    this.rendering.add(entry);
    this.byId.set(job.id, entry);
    this.gone.delete(job.id);
    this.nextExpiryMs = Math.min(this.nextExpiryMs, expiresAtMs(job, this.limits.retentionSeconds));
    return true;
  }

  /** Take a job out of both orders; its entry, if it was stored. */
  private unlink(id: string): Entry | undefined {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    this.byId.delete(id);
    this.texts.delete(id);
    const list = this.owners.get(entry.job.owner) as OwnerJobs;
    if (entry.prev) entry.prev.next = entry.next;
    else list.first = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else list.last = entry.prev;
    if (entry.older) entry.older.newer = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newestEntry = entry.older;
    entry.prev = entry.next = entry.older = entry.newer = undefined;
    if (entry.finished) list.finished[entry.finished]--;
    else this.rendering.delete(entry);
    if (--list.size === 0) this.owners.delete(entry.job.owner);
    return entry;
  }

  /** Up to `limit` jobs, newest first: all of them, or only `owner`'s. O(limit). */
  newest(limit: number, owner?: string): VideoJob[] {
    const jobs: VideoJob[] = [];
    if (owner === undefined) {
      for (let e = this.newestEntry; e && jobs.length < limit; e = e.older) jobs.push(e.job);
    } else {
      for (let e = this.owners.get(owner)?.last; e && jobs.length < limit; e = e.prev) jobs.push(e.job);
    }
    return jobs;
  }

  /**
   * How many jobs (all, or `owner`'s) are in each status at `now`. O(jobs rendering at the previous
   * count), not O(jobs): a job found finished moves to its owner's counters for good. Should the
   * clock go back (a test's fake timers may), every job is looked at again once.
   */
  counts(now: number, owner?: string): JobCounts {
    if (now < this.countedAtMs) {
      for (const list of this.owners.values()) list.finished = { completed: 0, failed: 0 };
      for (const entry of this.byId.values()) {
        entry.finished = undefined;
        this.rendering.add(entry);
      }
    }
    this.countedAtMs = now;
    const counts: JobCounts = { total: 0, queued: 0, in_progress: 0, completed: 0, failed: 0 };
    for (const entry of this.rendering) {
      const { job } = entry;
      if (finishedAtMs(job) <= now) {
        // From here on its status is fixed (jobState: failed once past failAt, else completed once past renderMs).
        const status = jobState(job, now).status as FinishedStatus;
        entry.finished = status;
        (this.owners.get(job.owner) as OwnerJobs).finished[status]++;
        this.rendering.delete(entry);
      } else if (owner === undefined || job.owner === owner) {
        counts[jobState(job, now).status]++;
      }
    }
    const lists = owner === undefined ? this.owners.values() : [this.owners.get(owner)];
    for (const list of lists) {
      if (!list) continue;
      counts.total += list.size;
      counts.completed += list.finished.completed;
      counts.failed += list.finished.failed;
    }
    return counts;
  }

  /** The next job to evict: the oldest expired one, else the oldest finished one, else none. */
  private victim(now: number): { job: VideoJob; reason: GoneReason } | undefined {
    if (now >= this.nextExpiryMs) {
      let next = Infinity;
      for (const { job } of this.byId.values()) {
        const expires = expiresAtMs(job, this.limits.retentionSeconds);
        if (expires <= now) return { job, reason: 'expired' };
        next = Math.min(next, expires);
      }
      this.nextExpiryMs = next;
    }
    for (const { job } of this.byId.values()) if (finishedAtMs(job) <= now) return { job, reason: 'evicted' };
    return undefined;
  }

  private evict(job: VideoJob, reason: GoneReason, now: number): void {
    this.unlink(job.id);
    this.gone.set(job.id, { id: job.id, owner: job.owner, reason, expiresAtMs: expiresAtMs(job, this.limits.retentionSeconds), evictedAtMs: now });
    if (this.gone.size > this.limits.maxJobs * GONE_MEMORY_FACTOR) {
      const oldest = this.gone.keys().next().value;
      if (oldest !== undefined) this.gone.delete(oldest);
    }
  }

  /** The job, if it exists and (when `owner` is given) belongs to `owner`. */
  get(id: string, owner?: string): VideoJob | undefined {
    const job = this.byId.get(id)?.job;
    return job && (owner === undefined || job.owner === owner) ? job : undefined;
  }

  /**
   * A finished job's resource as JSON text, made by `make` the first time and then kept (for the last
   * FINISHED_TEXTS_KEPT jobs asked): once completed or failed its resource never changes, and a client
   * polling it asks for the same bytes again and again. Undefined while the job renders (its progress moves).
   */
  finishedText(job: VideoJob, now: number, make: () => string): string | undefined {
    if (finishedAtMs(job) > now) return undefined;
    let text = this.texts.get(job.id);
    if (text === undefined) {
      text = make();
      if (this.texts.size >= FINISHED_TEXTS_KEPT) this.texts.delete(this.texts.keys().next().value as string);
      this.texts.set(job.id, text);
    }
    return text;
  }

  /** Why a job this store evicted is gone, if it did and (when `owner` is given) the job was `owner`'s. */
  goneJob(id: string, owner?: string): GoneJob | undefined {
    const gone = this.gone.get(id);
    return gone && (owner === undefined || gone.owner === owner) ? gone : undefined;
  }

  /** How long until the soonest rendering job finishes (what a refused create may wait), in mock milliseconds. */
  nextFinishInMs(now: number): number {
    let soonest = Infinity;
    for (const { job } of this.byId.values()) soonest = Math.min(soonest, finishedAtMs(job));
    return Math.max(0, soonest - now);
  }

  delete(id: string, owner?: string): VideoJob | undefined {
    const job = this.get(id, owner);
    if (job) this.unlink(id);
    return job;
  }

  /**
   * Up to `limit` of `owner`'s jobs, oldest first (`desc`: newest first), starting after the job
   * `after` when given; undefined when `after` is not one of `owner`'s stored jobs. O(limit).
   */
  page(owner: string, { order = 'asc', after, limit }: PageQuery): JobPage | undefined {
    const step = order === 'desc' ? (e: Entry) => e.prev : (e: Entry) => e.next;
    let cursor: Entry | undefined;
    if (after === undefined) {
      const list = this.owners.get(owner);
      cursor = order === 'desc' ? list?.last : list?.first;
    } else {
      const at = this.byId.get(after);
      if (!at || at.job.owner !== owner) return undefined;
      cursor = step(at);
    }
    const jobs: VideoJob[] = [];
    for (; cursor && jobs.length < limit; cursor = step(cursor)) jobs.push(cursor.job);
    return { jobs, hasMore: cursor !== undefined };
  }

  /** Oldest first: every job, or only `owner`'s (O(owner's jobs), not O(all jobs)). */
  all(owner?: string): VideoJob[] {
    const jobs: VideoJob[] = [];
    if (owner === undefined) {
      for (const { job } of this.byId.values()) jobs.push(job);
      return jobs;
    }
    for (let e = this.owners.get(owner)?.first; e; e = e.next) jobs.push(e.job);
    return jobs;
  }

  size(): number {
    return this.byId.size;
  }

  health(): StoreHealth {
    return { store: 'memory', ok: true, jobs: this.byId.size };
  }

  close(): void {}

  clear(): void {
    this.byId.clear();
    this.owners.clear();
    this.rendering.clear();
    this.newestEntry = undefined;
    this.countedAtMs = -Infinity;
    this.gone.clear();
    this.texts.clear();
    this.nextExpiryMs = Infinity;
    this.ids.reset();
  }
}
