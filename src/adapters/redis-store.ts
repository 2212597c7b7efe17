/**
 * The job store of src/mock/jobs.ts in Redis (or Valkey: the same protocol), through node-redis, so
 * replicas of `sora-kit serve` behind a load balancer share jobs, deletions, licence scoping, the cap
 * and its evictions, and (redis-faults.ts, on the same connection) the run-time faults. `createJobStore` is where a `--store` value becomes a store.
 *
 * Every change is one Lua script, so it is atomic: two replicas creating at the cap never both evict
 * the same job nor both pass the cap. Every read is one command or one script. Statuses are counted
 * without reading jobs: each job is a member of sorted sets scored by the instants its status turns
 * (timeline.ts statusTurns), so a count is a few ZCOUNTs at `now`.
 *
 * Keys (all under the prefix, `sora-kit:` by default):
 *   jobs                 hash  id -> the job as JSON
 *   ids, seq             the counters of video ids and of creation order
 *   all:seq, o:<licence>:seq          zsets of ids by creation order (every job; one licence's)
 *   all|o:<licence> :done :fail :queued  zsets by the instant the job completes / fails / stops being queued
 *   finish, expire       zsets by when each job stops rendering / when its retention ends (eviction)
 *   owners               set of the licences holding jobs (for clear)
 *   gone, gone:order, gone:n   evicted ids (why, when), oldest first, bounded
 *   faults, faults:*     the run-time faults (redis-faults.ts)
 *
 * When Redis does not answer (down, restarting, a command past its timeout), a request that needs the
 * store is answered 503 with the envelope and `Retry-After` (HttpError below), nothing is queued while
 * it is away, and the client reconnects by itself: service resumes when Redis is back (specs/mock.md).
 *
 * `redis` is an optional dependency, loaded only when a Redis store is made: the mock, msw and the
 * memory store never need it.
 */
import { createHash } from 'node:crypto';
import type { RedisClientType } from 'redis';
import { HttpError } from '../mock/http.js';
import { idOf } from '../mock/ids.js';
import { GONE_MEMORY_FACTOR, type GoneJob, type JobPage, type JobStore, type JobStoreSettings, type PageQuery, type StoreHealth } from '../mock/jobs.js';
import { MemoryJobStore } from '../mock/memory-store.js';
import { RedisFaultRegistry, type RedisReply as Reply } from './redis-faults.js';
import { expiresAtMs, finishedAtMs, statusTurns } from '../mock/timeline.js';
import type { JobCounts, MockClock, VideoJob } from '../mock/types.js';

export interface RedisJobStoreOptions extends JobStoreSettings {
  /** `redis://[user:password@]host:port/db` (`rediss://` for TLS). */
  url: string;
  /** How long a command may take before the request that needs it is answered 503; default 2000 ms. */
  commandTimeoutMs?: number;
  /** This process's own clock, which the shared clock corrects (a test skews it); default Date.now. */
  localClock?: MockClock;
  /** Prefix of every key; default `sora-kit:`. */
  prefix?: string;
}

/** Seconds a client is asked to wait (`Retry-After`) while the store does not answer. */
export const STORE_RETRY_AFTER_SECONDS = 1;
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
/** How often the offset to Redis's clock is measured again. */
const CLOCK_SYNC_MS = 10_000;

/** A `--store` value's meaning: the memory store, or Redis at a URL (refused with a message otherwise). */
export function parseStoreUrl(value: string): { kind: 'memory' } | { kind: 'redis'; url: string; shown: string } {
  if (value === 'memory') return { kind: 'memory' };
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname || !/^(\/\d{0,5})?$/.test(url.pathname)) {
    throw new TypeError(`store '${value.slice(0, 120)}' is not 'memory' or a Redis URL such as redis://127.0.0.1:6379/0 (rediss:// for TLS).`);
  }
  // Shown in /__sora/health and the banner: never the password.
  return { kind: 'redis', url: value, shown: `${url.protocol}//${url.host}${url.pathname === '' ? '' : url.pathname}` };
}

/** The store a `--store` value names, made with the mock's limits and seed: the factory of the jobs modules. */
export function createJobStore(store: string, settings: JobStoreSettings): JobStore {
  const parsed = parseStoreUrl(store);
  return parsed.kind === 'memory' ? new MemoryJobStore(settings) : new RedisJobStore({ ...settings, url: parsed.url });
}

