/**
 * The inspector: a page where a person watches a running mock (requests, video jobs with live
 * progress, the media they produced, licences, scenarios, snippets for this instance), fed by
 * server-sent events. It reads the mock only through its public surface (`requests()`, `jobs()`,
 * `jobMedia()`, `on()`), is served beside the API by the Node server, and never enters the request
 * journal itself.
 *
 * Why SSE and not WebSocket: updates flow one way, EventSource reconnects by itself, and the stream is
 * plain HTTP through the same Fetch-API bridge as the API (no upgrade handling, no extra dependency).
 */
import { cutText } from '../../spec/rules.js';
import { HttpError, errorResponse, json } from '../http.js';
import { concatBytes } from '../../util/index.js';
import { maskSecret } from '../mask.js';
import { scenarioEffect } from '../scenarios.js';
import { SCENARIO_NAMES, DEV_LICENSE, type Fault, type JobCounts, type JournalEntry, type MediaLink, type ScenarioName, type SoraMock, type VideoView } from '../types.js';
import { allOf, andThen, type MaybePromise } from '../jobs.js';
import { FAVICON_PATH, faviconPng } from './favicon.js';
import { INSPECTOR_PAGE } from './page.js';

/** The page; the rest of the inspector lives under INSPECTOR_PREFIX, beside the admin endpoints. */
export const INSPECTOR_PATH = '/';
export const INSPECTOR_PREFIX = '/__sora/inspector';

const isPage = (pathname: string) => pathname === INSPECTOR_PATH || pathname === INSPECTOR_PREFIX || pathname === `${INSPECTOR_PREFIX}/`;

/** Whether a request path is the inspector's: its page, its icon, or under INSPECTOR_PREFIX. */
export const isInspectorPath = (pathname: string): boolean => isPage(pathname) || pathname === FAVICON_PATH || pathname.startsWith(`${INSPECTOR_PREFIX}/`);

/** Where the mock mounts the inspector (every GET it answers; fetch answers an unknown name under the prefix). */
export const INSPECTOR_ROUTES: readonly string[] = [INSPECTOR_PATH, INSPECTOR_PREFIX, `${INSPECTOR_PREFIX}/`, FAVICON_PATH, `${INSPECTOR_PREFIX}/:name`];

/**
 * The page loads media with this query, so its own thumbnails and players, which go through the mock
 * like any request, are left out of the requests it shows (the mock's journal still has them).
 */
export const INSPECTOR_MEDIA_QUERY = 'via=inspector';
const isOwnMedia = (entry: JournalEntry) => entry.path.endsWith(`?${INSPECTOR_MEDIA_QUERY}`);

/** How many requests the page is sent and keeps. */
export const INSPECTOR_REQUEST_LIMIT = 200;
/** The snapshot carries the newest requests up to this many bytes of JSON (and INSPECTOR_REQUEST_LIMIT). */
export const INSPECTOR_SNAPSHOT_REQUEST_BYTES = 128 * 1024;
/** The snapshot and each `jobs` event carry the newest this many jobs, plus the counts of all. */
export const INSPECTOR_JOB_LIMIT = 100;
/** A job's prompt is cut to this many characters in the inspector (the page does not show it whole). */
const JOB_PROMPT_CHARS = 256;

/** How the inspector bounds what a viewer that does not keep up costs. */
export interface InspectorOptions {
  /**
   * A viewer whose stream has not drained for this long (updates wait for it, none is taken) is
   * dropped: its stream ends and its connection is closed. Default 30 s.
   */
  stalledViewerMs?: number;
  /** A viewer with more than this many bytes of updates waiting for it is dropped at once. Default 1 MiB. */
  maxPendingBytes?: number;
}

export const INSPECTOR_DEFAULTS = { stalledViewerMs: 30_000, maxPendingBytes: 1024 * 1024 } as const satisfies Required<InspectorOptions>;
/** While a job is queued or rendering, its progress is pushed this often. */
const JOBS_INTERVAL_MS = 400;
/** Job lists caused by requests are sent at most this often. */
const JOBS_COALESCE_MS = 50;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;


