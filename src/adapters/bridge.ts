/**
 * The node:http <-> Fetch bridge of the Node server (node.ts) and the edges of HTTP it answers itself.
 * The bridge is @hono/node-server's `getRequestListener`: it builds the Request lazily (a GET that never
 * touches its body never pays for a stream), streams Response bodies with back-pressure, cancels the
 * body reader when the client goes away and aborts `request.signal`. What is here makes its hot path
 * cheaper (headersOf) and answers, with the mock's envelope, what node:http would answer with an empty
 * body or a closed socket (unparsable requests, timeouts, Expect, CONNECT, no Host).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { errorResponse } from '../mock/http.js';
import { errorEnvelope } from '../spec/schemas/index.js';

/** What the bridge hands the server's handler with each Request. */
export interface BridgeEnv {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}

/** The adapter's own errors (before the mock sees a request) use the mock's envelope, as raw bytes for a bare socket. */
export const rawEnvelope = (message: string, code: string, type: 'invalid_request_error' | 'server_error' = 'invalid_request_error') =>
  JSON.stringify(errorEnvelope(message, { type, param: null, code }));

/** A whole HTTP/1.1 answer for a socket no ServerResponse speaks on (clientError, CONNECT). */
function rawAnswer(status: string, body: string, extra = ''): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`;
}

/** An envelope written straight to a response the bridge never sees. */
export function answerDirectly(outgoing: ServerResponse, status: number, message: string, code: string): void {
  const body = rawEnvelope(message, code);
  outgoing.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), connection: 'close' });
  outgoing.end(body);
}

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
export function headersOf(request: Request, incoming: IncomingMessage): void {
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
export function declaredLength(outgoing: ServerResponse): number | undefined {
  const set = outgoing.getHeader('content-length');
  if (set !== undefined) return Number(set);
  const kept = (outgoing as ServerResponse & { _contentLength?: unknown })._contentLength;
  return typeof kept === 'number' && Number.isSafeInteger(kept) && kept >= 0 ? kept : undefined;
}

/** The bridge around `handle`: the request's Headers made cheaply first, the bridge's own failures as envelopes. */
export function createBridge(
  handle: (request: Request, env: BridgeEnv) => Response | Promise<Response>,
  overrideGlobalObjects: boolean,
): (incoming: IncomingMessage, outgoing: ServerResponse) => Promise<void> {
  const withHeaders = (request: Request, env: BridgeEnv) => {
    headersOf(request, env.incoming);
    return handle(request, env);
  };
  return getRequestListener(withHeaders as Parameters<typeof getRequestListener>[0], {
    overrideGlobalObjects,
    errorHandler: (error) =>
      error instanceof RequestError
        ? errorResponse(400, `The request could not be read: ${error.message}.`, { type: 'invalid_request_error', param: null, code: 'bad_request' })
        : // The mock's own failure, never the client's: the same code the mock gives its crashes.
          errorResponse(500, `The mock failed: ${error instanceof Error ? error.message : String(error)}.`, { type: 'server_error', param: null, code: 'mock_internal_error' }),
  });
}

/** Where a socket keeps the response it is answering (a property: a WeakMap entry per request costs more). */
const ANSWERING = Symbol('sora-kit answering response');
type AnsweringSocket = Socket & { [ANSWERING]?: ServerResponse };

/** Note the response a socket is answering, so a late transport error never writes over one under way. */
export function answering(incoming: IncomingMessage, outgoing: ServerResponse): void {
  (incoming.socket as AnsweringSocket)[ANSWERING] = outgoing;
}

/**
 * node:http answers unparsable requests itself with an empty 400 (and timeouts with an empty 408),
 * closes CONNECT without a word and answers unknown `Expect`s with an empty 417: answer each with the
 * envelope instead, unless a response is already under way on the socket.
 */
export function answerTransportEdges(server: Server, bodyTimeoutMs: number): void {
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
}
