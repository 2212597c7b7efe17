/**
 * The run-time faults of src/mock/faults.ts in Redis, on the Redis job store's connection
 * (redis-store.ts), so every replica of `sora-kit serve` fires the same faults: one added through any
 * replica's `/__sora/faults` hits a request that lands on another, and a fault with `times: 1` fires
 * for exactly one request whichever replica gets it.
 *
 * Firing: the faults are listed (one script), matched newest first here (the route patterns are
 * JavaScript's: faults.ts faultMatches), and the first match is spent by a script that counts a time
 * only if the fault is still the one listed (its uid) and has times left, and retires it at its last.
 * A fault another replica spent or removed in between is not spent here: the next match is tried.
 *
 * Keys (under the job store's prefix):
 *   faults               hash  id -> the fault as added (FaultInput, JSON)
 *   faults:uid           hash  id -> a random uid (ids restart at reset; a uid never repeats)
 *   faults:hits, faults:left    hash  id -> requests fired for / firings left (absent: no `times`)
 *   faults:order         zset  ids by creation (oldest first)
 *   faults:n             the id counter
 *   faults:config        the hash of the configured faults last installed (installed once for all replicas)
 */
import { createHash, randomUUID } from 'node:crypto';
import { FaultInput, compileFaultRoute, faultMatches, type Fault, type FaultHandle, type FaultRegistry, type FaultRoute, type FaultTarget } from '../mock/faults.js';

/** A reply as node-redis's sendCommand answers it. */
export type RedisReply = string | number | null | RedisReply[];
type Reply = RedisReply;

/** What the registry needs of the job store's connection: a script run, answered or refused as the store's are (503). */
export interface RedisRunner {
  script(text: string, args: string[]): Promise<Reply>;
}

/** Lua shared by the scripts: ARGV[1] is the key prefix. */
const LUA_COMMON = `
local P = ARGV[1]
local F = P .. 'faults'
local function drop(id)
  redis.call('HDEL', F, id)
  redis.call('HDEL', F .. ':uid', id)
  redis.call('HDEL', F .. ':hits', id)
  redis.call('HDEL', F .. ':left', id)
  redis.call('ZREM', F .. ':order', id)
end
local function add(json, uid, times)
  local n = redis.call('INCR', F .. ':n')
  local id = 'fault_' .. n
  redis.call('HSET', F, id, json)
  redis.call('HSET', F .. ':uid', id, uid)
  redis.call('HSET', F .. ':hits', id, 0)
  if times ~= '' then redis.call('HSET', F .. ':left', id, times) end
  redis.call('ZADD', F .. ':order', n, id)
  return id
end
local function clear()
  local n = redis.call('ZCARD', F .. ':order')
  redis.call('DEL', F, F .. ':uid', F .. ':hits', F .. ':left', F .. ':order')
  return n
end
`;

export const FAULT_SCRIPTS = {
  /** ARGV: prefix, json, uid, times (''). The new id. */
  add: `${LUA_COMMON}
return add(ARGV[2], ARGV[3], ARGV[4])`,
  /** ARGV: prefix. { id, json, uid, hits, left ('' when none) } per fault, oldest first. */
  list: `${LUA_COMMON}
local out = {}
for _, id in ipairs(redis.call('ZRANGE', F .. ':order', 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', F, id)
  out[#out + 1] = redis.call('HGET', F .. ':uid', id)
  out[#out + 1] = redis.call('HGET', F .. ':hits', id)
  out[#out + 1] = redis.call('HGET', F .. ':left', id) or ''
end
return out`,
  /** ARGV: prefix, id, uid. { hits, left (-1: no times) } once counted; nil when it is gone or spent. */
  fire: `${LUA_COMMON}
local id = ARGV[2]
if redis.call('HGET', F .. ':uid', id) ~= ARGV[3] then return false end
local left = redis.call('HGET', F .. ':left', id)
if left and tonumber(left) <= 0 then return false end
local hits = redis.call('HINCRBY', F .. ':hits', id, 1)
if not left then return { hits, -1 } end
left = tonumber(left) - 1
if left == 0 then drop(id) else redis.call('HSET', F .. ':left', id, left) end
return { hits, left }`,
  /** ARGV: prefix, id, uid ('' for any). 1 removed, 0 none. */
  remove: `${LUA_COMMON}
local uid = redis.call('HGET', F .. ':uid', ARGV[2])
if not uid or (ARGV[3] ~= '' and uid ~= ARGV[3]) then return 0 end
drop(ARGV[2])
return 1`,
  /** ARGV: prefix. How many there were. */
  clear: `${LUA_COMMON}
return clear()`,
  /**
   * ARGV: prefix, 'reset' | 'install', the configuration's hash, then json, uid, times per configured
   * fault. reset: every fault removed, the ids restarted, the configured put in. install: the
   * configured put in unless this configuration already was (by any replica). 1 put in, 0 not.
   */
  configure: `${LUA_COMMON}
if ARGV[2] == 'reset' then
  clear()
  redis.call('DEL', F .. ':n')
elseif redis.call('GET', F .. ':config') == ARGV[3] then
  return 0
end
redis.call('SET', F .. ':config', ARGV[3])
for i = 4, #ARGV, 3 do add(ARGV[i], ARGV[i + 1], ARGV[i + 2]) end
return 1`,
} as const;

