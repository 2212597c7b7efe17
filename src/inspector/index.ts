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
import { cutText } from '../spec/rules.js';
import { errorResponse, json } from '../mock/http.js';
import { maskSecret } from '../mock/mask.js';
import { scenarioEffect } from '../mock/scenarios.js';
import { SCENARIO_NAMES, DEV_LICENSE, type Fault, type JournalEntry, type MediaLink, type ScenarioName, type SoraMock, type VideoView } from '../mock/types.js';
import { INSPECTOR_PAGE } from './page.js';

/** The page; the rest of the inspector lives under INSPECTOR_PREFIX, beside the admin endpoints. */
export const INSPECTOR_PATH = '/';
export const INSPECTOR_PREFIX = '/__sora/inspector';

/**
 * The page loads media with this query, so its own thumbnails and players, which go through the mock
 * like any request, are left out of the requests it shows (the mock's journal still has them).
 */
export const INSPECTOR_MEDIA_QUERY = 'via=inspector';
const isOwnMedia = (entry: JournalEntry) => entry.path.endsWith(`?${INSPECTOR_MEDIA_QUERY}`);

/** How many requests the page is sent and keeps. */
export const INSPECTOR_REQUEST_LIMIT = 200;
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
  requests: InspectorRequest[];
  jobs: InspectorJob[];
}

export interface Inspector {
  /** Whether a request path is the inspector's (the page, or under INSPECTOR_PREFIX). */
  owns(pathname: string): boolean;
  fetch(request: Request): Response;
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

export function createInspector(mock: SoraMock): Inspector {
  const startedAt = mock.now();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let jobsTimer: ReturnType<typeof setInterval> | undefined;
  let jobsSoon: ReturnType<typeof setTimeout> | undefined;
  let keepAliveTimer: ReturnType<typeof setInterval> | undefined;
  let unsubscribe: (() => void)[] = [];

  const jobViews = (): InspectorJob[] =>
    mock.jobs().map((job) => {
      const media = job.status === 'completed' ? mock.jobMedia(job.id) : undefined;
      return media ? { ...job, media: { video: ownMedia(media.video), thumbnail: ownMedia(media.thumbnail) } } : job;
    });

  const snapshot = (apiUrl: string): InspectorSnapshot => {
    const { options } = mock;
    const dev = options.licenses.find((l) => l.key === DEV_LICENSE.key);
    return {
      apiUrl,
      now: mock.now(),
      startedAt,
      options: { seed: options.seed, speed: options.speed, instant: options.instant, admin: options.admin, cors: options.cors },
      licenses: options.licenses.map((l) => ({ key: maskSecret(l.key), features: [...l.features] })),
      devLicense: dev ? dev.key : null,
      scenarios: SCENARIO_NAMES.map((name) => ({ name, effect: scenarioEffect(name) })),
      scenarioRules: options.scenarios.map((r) => ({ ...(r.prompt ? { prompt: r.prompt } : {}), ...(r.model ? { model: r.model } : {}), scenario: r.scenario })),
      faults: mock.faults.list(),
      requests: mock
        .requests()
        .filter((entry) => !isOwnMedia(entry))
        .slice(-INSPECTOR_REQUEST_LIMIT)
        .reverse()
        .map(requestView),
      jobs: jobViews(),
    };
  };

  const broadcast = (event: string, data: unknown): void => send(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  const send = (frame: Uint8Array): void => {
    for (const controller of streams) {
      try {
        controller.enqueue(frame);
      } catch {
        streams.delete(controller); // closed under us; its cancel will tidy up
      }
    }
  };

  const activeJobs = () => mock.jobs().some((j) => j.status === 'queued' || j.status === 'in_progress');

  /** Push job progress while something renders and someone watches; no timer otherwise. */
  const scheduleJobs = (): void => {
    if (jobsTimer || streams.size === 0 || !activeJobs()) return;
    jobsTimer = setInterval(() => {
      broadcast('jobs', { now: mock.now(), jobs: jobViews() });
      if (streams.size === 0 || !activeJobs()) {
        clearInterval(jobsTimer);
        jobsTimer = undefined;
      }
    }, JOBS_INTERVAL_MS);
  };

  const subscribe = (): void => {
    unsubscribe = [
      mock.on('request', (entry) => {
        if (isOwnMedia(entry)) return;
        broadcast('request', requestView(entry));
        // A request may have created, deleted or finished a job (or moved the clock): refresh them,
        // once per burst (a load test must not make every request pay for a list of every job).
        jobsSoon ??= setTimeout(() => {
          jobsSoon = undefined;
          broadcast('jobs', { now: mock.now(), jobs: jobViews() });
          scheduleJobs();
        }, JOBS_COALESCE_MS);
      }),
      // A streamed answer linked more media: the page replaces the row it has.
      mock.on('requestUpdated', (entry) => {
        if (!isOwnMedia(entry)) broadcast('request', requestView(entry));
      }),
      mock.on('faults', (faults) => broadcast('faults', { faults })),
      mock.on('job', () => scheduleJobs()),
    ];
    const keepAlive = encoder.encode(': keep-alive\n\n');
    keepAliveTimer = setInterval(() => send(keepAlive), KEEP_ALIVE_MS);
  };

  const release = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    streams.delete(controller);
    if (streams.size > 0) return;
    for (const stop of unsubscribe) stop();
    unsubscribe = [];
    clearInterval(keepAliveTimer);
    clearInterval(jobsTimer);
    clearTimeout(jobsSoon);
    keepAliveTimer = jobsTimer = jobsSoon = undefined;
  };

  const events = (request: Request, apiUrl: string): Response => {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        self = controller;
        if (streams.size === 0) subscribe();
        streams.add(controller);
        // The browser reconnects after 2 s if the stream drops (server restart).
        controller.enqueue(encoder.encode(`retry: 2000\nevent: snapshot\ndata: ${JSON.stringify(snapshot(apiUrl))}\n\n`));
        scheduleJobs();
        request.signal.addEventListener('abort', () => {
          release(controller);
          try {
            controller.close();
          } catch {
            // already closed
          }
        }, { once: true });
      },
      cancel() {
        release(self);
      },
    });
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  };

  const isPage = (pathname: string) => pathname === INSPECTOR_PATH || pathname === INSPECTOR_PREFIX || pathname === `${INSPECTOR_PREFIX}/`;

  return {
    owns(pathname) {
      return isPage(pathname) || pathname.startsWith(`${INSPECTOR_PREFIX}/`);
    },
    fetch(request) {
      const url = new URL(request.url);
      const apiUrl = `${mock.options.publicUrl ?? url.origin}${mock.options.basePath}`;
      const route = isPage(url.pathname) ? 'page' : url.pathname.slice(INSPECTOR_PREFIX.length + 1);
      if (!['page', 'events', 'state'].includes(route)) {
        return errorResponse(404, `Unknown inspector path ${cutText(url.pathname, 200)}; the page is at ${INSPECTOR_PATH}, its data at ${INSPECTOR_PREFIX}/state and ${INSPECTOR_PREFIX}/events.`, { code: 'unknown_route' }, NO_STORE);
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
      if (route === 'state') {
        return head ? new Response(null, { headers: { 'content-type': 'application/json; charset=utf-8' } }) : json(snapshot(apiUrl), 200, NO_STORE);
      }
      if (head) return new Response(null, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' } });
      return events(request, apiUrl);
    },
    close() {
      for (const controller of [...streams]) {
        release(controller);
        try {
          controller.close();
        } catch {
          // already closed
        }
      }
    },
  };
}
