/**
 * The reference mock of `/sora/v1` as one transport-free application: a Fetch API `Request` in, a
 * `Response` out. The msw handlers, the Node server and the Express middleware are thin adapters
 * around `mock.fetch`. A request flows one way: route -> auth -> body -> validate (zod, rules) ->
 * scenario -> job / media -> response; see specs/mock.md for every decision.
 */
import { DEFAULT_MEDIA_CACHE_BYTES, DEFAULT_SEED, createMediaStore } from '../media/index.js';
import { BASE_PATH } from '../spec/operations.js';
import { IGNORED_PARAMS_HEADER, cutText, describeValue } from '../spec/rules.js';
import type { MockContext, RequestContext } from './context.js';
import { FILES_SEGMENT, chooseNetwork, requestContext } from './context.js';
import { networkFromHeader } from './network.js';
import { judgeClient } from './client-report.js';
import { createLinkSigner } from './links.js';
import { HttpError, errorResponse, json } from './http.js';
import { createIdSource } from './ids.js';
import { checkFetchRules } from './inputs.js';
import { andThen, type JobStore } from './jobs.js';
import { MemoryJobStore } from './memory-store.js';
import { videoResource } from './timeline.js';
import { jobMediaPaths } from './start-job.js';
import { licenseKeyOf } from './auth.js';
import { Router } from './router.js';
import { FaultInput, createFaultRegistry } from './faults.js';
import { maskSecret } from './mask.js';
import { createJournal, linkBytes, recordBody, recordHeadersSized } from './journal.js';
import { pathAndQuery } from '../util/index.js';
import { isAdminPath, refuseCrossOrigin, refuseNonJsonPost, refuseWithoutToken } from './admin-guard.js';
import {
  ADMIN_PREFIX,
  adminAddFault,
  adminAdvance,
  adminClearFaults,
  adminDeleteFault,
  adminListFaults,
  adminRequests,
  adminReset,
  adminState,
} from './routes/admin.js';
import { mountOperations, type OperationHandlers } from './pipeline.js';
import { chatHandlers } from './routes/chat.js';
import { imageHandlers } from './routes/images.js';
import { filesRoute } from './routes/media.js';
import { modelHandlers } from './routes/models.js';
import { videoHandlers } from './routes/videos.js';
import { compileScenarioRules } from './scenarios.js';
import {
  DEV_LICENSE,
  type JournalBody,
  type JournalEntry,
  type ResolvedSoraMockOptions,
  type SoraMock,
  type SoraMockEvents,
  type SoraMockOptions,
} from './types.js';


/**
 * The mock's answer without the promise `fetch` wraps it in: a Response when nothing on the request's
 * way waits (reads answered from memory), else a promise of one. For the Node server, whose bridge
 * writes a Response it is handed at once; anything else calls `fetch`. Registered, so a mock built by
 * another copy of this module answers too.
 */
export const ANSWER = Symbol.for('sora-kit.mock.answer');
/** `parts`: the request URL's path and query when the caller already read them (pathAndQuery), so they are not read twice. */
export type AnswerNow = (request: Request, parts?: { pathname: string; search: string }) => Response | Promise<Response>;

/** Each operation of the table (spec/operations.ts) and the handler that ends its pipeline; the type says none is missing. */
const HANDLERS: OperationHandlers = { ...chatHandlers, ...imageHandlers, ...videoHandlers, ...modelHandlers };

const CORS_HEADERS: readonly (readonly [string, string])[] = [
  ['access-control-allow-origin', '*'],
  ['access-control-allow-methods', 'GET, HEAD, POST, DELETE, OPTIONS'],
  ['access-control-expose-headers', `Content-Length, Content-Range, Accept-Ranges, ETag, Retry-After, ${IGNORED_PARAMS_HEADER}`],
  ['access-control-max-age', '600'],
];

/**
 * The API is for any client on any origin: a preflight is allowed every request header it asks for
 * (echoed, as servers that allow any client do). A list could not keep up with what SDKs send (the
 * openai SDK's x-stainless-os, x-stainless-retry-count, ...), and `*` would not cover Authorization.
 */
function allowCrossOrigin(request: Request, headers: Headers): void {
  for (const [name, value] of CORS_HEADERS) headers.set(name, value);
  const asked = request.headers.get('access-control-request-headers');
  if (asked) headers.set('access-control-allow-headers', asked);
  // The answer differs with and without Origin, and a preflight's with the headers it asks for.
  headers.append('vary', 'Origin, Access-Control-Request-Headers');
}

