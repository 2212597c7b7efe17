/**
 * The reference mock of `/sora/v1` as one transport-free application: a Fetch API `Request` in, a
 * `Response` out. The msw handlers, the Node server and the Express middleware are thin adapters
 * around `mock.answer` (`mock.fetch`). Every request runs the one flow CONTRIBUTING.md describes
 * ("The request flow"; steps.ts, pipeline.ts); specs/mock.md has every decision.
 */
import { DEFAULT_MEDIA_CACHE_BYTES, DEFAULT_SEED, createMediaStore } from '../media/index.js';
import { BASE_PATH } from '../spec/operations.js';
import { describeValue } from '../spec/rules.js';
import type { MockContext, RequestContext } from './context.js';
import { FILES_SEGMENT, requestContext } from './context.js';
import { judgeClient } from './client-report.js';
import { createLinkSigner } from './links.js';
import { errorResponse, json } from './http.js';
import { createIdSource } from './ids.js';
import { checkFetchRules } from './inputs.js';
import { allOf, andThen, type JobStore } from './jobs.js';
import { MemoryJobStore } from './memory-store.js';
import { videoResource } from './timeline.js';
import { jobMediaPaths } from './start-job.js';
import { Router } from './router.js';
import { FaultInput, createFaultRegistry, type FaultRegistry } from './faults.js';
import { maskSecret } from './mask.js';
import { createJournal } from './journal.js';
import { compose } from './flow.js';
import { linkedLaterFor, routeSteps, sharedSteps } from './steps.js';
import { pathAndQuery } from '../util/index.js';
import { adminGuardSteps, inspectorGuardSteps, isAdminPath } from './admin-guard.js';
import { INSPECTOR_ROUTES, createInspector, type Inspector } from './inspector/index.js';
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
  type AnswerOptions,
  type Fault,
  type ResolvedSoraMockOptions,
  type SoraMock,
  type SoraMockEvents,
  type SoraMockOptions,
} from './types.js';


/** Each operation of the table (spec/operations.ts) and the handler that ends its pipeline; the type says none is missing. */
const HANDLERS: OperationHandlers = { ...chatHandlers, ...imageHandlers, ...videoHandlers, ...modelHandlers };

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
    inspector: options.inspector === true ? {} : options.inspector || false,
  };
}

/**
 * The run-time faults a shared store keeps (replicas fire the same ones), or undefined. A change this
 * mock makes is announced as the `faults` event, read back from the store only when someone listens.
 */