interface Listed {
  fault: Fault;
  uid: string;
}

/** Compiled routes by route text, bounded: a fault's route is compiled once however often it is matched. */
const ROUTES_KEPT = 256;

export class RedisFaultRegistry implements FaultRegistry {
  private readonly routes = new Map<string | undefined, FaultRoute>();
  /** The configured faults once `install` has put them in (or found them put in by another replica). */
  private installed: Promise<void> | undefined;
  private configured: readonly FaultInput[] = [];

  constructor(
    private readonly redis: RedisRunner,
    private readonly prefix: string,
    private readonly changed: () => void = () => undefined,
  ) {}

  /** The configured faults, as the scripts take them: each fault's JSON, a uid, its times. */
  private configArgs(configured: readonly FaultInput[], mode: 'reset' | 'install'): string[] {
    const parsed = configured.map((fault) => FaultInput.parse(fault));
    const texts = parsed.map((fault) => JSON.stringify(fault));
    const hash = createHash('sha256').update(JSON.stringify(texts)).digest('hex');
    return [mode, hash, ...parsed.flatMap((fault, i) => [texts[i], randomUUID(), fault.times === undefined ? '' : String(fault.times)])];
  }

  /** Until the configured faults are in, every use tries to put them in first (Redis may have been away at start). */
  private ready(): Promise<void> {
    this.installed ??= this.redis.script(FAULT_SCRIPTS.configure, [this.prefix, ...this.configArgs(this.configured, 'install')]).then(
      (put) => {
        if (put === 1 && this.configured.length > 0) this.changed();
      },
      (error: unknown) => {
        this.installed = undefined;
        throw error;
      },
    );
    return this.installed;
  }

  install(configured: readonly FaultInput[]): Promise<void> {
    this.configured = configured;
    this.installed = undefined;
    return this.ready();
  }

  async reset(configured: readonly FaultInput[]): Promise<void> {
    this.configured = configured;
    await this.redis.script(FAULT_SCRIPTS.configure, [this.prefix, ...this.configArgs(configured, 'reset')]);
    this.installed = Promise.resolve();
    this.changed();
  }

  async add(input: FaultInput): Promise<FaultHandle<true>> {
    const parsed = FaultInput.parse(input);
    await this.ready();
    const uid = randomUUID();
    const id = String(await this.redis.script(FAULT_SCRIPTS.add, [this.prefix, JSON.stringify(parsed), uid, parsed.times === undefined ? '' : String(parsed.times)]));
    this.changed();
    const fault: Fault = { id, ...parsed, hits: 0, remaining: parsed.times ?? null };
    return {
      id,
      get fault() {
        return { ...fault };
      },
      // By uid, not id: ids restart at reset(), and an old handle must not remove a new fault.
      remove: () => this.removeWhere(id, uid),
    };
  }

  private async removeWhere(id: string, uid: string): Promise<boolean> {
    await this.ready();
    const removed = (await this.redis.script(FAULT_SCRIPTS.remove, [this.prefix, id, uid])) === 1;
    if (removed) this.changed();
    return removed;
  }

  remove(id: string): Promise<boolean> {
    return this.removeWhere(id, '');
  }

  async clear(): Promise<number> {
    await this.ready();
    const n = Number(await this.redis.script(FAULT_SCRIPTS.clear, [this.prefix]));
    if (n > 0) this.changed();
    return n;
  }

  private async listed(): Promise<Listed[]> {
    await this.ready();
    const reply = (await this.redis.script(FAULT_SCRIPTS.list, [this.prefix])) as string[];
    const out: Listed[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      const [id, json, uid, hits, left] = reply.slice(i, i + 5);
      out.push({ uid, fault: { id, ...(JSON.parse(json) as FaultInput), hits: Number(hits), remaining: left === '' ? null : Number(left) } });
    }
    return out;
  }

  async list(): Promise<Fault[]> {
    return (await this.listed()).map((l) => l.fault);
  }

  private route(route: string | undefined): FaultRoute {
    let compiled = this.routes.get(route);
    if (!compiled) {
      if (this.routes.size >= ROUTES_KEPT) this.routes.clear();
      compiled = compileFaultRoute(route);
      this.routes.set(route, compiled);
    }
    return compiled;
  }

  /**
   * The newest matching fault, spent atomically (see the top). A fault is a test's aid: while Redis
   * does not answer none fires, and a request that needs no store (models, media links) still answers.
   */
  async fire(target: FaultTarget): Promise<Fault | undefined> {
    let listed: Listed[];
    try {
      listed = await this.listed();
    } catch {
      return undefined;
    }
    for (let i = listed.length - 1; i >= 0; i--) {
      const { fault, uid } = listed[i];
      if (!faultMatches(fault, this.route(fault.route), target)) continue;
      let spent: Reply;
      try {
        spent = await this.redis.script(FAULT_SCRIPTS.fire, [this.prefix, fault.id, uid]);
      } catch {
        return undefined;
      }
      // Spent or removed by another replica since the list: the next match.
      if (!Array.isArray(spent)) continue;
      const [hits, left] = spent as number[];
      this.changed();
      return { ...fault, hits, remaining: left < 0 ? null : left };
    }
    return undefined;
  }
}
