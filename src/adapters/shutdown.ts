/**
 * How the Node server (node.ts) stops: close() stops accepting, ends what is under way with a word to
 * the client (an event stream gets OpenAI's in-band error then its clean end; an answer the mock is
 * still working on gets a 503 `server_shutting_down`), lets the rest finish within a grace period, then
 * cuts every connection.
 */
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { errorResponse } from '../mock/http.js';
import { errorEnvelope } from '../spec/schemas/index.js';
import { rawEnvelope } from './bridge.js';

const SHUTDOWN_MESSAGE = 'The server is shutting down; this answer is incomplete. Retry against a running server.';
/** The frame that ends a stream cut by close(): OpenAI's in-band error, then `[DONE]`, as every in-band error of the mock. */
const shutdownFrame = new TextEncoder().encode(
  `data: ${JSON.stringify(errorEnvelope(SHUTDOWN_MESSAGE, { type: 'server_error', param: null, code: 'server_shutting_down' }))}\n\ndata: [DONE]\n\n`,
);

export interface Shutdown {
  /** True once close() was called: new requests get `shuttingDownAnswer`. */
  readonly started: boolean;
  shuttingDownAnswer(): Response;
  /**
   * The mock's answer, or, when close() comes first, RESPONSE_ALREADY_SENT: the 503 it wrote itself.
   */
  awaitAnswer(answer: Promise<Response>, outgoing: ServerResponse): Promise<Response>;
  /** An event stream carried through a transform close() can end: the shutdown frame, then the end. */
  endable(response: Response, headers: Headers, outgoing: ServerResponse): Response;
  /** Stop: resolves when every connection is closed. Idempotent. */
  close(): Promise<void>;
}

export function createShutdown(server: Server, inFlight: ReadonlySet<ServerResponse>, sockets: ReadonlySet<Socket>, graceMs: number): Shutdown {
  // Event streams close() ends with the shutdown frame, by the response that carries them.
  const streamEnders = new Map<ServerResponse, () => void>();
  let closing: Promise<void> | undefined;
  let started = false;
  // Requests the mock is still answering, each woken by close(). Not a race against one shared promise
  // that settles only at close: every request's reaction on it would keep its answer reachable (a leak
  // of a few KB per request for the life of the server).
  const waiting = new Set<() => void>();
  const race = (answer: Promise<Response>) =>
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

  return {
    get started() {
      return started;
    },
    shuttingDownAnswer: () => errorResponse(503, SHUTDOWN_MESSAGE, { type: 'server_error', param: null, code: 'server_shutting_down' }, { 'retry-after': '1' }),
    awaitAnswer: (answer, outgoing) =>
      race(answer).then((first) => {
        if (first !== 'shutdown') return first;
        // close() came while the mock still works on this request (a stall, a slow render): it gets a
        // 503 now, written here and never ended: once it is out the response is destroyed unfinished,
        // which is what makes the bridge abort the request's signal, so the mock stops working on it
        // (a finished response would leave a stalled render polling forever). The client has the whole
        // answer (Content-Length, Connection: close). The mock's late answer is dropped.
        void answer.then((late) => late.body?.cancel().catch(() => undefined), () => undefined);
        if (!outgoing.headersSent) {
          const body = rawEnvelope(SHUTDOWN_MESSAGE, 'server_shutting_down', 'server_error');
          outgoing.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1', connection: 'close' });
          outgoing.write(body, () => outgoing.destroy());
        }
        return RESPONSE_ALREADY_SENT;
      }),
    endable(response, headers, outgoing) {
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
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        started = true;
        for (const wake of waiting) wake();
        waiting.clear();
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
            // Not answered yet: awaitAnswer answers 503 server_shutting_down, on a closing connection.
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