/** A journal entry as the page sees it: the licence masked, media as paths on this instance. */
export interface InspectorRequest extends Omit<JournalEntry, 'media'> {
  media: { variant: MediaLink['variant']; path: string }[];
}

export interface InspectorJob extends VideoView {
  /** Present once the job completed: where its media plays from (no licence needed). */
  media?: { video: string; thumbnail: string };
}

/** How many jobs there are in all (the page is sent only the newest INSPECTOR_JOB_LIMIT). */
export type InspectorJobCounts = JobCounts;

/** The `jobs` event. */
export interface InspectorJobsUpdate {
  now: number;
  /** The newest INSPECTOR_JOB_LIMIT jobs, newest first. */
  jobs: InspectorJob[];
  jobCounts: InspectorJobCounts;
}

export interface InspectorSnapshot {
  /** Origin + base path of the API, as the page's own request reached it. */
  apiUrl: string;
  now: number;
  startedAt: number;
  options: { seed: string; speed: number; instant: boolean; admin: boolean; cors: boolean };
  licenses: { key: string; features: string[] }[];
  /** The built-in dev licence is in force (it is public: the page may show it in snippets). */
  devLicense: string | null;
  scenarios: { name: ScenarioName; effect: string }[];
  scenarioRules: { prompt?: string; model?: string; scenario: ScenarioName }[];
  /** Run-time faults in force, oldest first. */
  faults: Fault[];
  /** The newest requests, newest first: at most INSPECTOR_REQUEST_LIMIT and INSPECTOR_SNAPSHOT_REQUEST_BYTES of them. */
  requests: InspectorRequest[];
  /** The newest INSPECTOR_JOB_LIMIT jobs, newest first. */
  jobs: InspectorJob[];
  jobCounts: InspectorJobCounts;
}

export interface Inspector {
  /** Whether a request path is the inspector's (the page, or under INSPECTOR_PREFIX). */
  owns(pathname: string): boolean;
  /**
   * Answer an inspector request. `hangUp`, when the adapter gives one, closes the connection of an
   * event stream whose viewer is dropped (one that stopped reading never sees the stream end).
   */
  fetch(request: Request, hangUp?: () => void): MaybePromise<Response>;
  /** End every open event stream (graceful shutdown) and stop listening to the mock. */
  close(): void;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return url;
  }
}

function requestView(entry: JournalEntry): InspectorRequest {
  // The journal already masks licences and secret headers.
  const { media = [], ...rest } = entry;
  return {
    ...rest,
    media: media.map((m) => ({ variant: m.variant, path: ownMedia(pathOf(m.url)) })),
  };
}

