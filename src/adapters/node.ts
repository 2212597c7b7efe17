/**
 * The standalone Node server: node:http in front of the transport-free mock, with no framework on the
 * hot path. The node:http <-> Fetch bridge is @hono/node-server's `getRequestListener`: it builds the
 * Request lazily (a GET that never touches its body never pays for a stream), streams Response bodies
 * with back-pressure, cancels the body reader when the client goes away and aborts `request.signal`.
 * Measured against a hand-written bridge (Readable.toWeb + eager Request) on GET /videos/{id}: see
 * bench/server.ts, which prints both against a bare node:http baseline.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createInspector, type Inspector, type InspectorOptions } from '../inspector/index.js';
import { isAdminPath, refuseCrossOrigin, refuseWithoutToken } from '../mock/admin-guard.js';
import { ANSWER, createSoraMock, type AnswerNow } from '../mock/app.js';
import { errorResponse, HttpError } from '../mock/http.js';
import type { SoraMock, SoraMockOptions } from '../mock/types.js';
import { errorEnvelope } from '../spec/schemas/index.js';
import { pathAndQuery } from '../util/index.js';
import { allowedHostNames, isLoopbackHost } from '../util/host-guard.js';
import { isSoraMock } from './common.js';
import { createMediaPool, defaultMediaThreads, type MediaPool } from './media-pool.js';
import { enactOnSocket } from './socket-faults.js';

/** The mock's own types, for code that configures or inspects it through this adapter. */
export type * from './mock-types.js';
/** Kept here for callers of this entry point; the guard's own module is util/host-guard.ts. */
export { isLoopbackHost } from '../util/host-guard.js';
export { createMediaPool, defaultMediaThreads, type MediaPool, type MediaPoolOptions } from './media-pool.js';

/** One line of the access log, reported when the response is finished or the client went away. */
export interface AccessLogEntry {
  method: string;
  /** Path and query as received. */
  url: string;
  status: number;
  /** Wall-clock duration until the last byte was written (or the connection closed). */
  durationMs: number;
  /** Body length when the response declared one (streams do not). */
  bytes?: number;
  /** True when the connection closed before the response was complete. */
  aborted: boolean;
  /** For error answers: the envelope's code. */
  code?: string;
  /** The scenario that shaped the answer, and the run-time fault that chose it. */
  scenario?: string;
  fault?: string;
}

export interface SoraServerOptions {
  /** Called once per request; `sora-kit serve` prints these. */
  onResponse?: (entry: AccessLogEntry) => void;
  /**
   * How long close() lets responses whose headers are not yet sent finish before it cuts their
   * connections (streams that already started are ended at once). Default 2000 ms.
   */
  shutdownGraceMs?: number;
  /**
   * Let @hono/node-server replace the global Request/Response with its lighter versions. Faster, but
   * it changes globals for the whole process, so it is for processes that only serve (the CLI).
   */
  overrideGlobalObjects?: boolean;
  /**
   * Serve the inspector page at `/` (data under `/__sora/inspector/`): requests, jobs with live
   * progress, media, licences (masked), scenarios and snippets. Off by default; `sora-kit serve` turns
   * it on. Its own requests do not enter the mock's journal. An object turns it on with its bounds on
   * viewers that do not keep up (InspectorOptions).
   */
  inspector?: boolean | InspectorOptions;
  /**
   * Host names (beside the bound address) under which `/__sora/*` and the inspector answer; any other
   * `Host` header is a 403 `host_not_allowed`, which is what defeats DNS rebinding. An entry is an
   * exact name (`mock.test`, `192.168.1.5`, `[fe80::1]`) or `.domain` for the domain and its
   * subdomains. The API under the base path answers any Host.
   */
  allowedHosts?: string[];
  /**
   * How long a request's headers and body may take to arrive, from its first byte, before it is
   * answered 408 `request_timeout` and its connection closed. Default 60 000 ms (node:http's own is 300 s).
   */
  bodyTimeoutMs?: number;
  /**
   * Worker threads that generate media (media-pool.ts), so a video being encoded never holds up other
   * requests; they start with the first media request and stop on close(). Default: one per core
   * (os.availableParallelism()); 0 generates on the request loop. Only when the server creates the
   * mock: for a SoraMock of your own, give createSoraMock `renderMedia: createMediaPool().render`.
   */
  mediaWorkers?: number;
}

