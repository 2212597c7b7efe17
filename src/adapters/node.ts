/**
 * The standalone Node server: node:http in front of the transport-free mock, with no framework on the
 * hot path. Its parts: the node:http <-> Fetch bridge and the HTTP edges it answers itself (bridge.ts),
 * shutdown (shutdown.ts), network faults on the socket (socket-faults.ts), media on worker threads
 * (media-pool.ts). The mock answers through `mock.answer`, its documented interface for adapters.
 * Measured against a hand-written bridge on GET /videos/{id}: bench/server.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { createSoraMock } from '../mock/app.js';
import type { AnswerOptions, JournalEntry, SoraMock, SoraMockOptions } from '../mock/types.js';
import { pathAndQuery } from '../util/index.js';
import { allowedHostNames, isLoopbackHost } from '../util/host-guard.js';
import { answerDirectly, answering, answerTransportEdges, createBridge, declaredLength, type BridgeEnv } from './bridge.js';
import { isSoraMock } from './common.js';
import { mediaPoolFor } from './media-pool.js';
import { DEFAULT_BODY_TIMEOUT_MS, type AccessLogEntry, type ListenOptions, type SoraServer, type SoraServerOptions } from './server-options.js';
import { createShutdown } from './shutdown.js';
import { enactOnSocket } from './socket-faults.js';

/** The mock's own types, for code that configures or inspects it through this adapter. */
export type * from './mock-types.js';
export type { AccessLogEntry, ListenOptions, SoraServer, SoraServerOptions } from './server-options.js';
export { DEFAULT_BODY_TIMEOUT_MS } from './server-options.js';
export { isLoopbackHost } from '../util/host-guard.js';
export { createMediaPool, defaultMediaThreads, type MediaPool, type MediaPoolOptions } from './media-pool.js';

/** Where a response keeps its exchange with the mock (a property: a WeakMap entry per request costs more). */
const EXCHANGE = Symbol('sora-kit exchange');
type Answering = ServerResponse & { [EXCHANGE]?: AnswerOptions & { entry?: JournalEntry } };

