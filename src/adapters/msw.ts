/**
 * msw 2 request handlers for the mock: `setupServer(...createSoraHandlers())` in Node tests,
 * `setupWorker(...createSoraHandlers())` in a browser. No Node imports here, so the module bundles for
 * the browser as it is.
 *
 * One catch-all handler with a custom predicate rather than one handler per route: the mock routes
 * itself, so msw only has to decide which requests are the mock's (its base path, its admin path), and
 * the mock answers 404/405 for the rest of its own space exactly as the standalone server does.
 *
 * A second handler lets every non-http(s) request through untouched: the `openai` SDK probes its
 * `fetch` with `fetch('data:,')` before a multipart upload, and under `setupServer` msw 2 intercepts
 * that too, so without it `onUnhandledRequest: 'warn'` prints a warning and `'error'` fails the probe.
 *
 * Retries through msw 2: see releaseResponseClone.
 */
import { http, passthrough, type HttpHandler } from 'msw';
import { createSoraMock } from '../mock/app.js';
import { shapeResponse } from '../mock/network.js';
import type { JournalEntry, SoraMock, SoraMockOptions } from '../mock/types.js';
import { isSoraMock, ownsPath } from './common.js';
import { createReplayer, type ReplayOptions, type ReplayRecording } from '../replay/index.js';

/** The mock's own types, for code that configures or inspects it through this adapter. */
export type * from './mock-types.js';

export interface SoraHandlerOptions {
  /**
   * Origin the handlers answer on (`https://sora.test`). A URL whose path is the base path
   * (`https://sora.test/sora/v1`, what an SDK's baseURL looks like) is accepted too. Without it the
   * handlers answer the mock's paths on every origin.
   */
  baseUrl?: string;
  /**
   * Recordings (parsed HAR of `sora-kit proxy --record`) to answer from: a request that matches one
   * gets the recorded answer (src/replay/replayer.ts), the rest go to the mock, or with `strict` get
   * a 404 naming the closest recording.
   */
  replay?: ReplayRecording | readonly ReplayRecording[] | ReplaySettings;
}

/** Recordings with the replay's options. */
export interface ReplaySettings extends ReplayOptions {
  recordings: ReplayRecording | readonly ReplayRecording[];
  /** Answer unmatched API requests 404 naming the closest recording, instead of the mock. */
  strict?: boolean;
}

const isReplaySettings = (value: unknown): value is ReplaySettings => typeof value === 'object' && value !== null && 'recordings' in value;

/** The handlers, with the mock behind them for state inspection (`handlers.mock.jobs()`). */
export type SoraHandlers = HttpHandler[] & { readonly mock: SoraMock };

function originOf(baseUrl: string, basePath: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`createSoraHandlers: baseUrl '${baseUrl}' is not an absolute URL; give an origin such as 'https://sora.test'.`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && path !== basePath) {
    throw new TypeError(
      `createSoraHandlers: baseUrl '${baseUrl}' has path '${url.pathname}'; give an origin ('${url.origin}') or the origin with the base path ('${url.origin}${basePath}').`,
    );
  }
  return url.origin;
}

export function createSoraHandlers(
  options: (SoraMockOptions & SoraHandlerOptions) | SoraMock = {},
  handlerOptions: SoraHandlerOptions = {},
): SoraHandlers {
  const mock = isSoraMock(options) ? options : createSoraMock(options);
  const baseUrl = isSoraMock(options) ? handlerOptions.baseUrl : (handlerOptions.baseUrl ?? options.baseUrl);
  const { basePath } = mock.options;
  const origin = baseUrl === undefined ? undefined : originOf(baseUrl, basePath);

  const replayOption = isSoraMock(options) ? handlerOptions.replay : (handlerOptions.replay ?? options.replay);
  const replay: ReplaySettings | undefined =
    replayOption === undefined ? undefined : isReplaySettings(replayOption) ? replayOption : { recordings: replayOption };
  const replayer = replay && createReplayer(replay.recordings, { speed: replay.speed, basePath: replay.basePath ?? basePath });

  /**
   * A network fault the mock chose for this answer, as close as a Fetch Response comes (network.ts):
   * a delay, a paced body, or a body that errors after `bytes` (a network error when 0). Unlike the
   * Node server's, the status and headers always arrive.
   */
  const withNetworkFault = async (request: Request): Promise<Response> => {
    let network: JournalEntry['network'];
    const response = await mock.answer(request, { onSettled: (entry) => (network = entry.network) });
    return network ? shapeResponse(response, network, request.signal) : response;
  };

  const owns = (url: URL): boolean =>
    (origin === undefined || url.origin === origin) && (ownsPath(mock, url.pathname) || (replayer?.owns(url.pathname) ?? false));

  const handler = http.all(
    ({ request }) => owns(new URL(request.url)),
    async ({ request }) => {
      if (!replayer) return withNetworkFault(request);
      const recorded = await replayer.answer(request);
      if (recorded) return recorded;
      // Strict: API requests no recording matches are a 404 naming the closest; the mock's own /__sora/* stays the mock's.
      return replay?.strict && !new URL(request.url).pathname.startsWith('/__sora/') ? replayer.notFound(request) : withNetworkFault(request);
    },
  );
  const notHttp = http.all(
    ({ request }) => !/^https?:$/.test(new URL(request.url).protocol),
    () => passthrough(),
  );
  return Object.assign([handler, notHttp], { mock });
}

/**
 * A listener for msw's `response:mocked` event that lets clients retry:
 *
 *   server.events.on('response:mocked', releaseResponseClone);
 *
 * msw 2 (on @mswjs/interceptors 0.41) hands `server.events` a clone of every mocked response, and a
 * clone nobody reads keeps the client's `response.body.cancel()` from ever settling: the two are
 * branches of one stream, and a branch's cancel waits for the other's (mswjs/interceptors#712, #799;
 * fixed in @mswjs/interceptors 0.42, which msw 2 does not use). The `openai` SDK cancels the body of a
 * 5xx or 429 before it retries, so its default retries hang on a run-time fault (`mock.faults.add`)
 * or a `Prefer: scenario=` answer. No way around it exists in how the handlers build their answers:
 * msw makes its clone of whatever they return. This cancels each clone that no listener has started
 * reading by the next macrotask (a listener that reads one should start at once), which settles the
 * client's cancel. The other way out is a client that does not retry (`maxRetries: 0`).
 */
export function releaseResponseClone({ response }: { response: Response }): void {
  setTimeout(() => {
    if (response.body && !response.body.locked) void response.body.cancel().catch(() => undefined);
  }, 0);
}