/** A score as Redis reads it (IEEE infinities included), and back. */
const score = (n: number): string => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n));
const fromScore = (s: string): number => (/^\+?inf$/i.test(s) ? Infinity : /^-inf$/i.test(s) ? -Infinity : Number(s));

/** A job as the hash holds it: JSON, with an endless render (`stall`) written as null. */
const encodeJob = (job: VideoJob): string => JSON.stringify({ ...job, renderMs: Number.isFinite(job.renderMs) ? job.renderMs : null });
function decodeJob(text: string): VideoJob {
  const job = JSON.parse(text) as VideoJob & { renderMs: number | null };
  return { ...job, renderMs: job.renderMs ?? Infinity };
}
function decodeGone(text: string): GoneJob {
  const gone = JSON.parse(text) as GoneJob & { expiresAtMs: number | null };
  return { ...gone, expiresAtMs: gone.expiresAtMs ?? Infinity };
}

/** Lua shared by the scripts: ARGV[1] is the key prefix. */
const LUA_COMMON = `
local P = ARGV[1]
local SETS = { ':seq', ':done', ':fail', ':queued' }
local function scopes(owner) return { P .. 'all', P .. 'o:' .. owner } end
local function unlink(id)
  local text = redis.call('HGET', P .. 'jobs', id)
  if not text then return nil end
  local owner = cjson.decode(text).owner
  redis.call('HDEL', P .. 'jobs', id)
  for _, s in ipairs(scopes(owner)) do
    for _, set in ipairs(SETS) do redis.call('ZREM', s .. set, id) end
  end
  redis.call('ZREM', P .. 'finish', id)
  redis.call('ZREM', P .. 'expire', id)
  if redis.call('ZCARD', P .. 'o:' .. owner .. ':seq') == 0 then redis.call('SREM', P .. 'owners', owner) end
  return text
end
`;

