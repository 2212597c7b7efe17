/**
 * The contract between the mock's transport-free core (this folder) and its adapters (msw handlers,
 * the Node server, the Express middleware, `sora-kit serve`). Nothing here depends on a runtime.
 */
import type { MediaGenerator } from '../media/index.js';
import type { PromptAnalysisMode } from '../spec/analysis.js';
import type { VideoSpec } from '../spec/rules.js';
import type { ResponseFormat, VideoResource } from '../spec/schemas/index.js';
import type { Fault, FaultHandle, FaultInput } from './faults.js';
import type { NetworkFault } from './network.js';
import type { ClientReport } from './client-report.js';
import type { InspectorOptions } from './inspector/index.js';

export type { InspectorOptions } from './inspector/index.js';
import type { JobStore } from './jobs.js';

export type { ClientFinding, ClientReport, ClientRule, ClientExample } from './client-report.js';

export type { NetworkFault, NetworkKind } from './network.js';

export type { Fault, FaultHandle, FaultInput } from './faults.js';

import type { Feature } from '../spec/operations.js';

export { FEATURES, type Feature } from '../spec/operations.js';

export interface LicenseConfig {
  key: string;
  features: Feature[];
}

import type { ScenarioName } from './scenarios.js';

export { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

/** Config rule: requests whose prompt matches `prompt` (regex source, case-insensitive) and/or whose model is `model`. */
export interface ScenarioRule {
  prompt?: string;
  model?: string;
  scenario: ScenarioName;
}

export interface MockClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/**
 * How a mock answers what its job store holds: at once with the memory store (`A` false, the default),
 * as a promise when it may use a shared one (`jobStore`, e.g. Redis).
 */
export type StoreAnswer<A extends boolean, T> = A extends true ? Promise<T> : T;

/** The job store a mock may be given: none (the memory store) unless it answers through promises. */
type StoreOption<A extends boolean> = A extends true ? JobStore : never;

export interface SoraMockOptions<A extends boolean = false> {
  /** Path prefix of the API; default `/sora/v1`. */
  basePath?: string;
  /** Origin for absolute media URLs (e.g. `https://mock.example`); default: the request's own origin. */
  publicUrl?: string;
  /** Default: the dev licence `sk-sora-mock` with every add-on. */
  licenses?: LicenseConfig[];
  /** Ids and media derive from it; default `sora-kit`. */
  seed?: string;
  /** Default: `Date.now`, so vitest fake timers drive the mock too. */
  clock?: MockClock;
  /** Render-time scale: 2 renders twice as fast; default 1. */
  speed?: number;
  /** Jobs complete at creation. */
  instant?: boolean;
  scenarios?: ScenarioRule[];
  /**
   * Run-time faults in force from the start (scenario or network faults, with route, times and model
   * as `mock.faults.add` takes them); `reset()` puts them back. With a shared `jobStore` they are put
   * in once for all the replicas that share it.
   */
  faults?: FaultInput[];
  promptAnalysis?: {
    mode: PromptAnalysisMode;
    openai?: { baseUrl: string; apiKey: string; model?: string };
  };
  /** Remote `image_url`s are fetched only when they match this allow-list (host globs or URL prefixes). */
  fetchImages?: { allow: string[] } | false;
  /** Serve the `/__sora/*` admin endpoints; default false. */
  admin?: boolean;
  /** CORS headers for browser clients; default true. */
  cors?: boolean;
  /** Larger bodies get 413; default 50 MiB. */
  maxBodyBytes?: number;
  /** `expires_at = completed_at + retentionSeconds`; default 3600. */
  retentionSeconds?: number;
  /** Bound of the generated-media cache; default 256 MiB. */
  mediaCacheBytes?: number;
  /**
   * What generates media bytes (behind the cache, which asks once per recipe and variant however many
   * requests want it); default: generateMedia in the calling thread. The Node server passes one that
   * runs on worker threads. It must answer what generateMedia answers, byte for byte.
   */
  renderMedia?: MediaGenerator;
  /**
   * Told the name of each step of the request flow as a request enters it (CONTRIBUTING.md, "The
   * request flow"): for tests and debugging. Unset, the flow runs without it at no cost.
   */
  onStep?: (step: string, request: Request) => void;
  /**
   * Key that signs media links (HMAC-SHA-256): instances with the same secret and seed issue the same
   * links and serve each other's. Default: random per instance. Never shown in `options`.
   */
  mediaSecret?: string;
  /**
   * When set, the `/__sora/*` admin endpoints (not `/__sora/health`) need `Authorization: Bearer <token>`
   * or `X-Sora-Admin-Token: <token>` (401 otherwise). The Node server requires one to listen on a
   * non-loopback host with `admin` on.
   */
  adminToken?: string;
  /**
   * Most video jobs kept at once; default 10,000. Beyond it the oldest expired jobs are evicted first,
   * then the oldest finished ones; a job still rendering never is (a create is refused with 429 instead).
   */
  maxJobs?: number;
  /**
   * How images are answered when the request sends no `response_format`: `url` (the default, as the
   * platform answers) or `b64_json` (what clients such as the Vercel AI SDK's image edit expect
   * without asking for it). A request's own `response_format` always wins.
   */
  imageResponseFormat?: ResponseFormat;
  /**
   * Serve the inspector page at `/` (its data under `/__sora/inspector/`): requests, jobs with live
   * progress, media, licences (masked), scenarios and snippets; through every adapter (msw, the
   * middleware, the Node server). Off by default; `sora-kit serve` turns it on. Its own requests do not
   * enter the journal. An object turns it on with its bounds on viewers that do not keep up.
   */
  inspector?: boolean | InspectorOptions;
  /**
   * Where video jobs live; default: this process's memory. A shared store (`RedisJobStore`,
   * src/adapters/redis-store.ts; `sora-kit serve --store`) lets replicas behind a load balancer serve each other's jobs; the mock's job
   * reads (`jobs()`, `jobCounts()`, `jobMedia()`, `reset()`) and its run-time faults (`faults`), which
   * the store shares too, then answer promises.
   */
  jobStore?: StoreOption<A>;
}

export interface ResolvedSoraMockOptions {
  basePath: string;
  publicUrl: string | undefined;
  licenses: LicenseConfig[];
  seed: string;
  speed: number;
  instant: boolean;
  scenarios: ScenarioRule[];
  faults: FaultInput[];
  promptAnalysis: NonNullable<SoraMockOptions['promptAnalysis']>;
  fetchImages: { allow: string[] } | false;
  admin: boolean;
  cors: boolean;
  maxBodyBytes: number;
  retentionSeconds: number;
  mediaCacheBytes: number;
  adminToken: string | undefined;
  maxJobs: number;
  imageResponseFormat: ResponseFormat;
  inspector: InspectorOptions | false;
}

export const DEV_LICENSE: LicenseConfig = { key: 'sk-sora-mock', features: ['chat', 'images', 'videos'] };

/** A video job as the mock stores it; its status is derived from the clock when read. */
export interface VideoJob {
  id: string;
  /** The key of the licence that created it: only that licence sees it through the API. */
  owner: string;
  prompt: string;
  spec: VideoSpec;
  watermark: boolean;
  inputDigest?: string;
  remixedFrom: string | null;
  scenario?: ScenarioName;
  /** Milliseconds since the epoch (mock clock). */
  createdAtMs: number;
  /** Total time from creation to completion, in mock-clock milliseconds; Infinity for `stall`. */
  renderMs: number;
  /** Set for `fail_midway`: the job fails at this fraction of its render time. */
  failAt?: number;
  /**
   * The signatures of its video, thumbnail and spritesheet links, one after the other, made when the
   * job is started; `mock.jobMedia()` rebuilds the links from them and the job's recipe.
   */
  mediaSignatures?: string;
}

/** Which jobs `mock.jobs()` shows. */
export interface JobFilter {
  /** Only the jobs created with this licence key. */
  license?: string;
  /** Only the newest this many. */
  limit?: number;
}

/** How many jobs there are, in all and by status, at one instant (`mock.jobCounts()`). */
export type JobCounts = { total: number } & Record<VideoResource['status'], number>;

/** What `GET /videos/{id}` shows for a job at one instant. */
export type VideoView = VideoResource;

export interface JournalEntry {
  id: number;
  /** The platform operation it was routed to (`createVideo`, ...: spec/operations.ts). */
  operation?: string;
  method: string;
  path: string;
  status: number;
  /** Milliseconds since the epoch (mock clock). */
  startedAt: number;
  /** Wall time until the response (headers) was ready. */
  durationMs: number;
  scenario?: ScenarioName;
  /** The run-time fault that chose the scenario (`mock.faults.add`), as it stood when it fired. */
  fault?: { id: string; scenario: ScenarioName };
  /**
   * The network fault done to this answer's connection (network.ts), its numbers resolved, and the
   * run-time fault that chose it (absent when a `Prefer` header did). The adapter enacts it.
   */
  network?: NetworkFault & { fault?: string };
  /** For a 429: the seconds its Retry-After asked the client to wait. */
  retryAfter?: number;
  /** The video job the request created, read or asked content of, and its status as the answer showed it. */
  job?: { id: string; status: VideoResource['status'] };
  /** The licence key used, when one was recognised, masked (maskSecret). */
  license?: string;
  /** What the client sent: headers (secrets masked) and the body as parsed, cut to a preview. */
  request: { headers: Record<string, string>; body?: JournalBody };
  /** For error answers: the envelope's type, code and param. */
  error?: { type: string | null; code: string | null; param: string | null };
  /**
   * Media URLs the response linked to (image URLs, a chat completion's video link). A streamed answer
   * adds its links as it streams them (the `requestUpdated` event tells listeners).
   */
  media?: MediaLink[];
}

/** A request body as the journal keeps it (bounded: long strings and deep structures are cut). */
export type JournalBody =
  | { kind: 'json'; value: unknown; truncated?: true }
  | { kind: 'form'; fields: JournalField[]; truncated?: true }
  /** A body that could not be parsed (invalid JSON, a refused content type): its first bytes as text. */
  | { kind: 'text'; text: string; size: number; truncated?: true };

export type JournalField =
  | { name: string; value: string }
  | { name: string; file: { filename: string; type: string; size: number; sha256: string } };

/** Filters of `mock.requests()` and `GET /__sora/requests`; every given one must match. */
export interface JournalQuery {
  method?: string;
  /** The path without its query, exactly (`/sora/v1/videos`) or with `:name` segments (`/sora/v1/videos/:id`). */
  path?: string;
  /** A status (429) or a class (`'4xx'`). */
  status?: number | string;
  /** Only requests that started at or after this mock-clock time (milliseconds since the epoch). */
  since?: number;
}

/** A link to generated media in a response. */
export interface MediaLink {
  variant: 'image' | 'video' | 'thumbnail' | 'spritesheet';
  url: string;
}

/** Where a video job's media is served, as paths under the base path (stateless `files` URLs). */
export interface JobMediaPaths {
  video: string;
  thumbnail: string;
  spritesheet: string;
}

export interface JobEvent {
  type: 'created' | 'deleted';
  job: VideoJob;
}

export interface SoraMockEvents {
  request: JournalEntry;
  /** An entry already announced changed: a streamed answer linked more media. */
  requestUpdated: JournalEntry;
  job: JobEvent;
  /**
   * The run-time faults changed (added, fired, retired, removed) through this mock. With a shared
   * store, changes another replica makes are not announced here (`faults.list()` shows them).
   */
  faults: Fault[];
}

/**
 * Run-time faults (see faults.ts): a test steers the mock without changing the client under test.
 * With a shared job store (`A` true) they live in it, shared by every replica, and answer promises.
 */
export interface SoraMockFaults<A extends boolean = false> {
  /** The next matching requests get `scenario`; `times` bounds how many; returns a handle to remove it. */
  add(fault: FaultInput): StoreAnswer<A, FaultHandle<A>>;
  /** Remove one by id; false if there is none. */
  remove(id: string): StoreAnswer<A, boolean>;
  /** Remove them all; answers how many there were. */
  clear(): StoreAnswer<A, number>;
  /** The faults in force, oldest first. */
  list(): StoreAnswer<A, Fault[]>;
}

/**
 * What an adapter tells the mock about one request (`mock.answer`): what only the transport knows.
 * Every field is optional; `mock.fetch(request)` is `answer` with none.
 */
export interface AnswerOptions {
  /** The request URL's path and query when the adapter already read them (they are not read twice). */
  parts?: { pathname: string; search: string };
  /**
   * Called once with the request's journal entry as soon as it is written, before the answer is
   * handed back: what an adapter enacts (`entry.network`) or logs (its access log).
   */
  onSettled?: (entry: JournalEntry) => void;
  /**
   * The Host rule of a server that listens: whether a Host header names this server. The mock's own
   * surface (`/__sora/*`) refuses any other with 403 `host_not_allowed` (DNS rebinding). Without it
   * (msw, an app's own server) the surface answers any Host, as the app decides.
   */
  hostAllowed?: (host: string | undefined) => boolean;
  /**
   * True when only this machine can reach the server (a loopback bind): the inspector then needs no
   * admin token. Otherwise, with `adminToken` set, the inspector asks for it (Basic credentials too,
   * which a browser prompts for).
   */
  localOnly?: boolean;
  /** Close the request's connection: an inspector viewer that stopped reading is dropped. */
  hangUp?: () => void;
}

export interface SoraMock<A extends boolean = false> {
  /** The whole application: Fetch API Request in, Response out. Never rejects for client mistakes. */
  fetch(request: Request): Promise<Response>;
  /**
   * `fetch` for adapters: the answer itself when nothing on the request's way waits (a read answered
   * from memory), else a promise of it, so a server can write it in the same turn; and what only the
   * adapter knows (AnswerOptions). Throws only where `fetch` would reject.
   */
  answer(request: Request, options?: AnswerOptions): Response | Promise<Response>;
  readonly options: Readonly<ResolvedSoraMockOptions>;
  /**
   * Video jobs, newest first, as the API would show them now: every licence's (the API shows each
   * licence only its own), or only those of `filter.license` (a licence key).
   */
  jobs(filter?: JobFilter): StoreAnswer<A, VideoView[]>;
  /** How many jobs there are by status now (every licence's, or `filter.license`'s), without listing them. */
  jobCounts(filter?: Pick<JobFilter, 'license'>): StoreAnswer<A, JobCounts>;
  /** The request journal, oldest first (bounded in count and bytes), filtered by `query` when given. */
  requests(query?: JournalQuery): JournalEntry[];
  /**
   * What the client did wrong, judged from the journal (client-report.ts): each finding names a rule,
   * how often, and an example request (secrets masked). Polling thresholds follow the mock's speed.
   */
  clientReport(): ClientReport;
  /** Run-time faults (shared by the replicas of a shared store); `reset()` clears them and puts the configured ones back. */
  readonly faults: SoraMockFaults<A>;
  /**
   * Signed paths of a job's media (`/sora/v1/files/...`), which need no licence: what a dashboard shows.
   * Undefined for an unknown id. The paths exist before the job completes; the content route does not.
   */
  jobMedia(videoId: string): StoreAnswer<A, JobMediaPaths | undefined>;
  /** Forget jobs, journal, faults and id counters, and the clock offset. */
  reset(): StoreAnswer<A, void>;
  /** End what the mock holds open: the inspector's event streams (a server's close() calls it). */
  close(): void;
  /** Move the mock's clock forward. */
  advance(ms: number): void;
  /** The mock's current time in milliseconds (clock plus advances). */
  now(): number;
  on<E extends keyof SoraMockEvents>(event: E, listener: (payload: SoraMockEvents[E]) => void): () => void;
}