export function createSoraServer<A extends boolean = false>(
  options: (SoraMockOptions<A> & SoraServerOptions) | SoraMock<A> = {},
  serverOptions: SoraServerOptions = {},
): SoraServer<A> {
  const given = isSoraMock(options) ? (options as SoraMock<A>) : undefined;
  const own = options as SoraMockOptions<boolean> & SoraServerOptions;
  const settings: SoraServerOptions = given ? serverOptions : { ...own, ...serverOptions };
  const mediaPool = given ? undefined : mediaPoolFor(settings.mediaWorkers, own.renderMedia);
  const mock = given ?? (createSoraMock({ ...own, ...(mediaPool ? { renderMedia: mediaPool.render } : {}), inspector: settings.inspector }) as SoraMock<A>);
  if (given && settings.mediaWorkers) {
    throw new TypeError('mediaWorkers applies to a mock the server creates; give your createSoraMock `renderMedia: createMediaPool().render` instead.');
  }
  if (given && settings.inspector && !given.options.inspector) {
    throw new TypeError('inspector applies to a mock the server creates; give your createSoraMock `inspector: true` instead (the mock serves it through every adapter).');
  }
  const bodyTimeoutMs = settings.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  if (!(bodyTimeoutMs > 0) || !Number.isFinite(bodyTimeoutMs)) throw new TypeError(`bodyTimeoutMs ${bodyTimeoutMs} must be a positive number of milliseconds.`);
  const inFlight = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let url: string | undefined;
  // Set when the server is listening: which Host names its own surface answers, and whether only this
  // machine can reach it (then the inspector needs no token).
  let hostAllowed = allowedHostNames('127.0.0.1', settings.allowedHosts ?? [], mock.options.publicUrl);
  let loopbackBind = true;

  /** What this server tells the mock about one request (AnswerOptions), and the journal entry it gets back. */
  class Exchange implements AnswerOptions {
    entry: JournalEntry | undefined = undefined;
    constructor(
      readonly parts: { pathname: string; search: string } | undefined,
      readonly outgoing: ServerResponse,
    ) {}
    onSettled(entry: JournalEntry): void {
      this.entry = entry;
    }
    hostAllowed(host: string | undefined): boolean {
      return hostAllowed(host);
    }
    get localOnly(): boolean {
      return loopbackBind;
    }
    // A dropped inspector viewer's connection is closed: one that stopped reading would never see its stream end.
    hangUp(): void {
      this.outgoing.destroy();
    }
  }

  // Only a POST can answer an event stream here (chat completions), so the hot path (GETs) never looks.
  // Headers before body: with overrideGlobalObjects the bridge's lightweight Response rebuilds itself
  // from the init it was made with on the first read of `body`, dropping headers set on it since (the
  // mock's CORS headers), so `body` is read only for a stream or a network fault (socket-faults.ts,
  // enacted first, on the socket), each carrying the headers read first.
  const carry = (request: Request, answer: Response, exchange: Exchange, outgoing: ServerResponse): Response | Promise<Response> => {
    const network = exchange.entry?.network;
    // `headers` is read only here: on the bridge's lightweight Response, reading it makes a Headers object.
    if (network) {
      const headers = answer.headers;
      return enactOnSocket(new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers }), network, outgoing);
    }
    if (request.method !== 'POST' || answer.status !== 200) return answer;
    const headers = answer.headers;
    return (headers.get('content-type') ?? '').startsWith('text/event-stream') && answer.body ? shutdown.endable(answer, headers, outgoing) : answer;
  };

  const handle = (request: Request, { outgoing }: BridgeEnv): Response | Promise<Response> => {
    if (shutdown.started) return shutdown.shuttingDownAnswer();
    const exchange = new Exchange(pathAndQuery(request.url), outgoing);
    if (settings.onResponse) (outgoing as Answering)[EXCHANGE] = exchange;
    const answer = mock.answer(request, exchange);
    // Answered in this turn: close() cannot have come in between.
    if (!(answer instanceof Promise)) return carry(request, answer, exchange, outgoing);
    return shutdown.awaitAnswer(answer, outgoing).then((first) => (first === RESPONSE_ALREADY_SENT ? first : carry(request, first, exchange, outgoing)));
  };
  const bridge = createBridge(handle, settings.overrideGlobalObjects ?? false);

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
      answering(incoming, outgoing);
      if (shutdown.started) outgoing.setHeader('connection', 'close');
      // A response closes once: `on`, not `once` (no wrapper per request).
      outgoing.on('close', () => {
        inFlight.delete(outgoing);
        if (settings.onResponse) settings.onResponse(accessLine(incoming, outgoing, started));
      });
      if (!incoming.headers.host) {
        answerDirectly(outgoing, 400, 'The request has no Host header; HTTP/1.1 requires one (it names the server, e.g. Host: 127.0.0.1:4010).', 'missing_host');
        return;
      }
      void bridge(incoming, outgoing);
    },
  );
  const shutdown = createShutdown(server, inFlight, sockets, settings.shutdownGraceMs ?? 2000);
  answerTransportEdges(server, bodyTimeoutMs);
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
          url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
          resolve({ url, port: address.port, host: address.address });
        });
      });
    },
    close() {
      // Inspector streams never end by themselves: end them first, like any started stream.
      mock.close();
      // The media threads stop once no request can ask for media any more.
      return shutdown.close().then(() => mediaPool?.close());
    },
  };
}

/** One line of the access log: the response as it ended, with the journal's facts (code, scenario, fault). */
function accessLine(incoming: IncomingMessage, outgoing: ServerResponse, started: number): AccessLogEntry {
  const entry = (outgoing as Answering)[EXCHANGE]?.entry;
  const line: AccessLogEntry = {
    method: incoming.method ?? 'GET',
    url: incoming.url ?? '/',
    status: outgoing.statusCode,
    durationMs: performance.now() - started,
    bytes: declaredLength(outgoing),
    aborted: !outgoing.writableFinished,
  };
  // Set only when there is one, in this order (no spreads on every request).
  if (entry?.error?.code) line.code = entry.error.code;
  if (entry?.scenario) line.scenario = entry.scenario;
  if (entry?.fault) line.fault = entry.fault.id;
  return line;
}