const SCRIPTS = {
  /** ARGV: prefix, id, owner, json, now, maxJobs, finish, expire, finishedFrom, queuedUntil, failed ('1'). 1 stored, 0 refused. */
  add: `${LUA_COMMON}
local id, owner, now, max = ARGV[2], ARGV[3], ARGV[5], tonumber(ARGV[6])
-- The oldest (by creation) of some ids.
local function oldest(ids)
  local best, bestSeq
  for _, candidate in ipairs(ids) do
    local seq = tonumber(redis.call('ZSCORE', P .. 'all:seq', candidate))
    if not bestSeq or seq < bestSeq then best, bestSeq = candidate, seq end
  end
  return best
end
local function evict(victim, reason)
  local expire = redis.call('ZSCORE', P .. 'expire', victim)
  local text = unlink(victim)
  local gone = '{"id":' .. cjson.encode(victim) .. ',"owner":' .. cjson.encode(cjson.decode(text).owner) .. ',"reason":"' .. reason ..
    '","expiresAtMs":' .. ((expire == 'inf' or expire == '+inf') and 'null' or expire) .. ',"evictedAtMs":' .. now .. '}'
  redis.call('HSET', P .. 'gone', victim, gone)
  redis.call('ZADD', P .. 'gone:order', redis.call('INCR', P .. 'gone:n'), victim)
  if redis.call('ZCARD', P .. 'gone:order') > max * ${GONE_MEMORY_FACTOR} then
    local first = redis.call('ZRANGE', P .. 'gone:order', 0, 0)[1]
    redis.call('ZREM', P .. 'gone:order', first)
    redis.call('HDEL', P .. 'gone', first)
  end
end
-- Ids are unique per store (clear restarts them with the jobs); a repeated one replaces the job.
unlink(id)
while redis.call('HLEN', P .. 'jobs') >= max do
  local victim, reason = oldest(redis.call('ZRANGEBYSCORE', P .. 'expire', '-inf', now)), 'expired'
  if not victim then victim, reason = oldest(redis.call('ZRANGEBYSCORE', P .. 'finish', '-inf', now)), 'evicted' end
  if not victim then return 0 end
  evict(victim, reason)
end
local seq = redis.call('INCR', P .. 'seq')
for _, s in ipairs(scopes(owner)) do
  redis.call('ZADD', s .. ':seq', seq, id)
  redis.call('ZADD', s .. (ARGV[11] == '1' and ':fail' or ':done'), ARGV[9], id)
  if ARGV[10] ~= '-inf' then redis.call('ZADD', s .. ':queued', ARGV[10], id) end
end
redis.call('ZADD', P .. 'finish', ARGV[7], id)
redis.call('ZADD', P .. 'expire', ARGV[8], id)
redis.call('HSET', P .. 'jobs', id, ARGV[4])
redis.call('SADD', P .. 'owners', owner)
redis.call('HDEL', P .. 'gone', id)
redis.call('ZREM', P .. 'gone:order', id)
return 1`,
  /** ARGV: prefix, id, scoped ('1'), owner. The job's JSON, or nil. */
  delete: `${LUA_COMMON}
local text = redis.call('HGET', P .. 'jobs', ARGV[2])
if not text then return false end
if ARGV[3] == '1' and cjson.decode(text).owner ~= ARGV[4] then return false end
unlink(ARGV[2])
return text`,
  /** ARGV: prefix, owner, order, has cursor ('1'), cursor, limit. { more (0/1), json... }, or nil for an unknown cursor. */
  page: `
local P = ARGV[1]
local key, desc, limit = P .. 'o:' .. ARGV[2] .. ':seq', ARGV[3] == 'desc', tonumber(ARGV[6])
local ids
if ARGV[4] == '1' then
  local at = redis.call('ZSCORE', key, ARGV[5])
  if not at then return false end
  if desc then ids = redis.call('ZREVRANGEBYSCORE', key, '(' .. at, '-inf', 'LIMIT', 0, limit + 1)
  else ids = redis.call('ZRANGEBYSCORE', key, '(' .. at, '+inf', 'LIMIT', 0, limit + 1) end
elseif desc then ids = redis.call('ZREVRANGE', key, 0, limit)
else ids = redis.call('ZRANGE', key, 0, limit) end
local out = { #ids > limit and 1 or 0 }
for i = 1, math.min(#ids, limit) do out[#out + 1] = redis.call('HGET', P .. 'jobs', ids[i]) end
return out`,
  /** ARGV: prefix, scoped ('1'), owner, last index (-1: all), newest first ('1'). The jobs' JSON. */
  list: `
local P = ARGV[1]
local key = ARGV[2] == '1' and (P .. 'o:' .. ARGV[3] .. ':seq') or (P .. 'all:seq')
local ids = redis.call(ARGV[5] == '1' and 'ZREVRANGE' or 'ZRANGE', key, 0, tonumber(ARGV[4]))
local out = {}
for i, id in ipairs(ids) do out[i] = redis.call('HGET', P .. 'jobs', id) end
return out`,
  /** ARGV: prefix, scoped ('1'), owner, now. { total, completed, failed, queued }. */
  counts: `
local P = ARGV[1]
local s = ARGV[2] == '1' and (P .. 'o:' .. ARGV[3]) or (P .. 'all')
return { redis.call('ZCARD', s .. ':seq'), redis.call('ZCOUNT', s .. ':done', '-inf', ARGV[4]),
  redis.call('ZCOUNT', s .. ':fail', '-inf', ARGV[4]), redis.call('ZCOUNT', s .. ':queued', '(' .. ARGV[4], '+inf') }`,
  /** ARGV: prefix. */
  clear: `${LUA_COMMON}
for _, owner in ipairs(redis.call('SMEMBERS', P .. 'owners')) do
  for _, set in ipairs(SETS) do redis.call('DEL', P .. 'o:' .. owner .. set) end
end
for _, set in ipairs(SETS) do redis.call('DEL', P .. 'all' .. set) end
redis.call('DEL', P .. 'owners', P .. 'jobs', P .. 'finish', P .. 'expire', P .. 'seq', P .. 'ids', P .. 'gone', P .. 'gone:order', P .. 'gone:n')
return 1`,
} as const;

type ScriptName = keyof typeof SCRIPTS;
/** Each script's SHA-1 (what EVALSHA names it by), computed once per text. */
const SHAS = new Map<string, string>();
const shaOf = (text: string): string => {
  let sha = SHAS.get(text);
  if (!sha) SHAS.set(text, (sha = createHash('sha1').update(text).digest('hex')));
  return sha;
};