/** What the mock does when an option is not given: the one place these numbers live (`--help` shows them). */
export const MOCK_DEFAULTS = {
  basePath: BASE_PATH,
  seed: DEFAULT_SEED,
  speed: 1,
  maxBodyBytes: 50 * 1024 * 1024,
  retentionSeconds: 3600,
  mediaCacheBytes: DEFAULT_MEDIA_CACHE_BYTES,
  /** Video jobs kept at once; beyond it expired jobs are evicted first, then the oldest finished ones. */
  maxJobs: 10_000,
  analysis: 'off',
  imageResponseFormat: 'url',
  devLicense: DEV_LICENSE.key,
} as const;

export function resolveOptions(options: SoraMockOptions = {}): ResolvedSoraMockOptions {
  const basePath = (options.basePath ?? MOCK_DEFAULTS.basePath).replace(/\/+$/, '');
  if (basePath !== '' && !basePath.startsWith('/')) {
    throw new TypeError(`basePath '${options.basePath}' must start with '/' (e.g. '/sora/v1').`);
  }
  const speed = options.speed ?? MOCK_DEFAULTS.speed;
  if (!(speed > 0) || !Number.isFinite(speed)) throw new TypeError(`speed ${speed} must be a positive number.`);
  const maxJobs = options.maxJobs ?? MOCK_DEFAULTS.maxJobs;
  if (!Number.isSafeInteger(maxJobs) || maxJobs < 1) throw new TypeError(`maxJobs ${maxJobs} must be a positive integer.`);
  const licenses = options.licenses && options.licenses.length > 0 ? options.licenses : [DEV_LICENSE];
  // A rule that can match nothing (a typo, a prefix without its scheme) is refused here, not ignored.
  if (options.fetchImages) checkFetchRules(options.fetchImages.allow);
  return {
    basePath,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    licenses: licenses.map((l) => ({ key: l.key, features: [...new Set(l.features)] })),
    seed: options.seed ?? MOCK_DEFAULTS.seed,
    speed,
    instant: options.instant ?? false,
    scenarios: options.scenarios ?? [],
    faults: (options.faults ?? []).map((fault, i) => {
      const parsed = FaultInput.safeParse(fault);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      throw new TypeError(`faults[${i}]${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
    }),
    promptAnalysis: options.promptAnalysis ?? { mode: MOCK_DEFAULTS.analysis },
    fetchImages: options.fetchImages ?? false,
    admin: options.admin ?? false,
    cors: options.cors ?? true,
    maxBodyBytes: options.maxBodyBytes ?? MOCK_DEFAULTS.maxBodyBytes,
    retentionSeconds: options.retentionSeconds ?? MOCK_DEFAULTS.retentionSeconds,
    mediaCacheBytes: options.mediaCacheBytes ?? MOCK_DEFAULTS.mediaCacheBytes,
    adminToken: options.adminToken === undefined || options.adminToken === '' ? undefined : options.adminToken,
    maxJobs,
    imageResponseFormat: options.imageResponseFormat ?? MOCK_DEFAULTS.imageResponseFormat,
  };
}

/** Every error answer goes through here, so the journal knows its type, code and param. */
function failWith(ctx: RequestContext, error: HttpError): Response {
  const { type = 'invalid_request_error', code = null, param = null } = error.options;
  ctx.error = { type, code, param };
  return error.toResponse();
}

/** What a route threw, answered: its HttpError, or anything else as the mock's own 500. */
function failure(ctx: RequestContext, error: unknown): Response {
  if (error instanceof HttpError) return failWith(ctx, error);
  // Anything else is a bug in the mock, never the client's fault: say so, keep serving.
  return failWith(
    ctx,
    new HttpError(500, `Internal error in sora-kit's mock: ${(error as Error)?.message ?? String(error)}`, {
      type: 'server_error',
      param: null,
      code: 'mock_internal_error',
    }),
  );
}

/**
 * Requests whose answer is still on its way (see answer). One for the module, not one per mock: a
 * caller may hold nothing of the mock either while it waits.
 */
const IN_FLIGHT = new Set<Request>();

/**
 * The mock. With a shared job store (`jobStore`) its job reads answer promises (SoraMock<boolean>);
 * with the default memory store they answer at once.
 */
export function createSoraMock(input?: SoraMockOptions): SoraMock;
export function createSoraMock(input: SoraMockOptions<boolean>): SoraMock<boolean>;
export function createSoraMock(input: SoraMockOptions<boolean> = {}): SoraMock<boolean> {
  const options = resolveOptions(input);
  const jobs: JobStore = input.jobStore ?? new MemoryJobStore(options);
  // A shared store's clock, unless the caller brings one: replicas then agree on every job's status.
  const clock = input.clock ?? jobs.clock ?? { now: () => Date.now() };
  let offset = 0;
  const now = () => clock.now() + offset;
  const ids = createIdSource(options.seed);
  const journal = createJournal();
  // For adapters that log a request after it ends (the Node server's access log): the entry rides on
  // the request under a key of this instance (a WeakMap per request cost more than the rest of the
  // journal entry); a request that takes no property (frozen) goes to the WeakMap.
  const ENTRY = Symbol('sora-kit journal entry');
  const frozenEntries = new WeakMap<Request, JournalEntry>();
  type Carrier = Request & { [ENTRY]?: JournalEntry };
  const remember = (request: Request, entry: JournalEntry) => {
    if (Object.isExtensible(request)) (request as Carrier)[ENTRY] = entry;
    else frozenEntries.set(request, entry);
  };
  // Licence keys as the journal shows them, masked once.
  const maskedLicences = new Map(options.licenses.map((l) => [l.key, maskSecret(l.key)]));
  const listeners: { [E in keyof SoraMockEvents]: Set<(payload: SoraMockEvents[E]) => void> } = {
    request: new Set(),
    requestUpdated: new Set(),
    job: new Set(),
    faults: new Set(),
  };
  const emit = <E extends keyof SoraMockEvents>(event: E, payload: SoraMockEvents[E]) => {
    for (const listener of listeners[event]) {
      try {
        listener(payload);
      } catch {
        // A broken listener (a log sink, the inspector) must never break a request.
      }
    }
  };

  const base: MockContext = {
    options,
    now,
    jobs,
    ids,
    media: createMediaStore({ maxBytes: options.mediaCacheBytes, generate: input.renderMedia }),
    // The secret stays inside the signer: it is not an option anyone can read back.
    signer: createLinkSigner(input.mediaSecret),
    ruleScenario: compileScenarioRules(options.scenarios),
    faults: createFaultRegistry((list) => emit('faults', list)),
    emitJob: (event) => emit('job', event),
  };

  // The configured faults are in force from the start, and again after each reset.
  const installFaults = () => {
    for (const fault of options.faults) base.faults.add(fault);
  };
  installFaults();

  const api = new Router<RequestContext>();
  const p = options.basePath;
  mountOperations(api, p, HANDLERS);
  // The mock's own routes, outside the platform's operations: stateless media links need no licence.
  api.on('GET', `${p}/${FILES_SEGMENT}/:name`, filesRoute);
  // Liveness for load balancers, process managers and CI scripts: no licence, never admin-gated.
  const startedAt = now();
  // It answers 200 while the process runs; `store.ok` (and `status`) say whether the job store answers.
  api.on('GET', `${ADMIN_PREFIX}/health`, () =>
    andThen(jobs.health(), ({ jobs: count, ...store }) =>
      json({ status: store.ok ? 'ok' : 'degraded', basePath: p, uptimeSeconds: Math.max(0, Math.floor((now() - startedAt) / 1000)), jobs: count, store }),
    ),
  );
  if (options.admin) {
    api
      .on('GET', `${ADMIN_PREFIX}/state`, (ctx) => adminState(ctx, mock))
      .on('GET', `${ADMIN_PREFIX}/requests`, (ctx) => adminRequests(ctx, mock))
      .on('GET', `${ADMIN_PREFIX}/client-report`, () => json(mock.clientReport()))
      .on('POST', `${ADMIN_PREFIX}/reset`, (ctx) => adminReset(ctx, mock))
      .on('POST', `${ADMIN_PREFIX}/advance`, (ctx) => adminAdvance(ctx, mock))
      .on('POST', `${ADMIN_PREFIX}/faults`, (ctx) => adminAddFault(ctx, mock))
      .on('GET', `${ADMIN_PREFIX}/faults`, (ctx) => adminListFaults(ctx, mock))
      .on('DELETE', `${ADMIN_PREFIX}/faults`, (ctx) => adminClearFaults(ctx, mock))
      .on('DELETE', `${ADMIN_PREFIX}/faults/:fault_id`, (ctx, params) => adminDeleteFault(ctx, mock, params.fault_id));
  }

  /** Synchronous when the handler is (reads answered from memory): no promise turn on the hot path. */
  function route(ctx: RequestContext): Response | Promise<Response> {
    const { request, path } = ctx;
    // The mock's own surface is for scripts and the person at this machine, not for other web pages
    // (admin-guard.ts): another origin is refused before anything else, preflights included.
    const admin = isAdminPath(path);
    const crossOrigin = admin ? refuseCrossOrigin(request, ctx.url, options.publicUrl) : undefined;
    if (crossOrigin) return failWith(ctx, crossOrigin);
    if (!admin) {
      try {
        ctx.preferNetwork = networkFromHeader(request);
      } catch (error) {
        return failure(ctx, error);
      }
    }
    if (request.method === 'OPTIONS') {
      const allow = api.allow(path);
      if (allow.length > 0) return new Response(null, { status: 204, headers: { allow: allow.join(', ') } });
    }
    const match = api.match(request.method, path);
    if (match.kind === 'found' && match.operation) ctx.operation = match.operation;
    // Then the token (health needs none), then the body type, before the admin route runs.
    if (admin && match.kind === 'found' && path !== `${ADMIN_PREFIX}/health`) {
      const refusal = refuseWithoutToken(request, options.adminToken) ?? refuseNonJsonPost(request);
      if (refusal) return failWith(ctx, refusal);
    }
    if (match.kind === 'method_not_allowed') {
      return failWith(
        ctx,
        new HttpError(
          405,
          `Method ${cutText(request.method, 20)} is not allowed on ${cutText(path, 200)}; allowed: ${match.allow.join(', ')}.`,
          { type: 'invalid_request_error', param: null, code: 'method_not_allowed' },
          { allow: match.allow.join(', ') },
        ),
      );
    }
    if (match.kind === 'not_found') {
      return failWith(
        ctx,
        new HttpError(404, `Unknown route ${cutText(request.method, 20)} ${cutText(path, 200)}; the API is under ${p}/ (see GET ${p}/models).`, {
          type: 'invalid_request_error',
          param: null,
          code: 'unknown_route',
        }),
      );
    }
    let answer: Response | Promise<Response>;
    try {
      answer = match.handler(ctx, match.params);
    } catch (error) {
      return failure(ctx, error);
    }
    return answer instanceof Promise ? answer.then(undefined, (error: unknown) => failure(ctx, error)) : answer;
  }

  /**
   * After the route: HEAD without its body, CORS headers, then the journal entry (and the `request`
   * event). Synchronous unless the body's journal record needs hashing (multipart files).
   */
  function settle(ctx: RequestContext, answered: Response, started: number, startedAt: number): Response | Promise<Response> {
    const { request } = ctx;
    let response = answered;
    // HEAD is answered by the GET route; its headers stay (Content-Length included), its body must not
    // reach the client, whatever the adapter (msw hands the Response to the page as it is).
    if (request.method === 'HEAD' && response.body) {
      void response.body.cancel().catch(() => undefined);
      response = new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    // Only browsers need CORS headers, and they always send Origin on cross-origin requests; leaving
    // other responses untouched keeps the Node server's fast path (no header rewrite per request).
    // Never under /__sora/: the admin endpoints answer no other origin (admin-guard.ts).
    if (options.cors && request.headers.has('origin') && !isAdminPath(ctx.path)) allowCrossOrigin(request, response.headers);
    const body = recordBody(ctx.body, ctx.raw);
    if (body instanceof Promise) return body.then((recorded) => record(ctx, response, recorded, started, startedAt));
    return record(ctx, response, body, started, startedAt);
  }

  function record(ctx: RequestContext, response: Response, body: JournalBody | undefined, started: number, startedAt: number): Response {
    const { request } = ctx;
    // The licence step already found the key when it recognised one.
    const key = ctx.license ? ctx.license.key : licenseKeyOf(request);
    // Built property by property (no spreads), in the order the entry has always had its keys.
    const entry = { id: journal.nextId() } as JournalEntry;
    if (ctx.operation) entry.operation = ctx.operation;
    entry.method = request.method;
    entry.path = ctx.path + ctx.search;
    entry.status = response.status;
    entry.startedAt = startedAt;
    entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
    if (ctx.scenario) entry.scenario = ctx.scenario;
    if (ctx.fault?.scenario) entry.fault = { id: ctx.fault.id, scenario: ctx.fault.scenario };
    // The connection's fault, for the adapter to enact (network.ts); never on the mock's own surface.
    const network = isAdminPath(ctx.path) ? undefined : chooseNetwork(ctx, response);
    if (network) entry.network = network;
    if (response.status === 429) {
      const header = response.headers.get('retry-after');
      const wait = header === null ? NaN : Number(header);
      if (Number.isFinite(wait) && wait >= 0) entry.retryAfter = wait;
    }
    if (ctx.job) entry.job = ctx.job;
    // Masked: the journal is readable through /__sora/requests and the inspector.
    const license = key ? maskedLicences.get(key) : undefined;
    if (license !== undefined) entry.license = license;
    const recorded = recordHeadersSized(request.headers);
    entry.request = body ? { headers: recorded.headers, body } : { headers: recorded.headers };
    if (ctx.error) entry.error = ctx.error;
    // The same array the context fills: a stream's later links land in the entry too.
    entry.media = ctx.links;
    ctx.onLink = (link) => {
      journal.grew(entry, linkBytes(link));
      emit('requestUpdated', entry);
    };
    journal.add(entry, recorded.bytes);
    remember(request, entry);
    emit('request', entry);
    return response;
  }

  /** The whole request, synchronous when nothing on its way waits (see route and settle). */
  function answer(request: Request, known?: { pathname: string; search: string }): Response | Promise<Response> {
    const started = performance.now();
    const startedAt = now();
    let ctx: RequestContext;
    const parts = known ?? pathAndQuery(request.url);
    if (parts) ctx = requestContext(base, request, parts.pathname, parts.search);
    else {
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return errorResponse(400, `Invalid request URL ${describeValue(String(request.url))}.`, { code: 'invalid_url' });
      }
      ctx = requestContext(base, request, url.pathname, url.search, url);
    }
    const response = route(ctx);
    if (!(response instanceof Promise)) return settle(ctx, response, started, startedAt);
    // Held until answered: Node's Request follows the signal it was built with only through a WeakRef
    // (nodejs/undici#3644, nodejs/node#55428). An in-process caller that keeps its AbortController but
    // not the Request leaves a waiting answer (a stalled generation waits for nothing but the abort)
    // unreachable; a garbage collection then drops it, the abort never arrives and the caller's
    // promise never settles.
    IN_FLIGHT.add(request);
    return response.then(
      (r) => {
        IN_FLIGHT.delete(request);
        return settle(ctx, r, started, startedAt);
      },
      (error: unknown) => {
        IN_FLIGHT.delete(request);
        throw error;
      },
    );
  }

  const mock: SoraMock<boolean> = {
    options,
    fetch(request) {
      try {
        const response = answer(request);
        return response instanceof Promise ? response : Promise.resolve(response);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    jobs(filter = {}) {
      const t = now();
      const newest = filter.limit === undefined ? andThen(jobs.all(filter.license), (all) => all.reverse()) : jobs.newest(filter.limit, filter.license);
      return andThen(newest, (found) => found.map((job) => videoResource(job, t, options.retentionSeconds)));
    },
    // O(jobs still rendering), not O(jobs): the inspector asks on every job event while a page watches.
    jobCounts: (filter = {}) => jobs.counts(now(), filter.license),
    requests(query) {
      return journal.list(query);
    },
    clientReport: () => judgeClient(journal.list(), { speed: options.speed, basePath: options.basePath, licenses: options.licenses.map((l) => l.key) }),
    entryOf: (request) => (request as Carrier)[ENTRY] ?? frozenEntries.get(request),
    faults: {
      add: (fault) => base.faults.add(fault),
      remove: (id) => base.faults.remove(id),
      clear: () => base.faults.clear(),
      list: () => base.faults.list(),
    },
    jobMedia(videoId) {
      return andThen(jobs.get(videoId), (job) => job && jobMediaPaths(options, job));
    },
    reset() {
      ids.reset();
      journal.clear();
      base.faults.reset();
      installFaults();
      offset = 0;
      return jobs.clear();
    },
    advance(ms) {
      if (!(ms >= 0) || !Number.isFinite(ms)) throw new TypeError(`advance(ms): ms must be a non-negative number, got ${ms}`);
      offset += ms;
    },
    now,
    on(event, listener) {
      listeners[event].add(listener);
      return () => {
        listeners[event].delete(listener);
      };
    },
  };
  // The synchronous answer the Node server uses on its hot path. Not enumerable, so a wrapper that
  // spreads the mock to replace `fetch` (a replay in front of it) does not carry a path around itself.
  Object.defineProperty(mock, ANSWER, { value: answer, enumerable: false });
  return mock;
}
