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
import { createInspector, type Inspector, type InspectorOptions } from '../inspector/index.js';
import { createSoraMock } from '../mock/app.js';
import { errorResponse } from '../mock/http.js';
import type { SoraMock, SoraMockOptions } from '../mock/types.js';
import { errorEnvelope } from '../spec/schemas/index.js';
import { isSoraMock } from './common.js';

/** The mock's own types, for code that configures or inspects it through this adapter. */
export type * from './mock-types.js';

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
}

export interface ListenOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1: the mock is a development tool and should not be reachable from the network unasked. */
  host?: string;
}

export interface SoraServer {
  readonly mock: SoraMock;
  readonly server: Server;
  /** The base origin once listening (`http://127.0.0.1:4010`), else undefined. */
  readonly url: string | undefined;
  listen(options?: ListenOptions): Promise<{ url: string; port: number; host: string }>;
  /** Stop accepting, end in-flight streams, resolve when every connection is closed. Idempotent. */
  close(): Promise<void>;
}

/** The path of an absolute URL without parsing it (this runs before every API request). */
function pathnameOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const end = url.search(/[?#]/);
  return end === -1 || end < start ? url.slice(start) : url.slice(start, end);
}

/** The adapter's own errors (before the mock sees a request) use the mock's envelope, as raw bytes for a bare socket. */
const rawEnvelope = (message: string, code: string) => JSON.stringify(errorEnvelope(message, { type: 'invalid_request_error', param: null, code }));

export function createSoraServer(options: (SoraMockOptions & SoraServerOptions) | SoraMock = {}, serverOptions: SoraServerOptions = {}): SoraServer {
  const mock = isSoraMock(options) ? options : createSoraMock(options);
  const settings: SoraServerOptions = isSoraMock(options) ? serverOptions : { ...options, ...serverOptions };
  const graceMs = settings.shutdownGraceMs ?? 2000;
  const inFlight = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  let url: string | undefined;

  const inspector: Inspector | undefined = settings.inspector ? createInspector(mock, settings.inspector === true ? {} : settings.inspector) : undefined;
  // The Request each response answered, for the access log's journal facts (code, scenario, fault).
  const requestOf = new WeakMap<object, Request>();
  const api = settings.onResponse
    ? (request: Request, env: { outgoing: object }) => {
        requestOf.set(env.outgoing, request);
        return mock.fetch(request);
      }
    : (request: Request) => mock.fetch(request);
  const handle = inspector
    ? (request: Request, env: { outgoing: object }) =>
        // A dropped viewer's connection is closed here: one that stopped reading would never see its stream end.
        inspector.owns(pathnameOf(request.url)) ? inspector.fetch(request, () => (env.outgoing as ServerResponse).destroy()) : api(request, env)
    : api;

  const bridge = getRequestListener(handle, {
    overrideGlobalObjects: settings.overrideGlobalObjects ?? false,
    errorHandler: (error) =>
      error instanceof RequestError
        ? errorResponse(400, `The request could not be read: ${error.message}.`, { type: 'invalid_request_error', param: null, code: 'bad_request' })
        : // The mock's own failure, never the client's: the same code the mock gives its crashes.
          errorResponse(500, `The mock failed: ${error instanceof Error ? error.message : String(error)}.`, { type: 'server_error', param: null, code: 'mock_internal_error' }),
  });

  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const started = performance.now();
    inFlight.add(outgoing);
    if (closing) outgoing.setHeader('connection', 'close');
    outgoing.once('close', () => {
      inFlight.delete(outgoing);
      if (!settings.onResponse) return;
      const request = requestOf.get(outgoing);
      const entry = request ? mock.entryOf(request) : undefined;
      settings.onResponse({
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        status: outgoing.statusCode,
        durationMs: performance.now() - started,
        bytes: outgoing.hasHeader('content-length') ? Number(outgoing.getHeader('content-length')) : undefined,
        aborted: !outgoing.writableFinished,
        ...(entry?.error?.code ? { code: entry.error.code } : {}),
        ...(entry?.scenario ? { scenario: entry.scenario } : {}),
        ...(entry?.fault ? { fault: entry.fault.id } : {}),
      });
    });
    void bridge(incoming, outgoing);
  });

  // node:http answers unparsable requests itself with an empty 400; answer with the JSON envelope instead.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = tooLarge
      ? rawEnvelope('The request headers are larger than this server accepts (16 KiB).', 'headers_too_large')
      : rawEnvelope(`The request is not valid HTTP/1.1 (${error.code ?? error.message}).`, 'bad_request');
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    mock,
    server,
    get url() {
      return url;
    },
    listen({ port = 0, host = '127.0.0.1' }: ListenOptions = {}) {
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
        if (!server.listening) {
          resolve();
          return;
        }
        server.close(() => resolve());
        server.closeIdleConnections();
        // A started stream would run until its job ends: end it now, cleanly (chunked terminator), which
        // cancels the mock's body stream and with it the stream's timers.
        // Its connection was promised keep-alive, so also end the socket once the terminator is out.
        for (const outgoing of inFlight) {
          if (outgoing.headersSent) {
            const socket = outgoing.socket;
            outgoing.end(() => socket?.destroySoon());
          } else {
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
      return closing;
    },
  };
}