export class RedisJobStore implements JobStore {
  readonly kind = 'redis';
  readonly maxJobs: number;
  /** The mock's clock: this process's, corrected by its measured offset to Redis's (so replicas agree). */
  readonly clock: MockClock;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly localClock: MockClock;
  private readonly shown: string;
  private offsetMs = 0;
  private readonly client: Promise<RedisClientType>;
  private syncTimer: ReturnType<typeof setInterval> | undefined;
  private closed = false;
  /** node-redis's ErrorReply (an error Redis answered, i.e. a bug here), once the module is loaded. */
  private errorReply: (new (...args: never[]) => Error) | undefined;

  constructor(private readonly options: RedisJobStoreOptions) {
    const parsed = parseStoreUrl(options.url);
    if (parsed.kind !== 'redis') throw new TypeError(`RedisJobStore needs a redis:// URL, got '${options.url.slice(0, 120)}'.`);
    this.shown = parsed.shown;
    this.maxJobs = options.maxJobs;
    this.prefix = options.prefix ?? 'sora-kit:';
    this.timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.localClock = options.localClock ?? { now: () => Date.now() };
    this.clock = { now: () => this.localClock.now() + this.offsetMs };
    this.client = this.open();
    // The first failure is answered per request (503); nothing here may reject unheard.
    this.client.catch(() => undefined);
  }