function ownMedia(path: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${INSPECTOR_MEDIA_QUERY}`;
}

const NO_STORE = { 'cache-control': 'no-store' };

/** One open event stream and what waits for it. */
interface Viewer {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /**
   * Updates not yet taken by the stream, by key: a newer `jobs` or `faults` update replaces the one
   * waiting, a request is sent again under its own key (when a stream adds media, it replaces itself).
   */
  pending: Map<string, Uint8Array>;
  pendingBytes: number;
  pendingRequests: number;
  /** Set while the stream waits for data (a read is pending): the next update goes out at once. */
  wake: (() => void) | undefined;
  /** Since when (performance.now()) updates have waited for this viewer. */
  blockedSince: number | undefined;
  hangUp: (() => void) | undefined;
}

const REQUEST_KEY = 'request:';

/**
 * `fn` of the value; with a shared job store a promise, whose failure (the store gone) is dropped: the
 * page keeps what it last showed, and a timer's callback never rejects into the process.
 */
function whenReady<T>(value: MaybePromise<T>, fn: (value: T) => void): void {
  const done = andThen(value, fn);
  if (done instanceof Promise) done.catch(() => undefined);
}

/** A shared job store that does not answer is its 503 (the envelope, Retry-After), as on the API. */
function answerOr503(answer: MaybePromise<Response>): MaybePromise<Response> {
  return answer instanceof Promise ? answer.catch((error: unknown) => (error instanceof HttpError ? error.toResponse() : Promise.reject(error))) : answer;
}

export function createInspector(mock: SoraMock<boolean>, options: InspectorOptions = {}): Inspector {
  const limits = { ...INSPECTOR_DEFAULTS, ...options };
  const startedAt = mock.now();
  const viewers = new Set<Viewer>();
  const encoder = new TextEncoder();
  let jobsTimer: ReturnType<typeof setInterval> | undefined;
  let jobsSoon: ReturnType<typeof setTimeout> | undefined;
  let keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void)[] = [];

  /** The newest jobs as the page shows them, and how many there are of each status. */
  const jobsNow = (): MaybePromise<InspectorJobsUpdate> =>
    andThen(mock.jobCounts(), (jobCounts) =>
      andThen(mock.jobs({ limit: INSPECTOR_JOB_LIMIT }), (views) =>
        andThen(allOf(views.map((job) => (job.status === 'completed' ? mock.jobMedia(job.id) : undefined))), (medias) => {
          const jobs = views.map((job, i): InspectorJob => {
            const view = job.prompt && job.prompt.length > JOB_PROMPT_CHARS ? { ...job, prompt: `${job.prompt.slice(0, JOB_PROMPT_CHARS)}…` } : job;
            const media = medias[i];
            return media ? { ...view, media: { video: ownMedia(media.video), thumbnail: ownMedia(media.thumbnail) } } : view;
          });
          return { now: mock.now(), jobs, jobCounts };
        }),
      ),
    );

  /** The newest requests, newest first, within the count and byte bounds of the snapshot. */
  const recentRequests = (): InspectorRequest[] => {
    const entries = mock.requests();
    const shown: InspectorRequest[] = [];
    let bytes = 0;
    for (let i = entries.length - 1; i >= 0 && shown.length < INSPECTOR_REQUEST_LIMIT; i--) {
      if (isOwnMedia(entries[i])) continue;
      const view = requestView(entries[i]);
      bytes += JSON.stringify(view).length;
      if (bytes > INSPECTOR_SNAPSHOT_REQUEST_BYTES) break;
      shown.push(view);
    }
    return shown;
  };

  const snapshot = (apiUrl: string): MaybePromise<InspectorSnapshot> => {
    const { options } = mock;
    const dev = options.licenses.find((l) => l.key === DEV_LICENSE.key);
    return andThen(jobsNow(), ({ jobs, jobCounts }) =>
      andThen(mock.faults.list(), (faults) => ({
        apiUrl,
        now: mock.now(),
        startedAt,
        options: { seed: options.seed, speed: options.speed, instant: options.instant, admin: options.admin, cors: options.cors },
        licenses: options.licenses.map((l) => ({ key: maskSecret(l.key), features: [...l.features] })),
        devLicense: dev ? dev.key : null,
        scenarios: SCENARIO_NAMES.map((name) => ({ name, effect: scenarioEffect(name) })),
        scenarioRules: options.scenarios.map((r) => ({ ...(r.prompt ? { prompt: r.prompt } : {}), ...(r.model ? { model: r.model } : {}), scenario: r.scenario })),
        faults,
        requests: recentRequests(),
        jobs,
        jobCounts,
      })),
    );
  };

  const frame = (event: string, data: unknown): Uint8Array => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

  /** Hand bytes to a stream that waits for them. */
  const deliver = (viewer: Viewer, bytes: Uint8Array): void => {
    const wake = viewer.wake;
    viewer.wake = undefined;
    try {
      viewer.controller.enqueue(bytes);
    } catch {
      // closed under us; its cancel tidies up
    }
    wake?.();
  };

  /**
   * An update for one viewer: out at once when its stream waits for data, else it waits, replacing the
   * update of the same key. A viewer that lets too much wait, or for too long, is dropped.
   */
  const offer = (viewer: Viewer, key: string, bytes: Uint8Array): void => {
    if (viewer.wake) {
      deliver(viewer, bytes);
      return;
    }
    const previous = viewer.pending.get(key);
    if (previous) {
      viewer.pending.delete(key);
      viewer.pendingBytes -= previous.byteLength;
    } else if (key.startsWith(REQUEST_KEY)) {
      viewer.pendingRequests++;
    }
    viewer.pending.set(key, bytes);
    viewer.pendingBytes += bytes.byteLength;
    // The page keeps only the newest requests: so does what waits for it.
    if (viewer.pendingRequests > INSPECTOR_REQUEST_LIMIT) {
      for (const [k, b] of viewer.pending) {
        if (!k.startsWith(REQUEST_KEY)) continue;
        viewer.pending.delete(k);
        viewer.pendingBytes -= b.byteLength;
        viewer.pendingRequests--;
        break;
      }
    }
    const now = performance.now();
    viewer.blockedSince ??= now;
    if (viewer.pendingBytes > limits.maxPendingBytes || now - viewer.blockedSince > limits.stalledViewerMs) drop(viewer);
  };

  const broadcast = (key: string, event: string, data: unknown): void => {
    if (viewers.size === 0) return;
    const bytes = frame(event, data);
    for (const viewer of [...viewers]) offer(viewer, key, bytes);
  };

  const rendering = (counts: JobCounts) => counts.queued + counts.in_progress > 0;

  /** Send the jobs to every viewer; then `andThen(whether some still render)`. */
  const broadcastJobs = (andThen: (active: boolean) => void = () => undefined): void => {
    if (viewers.size === 0) return andThen(false);
    whenReady(jobsNow(), (update) => {
      broadcast('jobs', 'jobs', update);
      andThen(rendering(update.jobCounts));
    });
  };

  /** Push job progress while something renders and someone watches; no timer otherwise. */
  const scheduleJobs = (): void => {
    if (jobsTimer || viewers.size === 0) return;
    whenReady(mock.jobCounts(), (counts) => {
      if (jobsTimer || viewers.size === 0 || !rendering(counts)) return;
      jobsTimer = setInterval(() => {
        broadcastJobs((active) => {
          if (active || !jobsTimer) return;
          clearInterval(jobsTimer);
          jobsTimer = undefined;
        });
      }, JOBS_INTERVAL_MS);
    });
  };

  const subscribe = (): void => {
    unsubscribe = [
      mock.on('request', (entry) => {
        if (isOwnMedia(entry)) return;
        broadcast(`${REQUEST_KEY}${entry.id}`, 'request', requestView(entry));
        // A request may have created, deleted or finished a job (or moved the clock): refresh them,
        // once per burst (a load test must not make every request pay for a list of every job).
        jobsSoon ??= setTimeout(() => {
          jobsSoon = undefined;
          broadcastJobs();
          scheduleJobs();
        }, JOBS_COALESCE_MS);
      }),
      // A streamed answer linked more media: the page replaces the row it has.
      mock.on('requestUpdated', (entry) => {
        if (!isOwnMedia(entry)) broadcast(`${REQUEST_KEY}${entry.id}`, 'request', requestView(entry));
      }),
      mock.on('faults', (faults) => broadcast('faults', 'faults', { faults })),
      mock.on('job', () => scheduleJobs()),
    ];
    const keepAlive = encoder.encode(': keep-alive\n\n');
    // Also how a stalled viewer is noticed when nothing else happens.
    keepAliveTimer = setInterval(() => {
      for (const viewer of [...viewers]) offer(viewer, 'keep-alive', keepAlive);
    }, KEEP_ALIVE_MS);
  };

  const release = (viewer: Viewer): void => {
    if (!viewers.delete(viewer)) return;
    viewer.pending.clear();
    viewer.pendingBytes = 0;
    viewer.wake?.();
    viewer.wake = undefined;
    if (viewers.size > 0) return;
    for (const stop of unsubscribe) stop();
    unsubscribe = [];
    clearInterval(keepAliveTimer);
    clearInterval(jobsTimer);
    clearTimeout(jobsSoon);
    keepAliveTimer = jobsTimer = jobsSoon = undefined;
  };

  const end = (viewer: Viewer): void => {
    release(viewer);
    try {
      viewer.controller.close();
    } catch {
      // already closed
    }
  };

  /** A viewer that does not keep up: forget what waits for it, end its stream, close its connection. */
  const drop = (viewer: Viewer): void => {
    end(viewer);
    viewer.hangUp?.();
  };

  const events = (request: Request, apiUrl: string, hangUp: (() => void) | undefined): Response => {
    let viewer: Viewer;
    // Pull-based (high-water mark 0): the stream takes data only when its consumer reads, which the
    // Node bridge does only once the socket drained. What the consumer has not asked for waits in
    // `pending`, coalesced, instead of piling up in the stream's queue.
    const stream = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          viewer = { controller, pending: new Map(), pendingBytes: 0, pendingRequests: 0, wake: undefined, blockedSince: undefined, hangUp };
          if (viewers.size === 0) subscribe();
          viewers.add(viewer);
          // The browser reconnects after 2 s if the stream drops (server restart).
          whenReady(snapshot(apiUrl), (state) => offer(viewer, 'snapshot', encoder.encode(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(state)}\n\n`)));
          scheduleJobs();
          request.signal.addEventListener('abort', () => end(viewer), { once: true });
        },
        pull() {
          viewer.blockedSince = undefined;
          if (viewer.pending.size > 0) {
            const bytes = concatBytes([...viewer.pending.values()]);
            viewer.pending.clear();
            viewer.pendingBytes = viewer.pendingRequests = 0;
            viewer.controller.enqueue(bytes);
            return;
          }
          if (!viewers.has(viewer)) return;
          return new Promise<void>((resolve) => {
            viewer.wake = resolve;
          });
        },
        cancel() {
          release(viewer);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  };

  return {
    owns: isInspectorPath,
    fetch(request, hangUp) {
      const url = new URL(request.url);
      const apiUrl = `${mock.options.publicUrl ?? url.origin}${mock.options.basePath}`;
      const route = isPage(url.pathname) ? 'page' : url.pathname === FAVICON_PATH ? 'favicon' : url.pathname.slice(INSPECTOR_PREFIX.length + 1);
      if (!['page', 'favicon', 'events', 'state', 'client-report'].includes(route)) {
        return errorResponse(404, `Unknown inspector path ${cutText(url.pathname, 200)}; the page is at ${INSPECTOR_PATH}, its data at ${INSPECTOR_PREFIX}/state, ${INSPECTOR_PREFIX}/events and ${INSPECTOR_PREFIX}/client-report.`, { code: 'unknown_route' }, NO_STORE);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return errorResponse(405, `Method ${cutText(request.method, 20)} is not allowed on ${cutText(url.pathname, 200)}; allowed: GET, HEAD.`, { code: 'method_not_allowed' }, { ...NO_STORE, allow: 'GET, HEAD' });
      }
      const head = request.method === 'HEAD';
      if (route === 'page') {
        return new Response(head ? null : INSPECTOR_PAGE, {
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            // Everything the page needs is inline or on this origin; nothing else may load.
            'content-security-policy':
              "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; media-src 'self'; base-uri 'none'; form-action 'none'",
            'x-content-type-options': 'nosniff',
          },
        });
      }
      // The client report panel asks for it as requests arrive (mock.clientReport(), its secrets already masked).
      if (route === 'client-report') {
        return head ? new Response(null, { headers: { 'content-type': 'application/json; charset=utf-8' } }) : json(mock.clientReport(), 200, NO_STORE);
      }
      if (route === 'favicon') {
        const icon = faviconPng();
        return new Response(head ? null : (icon as BodyInit), {
          headers: { 'content-type': 'image/png', 'content-length': String(icon.length), 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' },
        });
      }
      if (route === 'state') {
        return head ? new Response(null, { headers: { 'content-type': 'application/json; charset=utf-8' } }) : answerOr503(andThen(snapshot(apiUrl), (state) => json(state, 200, NO_STORE)));
      }
      if (head) return new Response(null, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' } });
      return events(request, apiUrl, hangUp);
    },
    close() {
      for (const viewer of [...viewers]) end(viewer);
    },
  };
}
