/**
 * Run-time faults: what `server.use()` gives msw users and WireMock's mappings give its users, a test
 * steering the mock while it runs without changing the client under test. A fault names a scenario
 * and, optionally, the route (`"POST /videos"`, `":id"` segments allowed) and the model it applies to,
 * and how many matching requests it fires for before it retires.
 *
 * Precedence (specs/mock.md): a request's `Prefer: scenario=` header, then run-time faults (newest
 * first), then the config's rules. A fault fires, and counts a time, only where its scenario means
 * something: reads (list, retrieve, delete, content, models) only take `rate_limited` and
 * `server_error`, so a `slow` fault waits for the next generation instead of being spent on a poll.
 *
 * A fault names a network fault (network.ts) instead of a scenario: `{ network: 'reset', bytes }`. Those
 * are matched separately (`FaultTarget.network`), on every request under the base path, after the
 * answer is made, so a request can meet one of each.
 */
import { compilePath, type CompiledPath } from '../spec/paths.js';
import { z } from 'zod';
import { NETWORK_KINDS, NETWORK_PARAMS, networkParam, type NetworkChoice } from './network.js';
import type { MaybePromise } from './jobs.js';
import { SCENARIO_NAMES, type ScenarioName, type StoreAnswer } from './types.js';

export const FAULT_ROUTE_METHODS = ['GET', 'POST', 'DELETE'] as const;