  private async open(): Promise<RedisClientType> {
    let redis: typeof import('redis');
    try {
      redis = await import('redis');
    } catch {
      throw new Error("the Redis store needs the optional dependency 'redis' (npm install redis)");
    }
    if (this.closed) throw new Error('the store was closed');
    this.errorReply = redis.ErrorReply as unknown as new (...args: never[]) => Error;
    const client = redis.createClient({
      url: this.options.url,
      // Nothing waits for a Redis that is away: the request is answered 503 at once.
      disableOfflineQueue: true,
      socket: { connectTimeout: this.timeoutMs, reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 1000) },
    }) as RedisClientType;
    // node-redis reports connection trouble as 'error' events; unheard, one would end the process.
    client.on('error', () => undefined);
    client.on('ready', () => void this.syncClock());
    this.syncTimer = setInterval(() => void this.syncClock(), CLOCK_SYNC_MS);
    this.syncTimer.unref();
    // The first commands wait for the first connection, up to a command's timeout (then 503s until it
    // is up); later ones never wait for a reconnection.
    let waited: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      client.connect().then(
        () => undefined,
        () => undefined,
      ),
      new Promise((resolve) => (waited = setTimeout(resolve, this.timeoutMs))),
    ]);
    clearTimeout(waited);
    return client;
  }

  /** Measure this process's offset to Redis's clock (TIME), halfway through the round trip. */
  private async syncClock(): Promise<void> {
    try {
      const client = await this.client;
      const before = this.localClock.now();
      const [seconds, micros] = (await client.sendCommand(['TIME'], { timeout: this.timeoutMs })) as [string, string];
      const after = this.localClock.now();
      this.offsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (before + after) / 2;
    } catch {
      // Measured again at the next tick, or when the connection is ready again.
    }
  }

  /** Redis not answering, as the answer a client gets: 503, the envelope, Retry-After. */
  private unavailable(error: unknown): HttpError {
    return new HttpError(
      503,
      `The job store (Redis at ${this.shown}) does not answer (${(error as Error)?.message ?? String(error)}); retry in a moment.`,
      { type: 'server_error', param: null, code: 'store_unavailable' },
      { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) },
    );
  }

  private async command(args: string[]): Promise<Reply> {
    let client: RedisClientType;
    try {
      client = await this.client;
    } catch (error) {
      throw this.unavailable(error);
    }
    try {
      return (await client.sendCommand(args, { timeout: this.timeoutMs })) as Reply;
    } catch (error) {
      // An error Redis answered is a bug in a script or command here: the mock's 500, not a 503.
      if (this.errorReply && error instanceof this.errorReply) throw error;
      throw this.unavailable(error);
    }
  }

  /** A Lua script (its ARGV: `args`), by its SHA-1, sent whole only when Redis does not know it. */
  private async evalScript(text: string, args: string[]): Promise<Reply> {
    try {
      return await this.command(['EVALSHA', shaOf(text), '0', ...args]);
    } catch (error) {
      // A Redis that restarted has forgotten the scripts: send the text once, it keeps it again.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return this.command(['EVAL', text, '0', ...args]);
    }
  }

  private script(name: ScriptName, args: string[]): Promise<Reply> {
    return this.evalScript(SCRIPTS[name], [this.prefix, ...args]);
  }

  /** The run-time faults live next to the jobs, under the same prefix, on the same connection (redis-faults.ts). */
  sharedFaults(changed: () => void): RedisFaultRegistry {
    return new RedisFaultRegistry({ script: (text, args) => this.evalScript(text, args) }, this.prefix, changed);
  }

  private key(name: string): string {
    return `${this.prefix}${name}`;
  }

  async nextId(): Promise<string> {
    return idOf(this.options.seed, 'video_', Number(await this.command(['INCR', this.key('ids')])));
  }

  async add(job: VideoJob, now: number): Promise<boolean> {
    const turns = statusTurns(job);
    const stored = await this.script('add', [
      job.id,
      job.owner,
      encodeJob(job),
      score(now),
      String(this.maxJobs),
      score(finishedAtMs(job)),
      score(expiresAtMs(job, this.options.retentionSeconds)),
      score(turns.finishedFrom),
      score(turns.queuedUntil),
      job.failAt === undefined ? '0' : '1',
    ]);
    return stored === 1;
  }

  async get(id: string, owner?: string): Promise<VideoJob | undefined> {
    const text = await this.command(['HGET', this.key('jobs'), id]);
    const job = typeof text === 'string' ? decodeJob(text) : undefined;
    return job && (owner === undefined || job.owner === owner) ? job : undefined;
  }

  async delete(id: string, owner?: string): Promise<VideoJob | undefined> {
    const text = await this.script('delete', [id, owner === undefined ? '0' : '1', owner ?? '']);
    return typeof text === 'string' ? decodeJob(text) : undefined;
  }

  async page(owner: string, { order = 'asc', after, limit }: PageQuery): Promise<JobPage | undefined> {
    const reply = await this.script('page', [owner, order, after === undefined ? '0' : '1', after ?? '', String(limit)]);
    if (!Array.isArray(reply)) return undefined;
    const [more, ...texts] = reply;
    return { jobs: (texts as string[]).map(decodeJob), hasMore: more === 1 };
  }

  private async list(owner: string | undefined, last: number, newestFirst: boolean): Promise<VideoJob[]> {
    const reply = await this.script('list', [owner === undefined ? '0' : '1', owner ?? '', String(last), newestFirst ? '1' : '0']);
    return (reply as string[]).map(decodeJob);
  }

  async newest(limit: number, owner?: string): Promise<VideoJob[]> {
    return limit <= 0 ? [] : this.list(owner, limit - 1, true);
  }

  all(owner?: string): Promise<VideoJob[]> {
    return this.list(owner, -1, false);
  }

  async counts(now: number, owner?: string): Promise<JobCounts> {
    const [total, completed, failed, queued] = (await this.script('counts', [owner === undefined ? '0' : '1', owner ?? '', score(now)])) as number[];
    return { total, queued, in_progress: total - queued - completed - failed, completed, failed };
  }

  async goneJob(id: string, owner?: string): Promise<GoneJob | undefined> {
    const text = await this.command(['HGET', this.key('gone'), id]);
    const gone = typeof text === 'string' ? decodeGone(text) : undefined;
    return gone && (owner === undefined || gone.owner === owner) ? gone : undefined;
  }

  async nextFinishInMs(now: number): Promise<number> {
    const reply = (await this.command(['ZRANGE', this.key('finish'), '0', '0', 'WITHSCORES'])) as string[];
    return reply.length < 2 ? Infinity : Math.max(0, fromScore(reply[1]) - now);
  }

  async size(): Promise<number> {
    return Number(await this.command(['HLEN', this.key('jobs')]));
  }

  async clear(): Promise<void> {
    await this.script('clear', []);
  }

  /** Not kept here: another replica may delete the job, or a reset reuse its id, behind this one's back. */
  finishedText(): undefined {
    return undefined;
  }

  async health(): Promise<StoreHealth> {
    try {
      return { store: 'redis', url: this.shown, ok: true, jobs: await this.size() };
    } catch {
      return { store: 'redis', url: this.shown, ok: false, jobs: null };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.syncTimer);
    const client = await this.client.catch(() => undefined);
    // destroy, not close: close waits for replies that a Redis which is away never sends.
    if (client?.isOpen) client.destroy();
  }
}