function sharedFaults(jobs: JobStore, registry: () => FaultRegistry, emit: (event: 'faults', faults: Fault[]) => void, listening: () => boolean): FaultRegistry | undefined {
  return jobs.sharedFaults?.(() => {
    if (!listening()) return;
    Promise.resolve(registry().list()).then(
      (list) => emit('faults', list),
      () => undefined,
    );
  });
}

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
    faults: sharedFaults(jobs, () => base.faults, emit, () => listeners.faults.size > 0) ?? createFaultRegistry((list) => emit('faults', list)),
    emitJob: (event) => emit('job', event),
    linkedLater: linkedLaterFor(journal, emit),
  };

  // The configured faults are in force from the start (put there once for all replicas of a shared
  // store), and again after each reset. A shared registry that cannot install now tries again when used.
  const installing = base.faults.install(options.faults);
  if (installing instanceof Promise) installing.catch(() => undefined);

  // The flow (steps.ts): the shared steps, then the route's own, each list composed once.
  const listener = input.onStep && ((step: string, ctx: RequestContext) => input.onStep?.(step, ctx.request));
  const api = new Router<RequestContext>();
  const p = options.basePath;
  mountOperations(api, p, HANDLERS, listener);
  // The mock's own routes, outside the platform's operations: stateless media links need no licence.
  api.on('GET', `${p}/${FILES_SEGMENT}/:name`, compose([{ name: 'handler', run: (ctx) => filesRoute(ctx, (ctx.match as NonNullable<RequestContext['match']>).params) }], listener));
  // Liveness for load balancers, process managers and CI scripts: no licence, never admin-gated.
  const startedAt = now();
  // It answers 200 while the process runs; `store.ok` (and `status`) say whether the job store answers.
  const health = () =>
    andThen(jobs.health(), ({ jobs: count, ...store }) =>
      json({ status: store.ok ? 'ok' : 'degraded', basePath: p, uptimeSeconds: Math.max(0, Math.floor((now() - startedAt) / 1000)), jobs: count, store }),
    );
  api.on('GET', `${ADMIN_PREFIX}/health`, compose([{ name: 'handler', run: health }], listener));
  if (options.admin) {
    // Then the token, then the body type, before an admin route runs (admin-guard.ts).
    const admin = (run: (ctx: RequestContext) => Response | Promise<Response>) => compose([...adminGuardSteps(options.adminToken), { name: 'handler', run }], listener);
    api
      .on('GET', `${ADMIN_PREFIX}/state`, admin((ctx) => adminState(ctx, mock)))
      .on('GET', `${ADMIN_PREFIX}/requests`, admin((ctx) => adminRequests(ctx, mock)))
      .on('GET', `${ADMIN_PREFIX}/client-report`, admin(() => json(mock.clientReport())))
      .on('POST', `${ADMIN_PREFIX}/reset`, admin((ctx) => adminReset(ctx, mock)))
      .on('POST', `${ADMIN_PREFIX}/advance`, admin((ctx) => adminAdvance(ctx, mock)))
      .on('POST', `${ADMIN_PREFIX}/faults`, admin((ctx) => adminAddFault(ctx, mock)))
      .on('GET', `${ADMIN_PREFIX}/faults`, admin((ctx) => adminListFaults(ctx, mock)))
      .on('DELETE', `${ADMIN_PREFIX}/faults`, admin((ctx) => adminClearFaults(ctx, mock)))
      .on('DELETE', `${ADMIN_PREFIX}/faults/:fault_id`, admin((ctx) => adminDeleteFault(ctx, mock, (ctx.match as NonNullable<RequestContext['match']>).params.fault_id)));
  }
  // The inspector's page and data are routes too, so every adapter serves them; made once the mock is.
  let inspector: Inspector | undefined;
  if (options.inspector) {
    const run = compose([...inspectorGuardSteps(options.adminToken), { name: 'handler', run: (ctx) => (inspector as Inspector).fetch(ctx.request, () => ctx.transport?.hangUp?.()) }], listener);
    for (const path of INSPECTOR_ROUTES) api.on('GET', path, run);
  }
  const surfaceOf = (path: string) => (inspector?.owns(path) ? 'inspector' : isAdminPath(path) ? 'admin' : 'api');
  const flow = compose(sharedSteps({ api, journal, maskedLicences, emit, surfaceOf }), listener, routeSteps);

  /** The whole request, synchronous when nothing on its way waits (flow.ts). */
  function answer(request: Request, transport?: AnswerOptions): Response | Promise<Response> {
    const parts = transport?.parts ?? pathAndQuery(request.url);
    if (parts) return flow(requestContext(base, request, parts.pathname, parts.search, undefined, transport));
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(400, `Invalid request URL ${describeValue(String(request.url))}.`, { code: 'invalid_url' });
    }
    return flow(requestContext(base, request, url.pathname, url.search, url, transport));
  }

  const mock: SoraMock<boolean> = {
    options,
    answer,
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
    faults: {
      add: (fault) => base.faults.add(fault),
      remove: (id) => base.faults.remove(id),
      clear: () => base.faults.clear(),
      list: () => base.faults.list(),
    },
    jobMedia(videoId) {
      return andThen(jobs.get(videoId), (job) => job && jobMediaPaths(options, job));
    },
    close() {
      inspector?.close();
    },
    reset() {
      ids.reset();
      journal.clear();
      offset = 0;
      return andThen(allOf([base.faults.reset(options.faults), jobs.clear()]), () => undefined);
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
  if (options.inspector) inspector = createInspector(mock, options.inspector);
  return mock;
}