/** The default of `bodyTimeoutMs`. */
export const DEFAULT_BODY_TIMEOUT_MS = 60_000;

export interface ListenOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: the mock is a development tool and should not be reachable from the network unasked. */
  host?: string;
}

/** `A`: whether the mock's job reads answer promises (a shared `jobStore`; see SoraMock). */
export interface SoraServer<A extends boolean = false> {
  readonly mock: SoraMock<A>;
  readonly server: Server;
  /** The worker threads that generate media (`mediaWorkers`), when the server runs them. */
  readonly mediaPool: MediaPool | undefined;
  /** The base origin once listening (`http://127.0.0.1:4010`), else undefined. */
  readonly url: string | undefined;
  listen(options?: ListenOptions): Promise<{ url: string; port: number; host: string }>;
  /** Stop accepting, end in-flight streams, resolve when every connection is closed. Idempotent. */
  close(): Promise<void>;
}

/** The adapter's own errors (before the mock sees a request) use the mock's envelope, as raw bytes for a bare socket. */
const rawEnvelope = (message: string, code: string, type: 'invalid_request_error' | 'server_error' = 'invalid_request_error') =>
  JSON.stringify(errorEnvelope(message, { type, param: null, code }));

/** A whole HTTP/1.1 answer for a socket no ServerResponse speaks on (clientError, CONNECT). */
function rawAnswer(status: string, body: string, extra = ''): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`;
}

/** Where a response keeps the Request it answers (a property: a WeakMap entry per request costs more). */
const ANSWERED = Symbol('sora-kit answered request');
type Answering = ServerResponse & { [ANSWERED]?: Request };
/** Where a socket keeps the response it is answering (a property, for the same reason). */
const ANSWERING = Symbol('sora-kit answering response');
type AnsweringSocket = Socket & { [ANSWERING]?: ServerResponse };

/** The last request's raw headers on a socket and the Headers made of them (headersOf). */
const LAST_HEADERS = Symbol('sora-kit last headers');
type HeadersSocket = Socket & { [LAST_HEADERS]?: { raw: string[]; headers: Headers } };

function sameStrings(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The request's Headers, made as the bridge would make them (every raw header appended in order, HTTP/2
 * pseudo-headers left out) but with `append` rather than the constructor's sequence conversion, which
 * costs twice as much; set on the bridge's lightweight Request before anything reads them. Should a
 * header not convert, nothing is set and the bridge's own lazy Headers fail where they are read, as before.
 *
 * A keep-alive client (a poll loop, an SDK) sends the same headers request after request: when a
 * request's raw headers equal the previous one's on its socket, it gets the same Headers object (the
 * mock only reads request headers), and with it what the journal recorded of them.
 */
function headersOf(request: Request, incoming: IncomingMessage): void {
  const raw = incoming.rawHeaders;
  const socket = incoming.socket as HeadersSocket | null;
  const last = socket?.[LAST_HEADERS];
  let headers: Headers;
  if (last && sameStrings(last.raw, raw)) headers = last.headers;
  else {
    headers = new Headers();
    try {
      for (let i = 0; i < raw.length; i += 2) if (raw[i].charCodeAt(0) !== 58) headers.append(raw[i], raw[i + 1]);
    } catch {
      return;
    }
    if (socket) socket[LAST_HEADERS] = { raw, headers };
  }
  const slot = headersSlot(request);
  if (slot) (request as unknown as Record<symbol, Headers>)[slot] = headers;
  else Object.defineProperty(request, 'headers', { value: headers, enumerable: false, configurable: true, writable: false });
}

/**
 * Where the bridge's lightweight Request keeps the Headers its `headers` getter made: found once, on a
 * request that has not read them yet, as the own symbol property reading them adds. A plain store there
 * costs a fraction of the defineProperty it replaces (a runtime call and a new shape per request, the
 * largest of the adapter's own costs in a profile under load). The slot is the bridge's private detail,
 * so it is used only when this check proves it: the getter answers the Headers stored there. Otherwise
 * (null) every request gets defineProperty, as before.
 */
let slotOf: symbol | null | undefined;
function headersSlot(request: Request): symbol | null {
  if (slotOf !== undefined) return slotOf;
  const before = new Set(Object.getOwnPropertySymbols(request));
  let found: symbol | null = null;
  try {
    void request.headers;
    const added = Object.getOwnPropertySymbols(request).filter((k) => !before.has(k));
    if (added.length === 1) {
      const probe = new Headers();
      const carrier = request as unknown as Record<symbol, Headers>;
      const own = carrier[added[0]];
      carrier[added[0]] = probe;
      if (request.headers === probe) found = added[0];
      carrier[added[0]] = own;
    }
  } catch {
    // a Request whose headers cannot be read here: keep defineProperty
  }
  slotOf = found;
  return found;
}

/**
 * The Content-Length a response declared. The bridge passes its headers to writeHead as an object,
 * which node:http writes out without keeping them for getHeader; what it keeps is `_contentLength`, the
 * declared length (or the one it computed for a body given whole to end()), null for a stream. Read
 * only where getHeader has none, and only when it is a length.
 */
function declaredLength(outgoing: ServerResponse): number | undefined {
  const set = outgoing.getHeader('content-length');
  if (set !== undefined) return Number(set);
  const kept = (outgoing as ServerResponse & { _contentLength?: unknown })._contentLength;
  return typeof kept === 'number' && Number.isSafeInteger(kept) && kept >= 0 ? kept : undefined;
}

/** The frame that ends a stream cut by close(): OpenAI's in-band error, then `[DONE]`, as every in-band error of the mock. */
const SHUTDOWN_MESSAGE = 'The server is shutting down; this answer is incomplete. Retry against a running server.';
const shutdownFrame = new TextEncoder().encode(
  `data: ${JSON.stringify(errorEnvelope(SHUTDOWN_MESSAGE, { type: 'server_error', param: null, code: 'server_shutting_down' }))}\n\ndata: [DONE]\n\n`,
);

export function createSoraServer<A extends boolean = false>(
  options: (SoraMockOptions<A> & SoraServerOptions) | SoraMock<A> = {},
  serverOptions: SoraServerOptions = {},
): SoraServer<A> {
  const given = isSoraMock(options) ? (options as SoraMock<A>) : undefined;
  const own = options as SoraMockOptions<boolean> & SoraServerOptions;
  const settings: SoraServerOptions = given ? serverOptions : { ...own, ...serverOptions };
  const mediaPool = given ? undefined : mediaPoolFor(settings.mediaWorkers, own.renderMedia);
  const mock = given ?? (createSoraMock(mediaPool ? { ...own, renderMedia: mediaPool.render } : own) as SoraMock<A>);
  if (given && settings.mediaWorkers) {
    throw new TypeError('mediaWorkers applies to a mock the server creates; give your createSoraMock `renderMedia: createMediaPool().render` instead.');
  }
  const graceMs = settings.shutdownGraceMs ?? 2000;
  const bodyTimeoutMs = settings.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!(bodyTimeoutMs > 0) || !Number.isFinite(bodyTimeoutMs)) throw new TypeError(`bodyTimeoutMs ${bodyTimeoutMs} must be a positive number of milliseconds.`);
  const inFlight = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  // Event streams close() ends with the shutdown frame, by the response that carries them.
  const streamEnders = new Map<ServerResponse, () => void>();
  let closing: Promise<void> | undefined;
  let shuttingDown = false;
  // Requests the mock is still answering, each woken by close(). Not a race against one shared promise
  // that settles only at close: every request's reaction on it would keep its answer reachable (a leak
  // of a few KB per request for the life of the server).
  const waiting = new Set<() => void>();
  const announceShutdown = () => {
    for (const wake of waiting) wake();
    waiting.clear();
  };
  const answerOrShutdown = (answer: Promise<Response>) =>
    new Promise<Response | 'shutdown'>((resolve, reject) => {
      const wake = () => resolve('shutdown');
      waiting.add(wake);
      answer.then(
        (response) => {
          waiting.delete(wake);
          resolve(response);
        },
        (error: unknown) => {
          waiting.delete(wake);
          reject(error);
        },
      );
    });
  let url: string | undefined;
  // Set when the server is listening: which Host names the mock's own surface answers, and whether
  // only this machine can reach it (then the inspector needs no token).
  let hostAllowed: (host: string | undefined) => boolean = allowedHostNames('127.0.0.1', settings.allowedHosts ?? [], mock.options.publicUrl);
  let loopbackBind = true;

  const inspector: Inspector | undefined = settings.inspector ? createInspector(mock, settings.inspector === true ? {} : settings.inspector) : undefined;
  // The Request each response answered rides on the response (AnsweredRequest), for the access log's
  // journal facts (code, scenario, fault).

  const shuttingDownAnswer = () =>
    errorResponse(503, SHUTDOWN_MESSAGE, { type: 'server_error', param: null, code: 'server_shutting_down' }, { 'retry-after': '1' });

  /** Carry an event stream through a transform close() can end: the shutdown frame, then the end (which cancels the mock's stream). */
  const endable = (response: Response, headers: Headers, outgoing: ServerResponse): Response => {
    let end = () => {};
    const cut = new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        end = () => {
          try {
            controller.enqueue(shutdownFrame);
            controller.terminate();
          } catch {
            // the stream already ended
          }
        };
      },
    });
    streamEnders.set(outgoing, end);
    outgoing.once('close', () => streamEnders.delete(outgoing));
    return new Response((response.body as ReadableStream<Uint8Array>).pipeThrough(cut), { status: response.status, headers });
  };

  // The mock's answer as soon as it is ready: a read answered from memory comes back as a Response,
  // which the bridge writes in the same turn (no promise, no race with close()).
  const answerNow: AnswerNow = (mock as Partial<Record<typeof ANSWER, AnswerNow>>)[ANSWER] ?? ((request) => mock.fetch(request));

  // Only a POST can answer an event stream here (chat completions), so the hot path (GETs) never looks.
  // Headers before body: with overrideGlobalObjects the bridge's lightweight Response rebuilds itself
  // from the init it was made with on the first read of `body`, dropping headers set on it since (the
  // mock's CORS headers), so `body` is read only for a stream or a network fault (socket-faults.ts,
  // enacted first, on the socket), each carrying the headers read first.
  const carry = (request: Request, answer: Response, outgoing: ServerResponse): Response | Promise<Response> => {
    const network = mock.entryOf(request)?.network;
    if (network) {
      const headers = answer.headers;
      return enactOnSocket(new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers }), network, outgoing);
    }
    if (request.method !== 'POST' || answer.status !== 200) return answer;
    const headers = answer.headers;
    return (headers.get('content-type') ?? '').startsWith('text/event-stream') && answer.body ? endable(answer, headers, outgoing) : answer;
  };

  const api = (
    request: Request,
    env: { outgoing: ServerResponse; incoming: IncomingMessage },
    parts: { pathname: string; search: string } | undefined,
  ): Response | Promise<Response> => {
    if (settings.onResponse) (env.outgoing as Answering)[ANSWERED] = request;
    if (shuttingDown) return shuttingDownAnswer();
    const answer = answerNow(request, parts);
    // Answered in this turn: close() cannot have come in between.
    if (!(answer instanceof Promise)) return carry(request, answer, env.outgoing);
    return answerOrShutdown(answer).then((first) => {
      if (first !== 'shutdown') return carry(request, first, env.outgoing);
      // close() came while the mock still works on this request (a stall, a slow render): it gets a
      // 503 now, written here and never ended: once it is out the response is destroyed unfinished,
      // which is what makes the bridge abort the request's signal, so the mock stops working on it
      // (a finished response would leave a stalled render polling forever). The client has the whole
      // answer (Content-Length, Connection: close). The mock's late answer is dropped.
      void answer.then((late) => late.body?.cancel().catch(() => undefined), () => undefined);
      const { outgoing } = env;
      if (!outgoing.headersSent) {
        const body = rawEnvelope(SHUTDOWN_MESSAGE, 'server_shutting_down', 'server_error');
        outgoing.writeHead(503, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'retry-after': '1',
          connection: 'close',
        });
        outgoing.write(body, () => outgoing.destroy());
      }
      return RESPONSE_ALREADY_SENT;
    });
  };

  /**
   * The mock's own surface (`/__sora/*`, the inspector) answers only under this server's own host
   * names (DNS rebinding). The inspector, which the mock does not serve, also refuses other origins
   * here, and on a non-loopback bind asks for the admin token (Basic credentials too, which a browser
   * prompts for). Everything else about `/__sora/*` is the mock's (src/mock/admin-guard.ts).
   */
  const refuseOnSurface = (request: Request, forInspector: boolean): Response | undefined => {
    const host = request.headers.get('host') ?? '';
    if (!hostAllowed(host)) {
      return new HttpError(
        403,
        `Host '${host.slice(0, 80)}' is not a name of this server; /__sora/* and the inspector answer only under its own names (add more with --allowed-hosts).`,
        { type: 'invalid_request_error', param: null, code: 'host_not_allowed' },
        { 'cache-control': 'no-store' },
      ).toResponse();
    }
    if (!forInspector) return undefined;
    const refusal =
      refuseCrossOrigin(request, new URL(request.url), mock.options.publicUrl) ??
      (loopbackBind ? undefined : refuseWithoutToken(request, mock.options.adminToken, { basic: true }));
    return refusal?.toResponse();
  };

  const handle = (request: Request, env: { outgoing: ServerResponse; incoming: IncomingMessage }): Response | Promise<Response> => {
    headersOf(request, env.incoming);
    // Read once here, for the surface check and for the mock.
    const parts = pathAndQuery(request.url);
    const path = parts?.pathname ?? '/';
    const forInspector = inspector?.owns(path) ?? false;
    if (forInspector || isAdminPath(path)) {
      const refused = refuseOnSurface(request, forInspector);
      if (refused) return refused;
    }
    // A dropped inspector viewer's connection is closed here: one that stopped reading would never see its stream end.
    return forInspector ? (inspector as Inspector).fetch(request, () => env.outgoing.destroy()) : api(request, env, parts);
  };

  const bridge = getRequestListener(handle as Parameters<typeof getRequestListener>[0], {
    overrideGlobalObjects: settings.overrideGlobalObjects ?? false,
    errorHandler: (error) =>
      error instanceof RequestError
        ? errorResponse(400, `The request could not be read: ${error.message}.`, { type: 'invalid_request_error', param: null, code: 'bad_request' })
        : // The mock's own failure, never the client's: the same code the mock gives its crashes.
          errorResponse(500, `The mock failed: ${error instanceof Error ? error.message : String(error)}.`, { type: 'server_error', param: null, code: 'mock_internal_error' }),
  });

  /** An envelope written straight to a response the bridge never sees. */
  const answerDirectly = (outgoing: ServerResponse, status: number, message: string, code: string) => {
    const body = rawEnvelope(message, code);
    outgoing.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
    outgoing.end(body);
  };

  const server = createServer(
    {
      // node:http would answer these with an empty 400; the handler below answers with the envelope.
      requireHostHeader: false,
      // A request's headers and body must arrive within bodyTimeoutMs (node's default would let a
      // trickling body hold a connection for 300 s); checked every tenth of that, at most every 5 s.
      requestTimeout: bodyTimeoutMs,
      headersTimeout: Math.min(bodyTimeoutMs, 60_000),
      connectionsCheckingInterval: Math.min(5000, Math.max(50, Math.round(bodyTimeoutMs / 10))),
    },
    (incoming: IncomingMessage, outgoing: ServerResponse) => {
      const started = performance.now();
      inFlight.add(outgoing);
      // The response the socket is answering, so a late transport error never writes over one under way.
      (incoming.socket as AnsweringSocket)[ANSWERING] = outgoing;
      if (closing) outgoing.setHeader('connection', 'close');
      // A response closes once: `on`, not `once` (no wrapper per request).
      outgoing.on('close', () => {
        inFlight.delete(outgoing);
        const onResponse = settings.onResponse;
        if (!onResponse) return;
        const request = (outgoing as Answering)[ANSWERED];
        const entry = request ? mock.entryOf(request) : undefined;
        const length = declaredLength(outgoing);
        const line: AccessLogEntry = {
          method: incoming.method ?? 'GET',
          url: incoming.url ?? '/',
          status: outgoing.statusCode,
          durationMs: performance.now() - started,
          bytes: length,
          aborted: !outgoing.writableFinished,
        };
        // Set only when there is one, in this order (no spreads on every request).
        if (entry?.error?.code) line.code = entry.error.code;
        if (entry?.scenario) line.scenario = entry.scenario;
        if (entry?.fault) line.fault = entry.fault.id;
        onResponse(line);
      });
      if (!incoming.headers.host) {
        answerDirectly(outgoing, 400, 'The request has no Host header; HTTP/1.1 requires one (it names the server, e.g. Host: 127.0.0.1:4010).', 'missing_host');
        return;
      }
      void bridge(incoming, outgoing);
    },
  );

  // node:http answers unparsable requests itself with an empty 400 (and timeouts with an empty 408);
  // answer with the JSON envelope instead, unless a response is already under way on the socket.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const current = (socket as AnsweringSocket)[ANSWERING];
    if (!socket.writable || error.code === 'ECONNRESET' || (current?.headersSent && !current.writableEnded)) {
      socket.destroy();
      return;
    }
    const answer =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? rawAnswer(
            '408 Request Timeout',
            rawEnvelope(`The request did not arrive within ${bodyTimeoutMs / 1000} s (headers and body); the connection is closed.`, 'request_timeout'),
          )
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? rawAnswer('431 Request Header Fields Too Large', rawEnvelope('The request headers are larger than this server accepts (16 KiB).', 'headers_too_large'))
          : rawAnswer('400 Bad Request', rawEnvelope(`The request is not valid HTTP/1.1 (${error.code ?? error.message}).`, 'bad_request'));
    socket.end(answer, () => socket.destroy());
  });
  // Only `Expect: 100-continue` is understood (node answers it); anything else is a 417 envelope.
  server.on('checkExpectation', (incoming: IncomingMessage, outgoing: ServerResponse) => {
    answerDirectly(outgoing, 417, `Expect '${String(incoming.headers.expect).slice(0, 80)}' cannot be met; this server understands only 'Expect: 100-continue'.`, 'expectation_failed');
  });
  // CONNECT (a proxy tunnel) is not something the mock is: 405, where node would close without a word.
  server.on('connect', (incoming: IncomingMessage, socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.end(
      rawAnswer(
        '405 Method Not Allowed',
        rawEnvelope(`Method CONNECT is not allowed on ${String(incoming.url).slice(0, 80)}; this is not a proxy. Allowed: GET, HEAD, POST, DELETE, OPTIONS.`, 'method_not_allowed'),
        'allow: GET, HEAD, POST, DELETE, OPTIONS\r\n',
      ),
      () => socket.destroy(),
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('listening', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') return;
    hostAllowed = allowedHostNames(address.address, settings.allowedHosts ?? [], mock.options.publicUrl);
    loopbackBind = isLoopbackHost(address.address);
  });

  return {
    mock,
    server,
    mediaPool,
    get url() {
      return url;
    },
    listen({ port = 0, host = '127.0.0.1' }: ListenOptions = {}) {
      if (mock.options.admin && mock.options.adminToken === undefined && !isLoopbackHost(host)) {
        return Promise.reject(
          new Error(
            `Refusing to listen on '${host}' with admin on and no adminToken: anyone who reaches it could read the journal and steer the mock. Set adminToken (sora-kit serve: --admin-token), or listen on 127.0.0.1.`,
          ),
        );
      }
      return new Promise((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${shownHost}:${address.port}`;
          resolve({ url, port: address.port, host: address.address });
        });
      });
    },
    close() {
      // Inspector streams never end by themselves: end them first, like any started stream below.
      inspector?.close();
      closing ??= new Promise<void>((resolve) => {
        shuttingDown = true;
        announceShutdown();
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const outgoing of inFlight) {
          const socket = outgoing.socket;
          const endStream = streamEnders.get(outgoing);
          if (endStream) {
            // An event stream of the API: an in-band server_shutting_down error, then its clean end
            // (chunked terminator), which cancels the mock's stream and with it its timers. Its
            // connection was promised keep-alive, so the socket ends once the answer is out.
            if (!outgoing.headersSent) outgoing.setHeader('connection', 'close');
            endStream();
            outgoing.once('finish', () => socket?.destroySoon());
          } else if (outgoing.headersSent) {
            // Any other answer under way (a download, an inspector stream) is ended where it stands.
            outgoing.end(() => socket?.destroySoon());
          } else {
            // Not answered yet: the race in `api` answers 503 server_shutting_down, on a closing connection.
            outgoing.setHeader('connection', 'close');
          }
        }
        const cut = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        cut.unref();
        server.once('close', () => clearTimeout(cut));
      });
      // The media threads stop once no request can ask for media any more.
      return closing.then(() => mediaPool?.close());
    },
  };
}

/** The pool of media threads a server runs with, or none (0 threads, or a generator of the caller's). */
function mediaPoolFor(threads: number | undefined, own: SoraMockOptions['renderMedia']): MediaPool | undefined {
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 0)) {
    throw new TypeError(`mediaWorkers ${threads} must be a non-negative integer (0 generates media on the request loop).`);
  }
  if (own || threads === 0) return undefined;
  return createMediaPool({ threads: threads ?? defaultMediaThreads() });
}