/** `METHOD /path` under the base path, or a bare `/path` for every method; `:name` matches one segment. */
const ROUTE_PATTERN = /^(?:(GET|POST|DELETE|HEAD)\s+)?(\/[^\s?#]*)$/;

const FaultFields = z
  .object({
    scenario: z.enum(SCENARIO_NAMES).optional(),
    /** A network fault (network.ts) instead of a scenario; its parameter is the field the table names. */
    network: z.enum(NETWORK_KINDS).optional(),
    bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    ms: z.number().min(0).max(3_600_000).optional(),
    bytesPerSecond: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    times: z.number().int().min(1).max(1_000_000).optional(),
    route: z
      .string()
      .max(200)
      .regex(ROUTE_PATTERN, "'METHOD /path' under the base path, such as 'POST /videos' or 'GET /videos/:id'")
      .optional(),
    model: z.string().min(1).max(200).optional(),
  })
  .strict();

/** A fault is a scenario or a network fault, and takes only its own kind's parameter. */
export const FaultInput = FaultFields.superRefine((fault, ctx) => {
  if ((fault.scenario === undefined) === (fault.network === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [fault.scenario === undefined ? 'scenario' : 'network'],
      message: `expected exactly one of 'scenario' (${SCENARIO_NAMES.join(', ')}) or 'network' (${NETWORK_KINDS.join(', ')})`,
    });
  }
  const own = fault.network === undefined ? undefined : networkParam(fault.network);
  for (const param of NETWORK_PARAMS) {
    if (fault[param] !== undefined && param !== own) {
      ctx.addIssue({
        code: 'custom',
        path: [param],
        message: `'${param}' belongs to network ${NETWORK_KINDS.find((k) => networkParam(k) === param)}${own ? `; network ${fault.network} takes '${own}'` : ''}`,
      });
    }
  }
});
export type FaultInput = z.infer<typeof FaultInput>;

/** A fault as the mock, the admin endpoint and the inspector show it. */
export interface Fault extends FaultInput {
  id: string;
  /** Requests it has fired for so far. */
  hits: number;
  /** Firings left before it retires; null when it has no `times`. */
  remaining: number | null;
}

/** `A`: whether the registry is shared (Redis), so that its answers are promises (StoreAnswer). */
export interface FaultHandle<A extends boolean = false> {
  readonly id: string;
  /**
   * The fault as it stands now (hits, remaining); with a shared registry, as it stood when added
   * (other replicas fire it behind this one's back: `list()` reads it as it stands).
   */
  readonly fault: Fault;
  /** Take the fault away; false when it had already retired or been removed. */
  remove(): StoreAnswer<A, boolean>;
}

/** What a request looks like to a fault: its route under the base path and, for generations, its model. */
export interface FaultTarget {
  method: string;
  /** The path under the base path, e.g. `/videos/video_1/remix`. */
  path: string;
  /** The model named by the body; undefined on reads. */
  model?: string;
  /** Whether the request starts work (a generation); reads only take the scenarios that answer first. */
  generation: boolean;
  /** Match network faults (any request) instead of scenario faults. */
  network?: boolean;
}

/** The network fault a fired fault asks for, if it is one. */
export function networkChoiceOf(fault: FaultInput): NetworkChoice | undefined {
  if (fault.network === undefined) return undefined;
  const value = fault[networkParam(fault.network)];
  return value === undefined ? { kind: fault.network } : { kind: fault.network, value };
}

export const READ_SCENARIOS: readonly ScenarioName[] = ['rate_limited', 'server_error'];

/** A fault's route as a matcher: its method, if it names one, and its path pattern. */
export interface FaultRoute {
  method?: string;
  path?: CompiledPath;
}

interface CompiledFault extends FaultRoute {
  fault: Fault;
}

/**
 * The run-time faults of a mock. Two implementations keep this contract: createFaultRegistry below
 * (this process's memory; every method answers at once) and the Redis one next to the Redis job store
 * (src/adapters/redis-faults.ts; every method answers a promise), so replicas share their faults. The
 * shared suite test/mock/job-store.test.ts runs against both.
 */
export interface FaultRegistry {
  add(input: FaultInput): MaybePromise<FaultHandle<boolean>>;
  remove(id: string): MaybePromise<boolean>;
  /** Remove every fault; answers how many there were. */
  clear(): MaybePromise<number>;
  /** The configured faults (the `faults` option) put in force at start; a shared registry does it once for all replicas. */
  install(configured: readonly FaultInput[]): MaybePromise<void>;
  /** Remove every fault, restart the ids and put `configured` back (the mock's `reset()`). */
  reset(configured: readonly FaultInput[]): MaybePromise<void>;
  /** The faults in force, oldest first. */
  list(): MaybePromise<Fault[]>;
  /** The newest fault that matches `target`; it counts a time (and retires after its last). */
  fire(target: FaultTarget): MaybePromise<Fault | undefined>;
}

/** A fault's route compiled once (`route` was validated by FaultInput). */
export function compileFaultRoute(route: string | undefined): FaultRoute {
  const parts = route ? ROUTE_PATTERN.exec(route) : null;
  return { ...(parts?.[1] ? { method: parts[1] } : {}), ...(parts ? { path: compilePath(parts[2]) } : {}) };
}

function matchesRoute(compiled: FaultRoute, target: FaultTarget): boolean {
  if (compiled.method) {
    const method = target.method === 'HEAD' ? 'GET' : target.method;
    if (compiled.method !== method && compiled.method !== target.method) return false;
  }
  return !compiled.path || compiled.path.pattern.test(target.path);
}

/** Whether `fault` fires for `target` (its kind, its scenario's meaning there, its model, its route). */
export function faultMatches(fault: FaultInput, route: FaultRoute, target: FaultTarget): boolean {
  if ((fault.network !== undefined) !== (target.network ?? false)) return false;
  if (fault.scenario !== undefined && !target.generation && !READ_SCENARIOS.includes(fault.scenario)) return false;
  if (fault.model !== undefined && fault.model !== target.model) return false;
  return matchesRoute(route, target);
}

/** The registry in this process's memory: the contract, every answer at once. */
export interface MemoryFaultRegistry extends FaultRegistry {
  add(input: FaultInput): FaultHandle;
  remove(id: string): boolean;
  clear(): number;
  install(configured: readonly FaultInput[]): void;
  reset(configured: readonly FaultInput[]): void;
  list(): Fault[];
  fire(target: FaultTarget): Fault | undefined;
}

export function createFaultRegistry(onChange: (faults: Fault[]) => void = () => undefined): MemoryFaultRegistry {
  // Newest last; matching walks from the end.
  let faults: CompiledFault[] = [];
  let counter = 0;
  const snapshot = () => faults.map((c) => ({ ...c.fault }));

  const removeWhere = (test: (c: CompiledFault) => boolean): boolean => {
    const before = faults.length;
    faults = faults.filter((c) => !test(c));
    if (faults.length === before) return false;
    onChange(snapshot());
    return true;
  };
  const clear = (): number => {
    const n = faults.length;
    faults = [];
    if (n > 0) onChange([]);
    return n;
  };

  const add = (input: FaultInput): FaultHandle => {
    const parsed = FaultInput.parse(input);
    const fault: Fault = { id: `fault_${++counter}`, ...parsed, hits: 0, remaining: parsed.times ?? null };
    const compiled: CompiledFault = { fault, ...compileFaultRoute(parsed.route) };
    faults.push(compiled);
    onChange(snapshot());
    return {
      id: fault.id,
      get fault() {
        return { ...fault };
      },
      // By identity, not id: ids restart at reset(), and an old handle must not remove a new fault.
      remove: () => removeWhere((c) => c === compiled),
    };
  };

  return {
    add,
    remove: (id) => removeWhere((c) => c.fault.id === id),
    clear,
    install(configured) {
      for (const fault of configured) add(fault);
    },
    reset(configured) {
      clear();
      counter = 0;
      for (const fault of configured) add(fault);
    },
    list: snapshot,
    fire(target) {
      for (let i = faults.length - 1; i >= 0; i--) {
        const compiled = faults[i];
        const { fault } = compiled;
        if (!faultMatches(fault, compiled, target)) continue;
        fault.hits++;
        if (fault.remaining !== null) fault.remaining--;
        const fired = { ...fault };
        if (fault.remaining === 0) faults.splice(i, 1);
        onChange(snapshot());
        return fired;
      }
      return undefined;
    },
  };
}
