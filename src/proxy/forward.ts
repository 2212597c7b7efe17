/**
 * The proxy's transport: a node:http server that forwards every request to the deployment and every
 * answer back as they come, keeps a bounded copy of both bodies (src/proxy/bodies.ts) and hands each
 * finished exchange to the observer (src/proxy/observer.ts). It answers by itself only what it cannot
 * forward: a request target that is no path of the deployment (400), an answer HTTP cannot carry or
 * no answer at all (502).
 *
 * What is forwarded, and how:
 * - Method, path, query, headers and body go to the target as the client sent them, the licence
 *   included. Only the hop-by-hop headers (RFC 9110 7.6.1: Connection, the headers it names,
 *   Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade) are the connection's own, and the
 *   Host header names the target (what any gateway does: the deployment's virtual host and TLS name
 *   are its own, and its links then point at itself as they would without the proxy).
 * - Status, status text, headers and body come back the same way. Bodies are piped: each chunk the
 *   deployment writes is written to the client at once (an SSE event reaches the client before the
 *   stream ends, a video is not buffered), and the copy is kept for the judge and the recording.
 *   Redirects are passed on, never followed. An answer a browser could run (HTML, SVG, XML...) gets
 *   `Content-Security-Policy: sandbox`, so it runs nothing on this origin.
 *
 * Shutdown (`close()`): stop accepting, let exchanges under way finish within the grace, then cut them.
 */
import { createServer, request as httpRequest, Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { JudgmentCheckId } from '../conformance/judgment-checks.js';
import { cutText } from '../spec/describe.js';
import { errorEnvelope } from '../spec/schemas/errors.js';
import { parseUrl } from '../util/index.js';
import { foreignContentHeaders, PASSIVE_TYPE } from '../util/origin-policy.js';
import { ChunkTimings, headerOf, keptBodies, Tee, type BodyBudget } from './bodies.js';
import { SHOWN, type FinishedExchange, type Observer } from './observer.js';

/**
 * The check of an answer the proxy could not forward (a status line HTTP cannot carry): the registry's,
 * reported by the proxy itself since the judge never sees such an answer whole.
 */
export const IMPOSSIBLE_ANSWER_CHECK: JudgmentCheckId = 'proxy.impossible-answer';

/** RFC 9110 7.6.1: headers of the connection, not of the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Header pairs from node's flat `rawHeaders`, minus hop-by-hop ones and those `Connection` names. */
export function endToEnd(raw: readonly string[]): Array<[string, string]> {
  const named = new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === 'connection') for (const n of raw[i + 1].split(',')) named.add(n.trim().toLowerCase());
  }
  const out: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) out.push([raw[i], raw[i + 1]]);
  }
  return out;
}

/** The proxy's own answer: an OpenAI error envelope. */
export function answerError(outgoing: ServerResponse, status: number, message: string, error: { type?: string; code: string }, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(errorEnvelope(message, { type: error.type, code: error.code }), null, 2);
  outgoing.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra });
  outgoing.end(text);
}

/**
 * Why a status line from the deployment cannot be forwarded (node's parser hands over `099`, `000` or
 * a control character in the reason, and `writeHead` refuses them), or undefined. RFC 9110 15: a
 * status is 100-599; RFC 9112 4: a reason phrase is tabs, spaces and visible characters.
 */
function impossibleStatusLine(status: number, reason: string): string | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 599) return `the status ${String(status).padStart(3, '0')} is not an HTTP status (100 to 599)`;
  // eslint-disable-next-line no-control-regex
  if (/[^\t\x20-\x7e\x80-\xff]/.test(reason)) return `the reason phrase ${JSON.stringify(cutText(reason, 60))} holds a character HTTP does not allow (only tab, space and visible characters)`;
  return undefined;
}

export interface TransportOptions {
  target: URL;
  /** Most bytes of one body kept (`--max-body-bytes`). */
  limit: number;
  budget: BodyBudget;
  /** How close() waits for exchanges under way before it cuts them. */
  graceMs: number;
  /** Where finished exchanges, cut ones and impossible answers go. */
  observer: Pick<Observer, 'observe' | 'skip' | 'notForwarded'>;
  /** Answers a request itself and says true (the proxy's own surface), or says false and it is forwarded. */
  own(incoming: IncomingMessage, outgoing: ServerResponse): boolean;
  /** Told of each exchange forwarded to its end, after the observer (the media fetcher looks for links). */
  forwarded?(finished: FinishedExchange): void;
}

export interface Transport {
  readonly server: Server;
  /** `http://127.0.0.1:port` once listening. */
  readonly url: string | undefined;
  /** The address listened on (127.0.0.1 until listen()). */
  readonly bound: string;
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number; host: string }>;
  /** A task close() and idle() wait for (a forward, a media fetch). */
  track(task: Promise<void>): void;
  /** Resolves when no tracked task is under way. */
  idle(): Promise<void>;
  /** A tracked task is under way. */
  readonly busy: boolean;
  /** Stop accepting, let exchanges under way finish within the grace, cut the rest. Call once. */
  close(): Promise<void>;
}

export function createTransport(options: TransportOptions): Transport {
  const { target, limit, budget, observer } = options;
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  let url: string | undefined;
  let bound = '127.0.0.1';
  let closing = false;

  function track(task: Promise<void>): void {
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  /**
   * The deployment's URL for a request target, or undefined when the target is not a path on it. A
   * target starting `//` (`//:1/`, `//a:b@:99999/`) is a network-path reference to every URL parser
   * after the proxy (the judge's, a replay's): it names another host, not a path of the deployment.
   */
  function upstreamUrlOf(path: string): string | undefined {
    if (path.startsWith('//')) return undefined;
    const parsed = parseUrl(path.startsWith('/') ? path : `/${path}`, target.origin);
    return parsed?.origin === target.origin ? parsed.href : undefined;
  }

  function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const method = incoming.method ?? 'GET';
    const path = incoming.url ?? '/';
    const upstreamUrl = upstreamUrlOf(path);
    if (upstreamUrl === undefined) {
      incoming.resume();
      answerError(
        outgoing,
        400,
        `sora-kit proxy: the request target ${JSON.stringify(cutText(path, SHOWN))} is not a path on ${target.origin}; send a path that starts with a single '/', e.g. /sora/v1/models.`,
        { code: 'invalid_request_target' },
      );
      return Promise.resolve();
    }
    return new Promise<void>((done) => {
      const started = Date.now();
      const t0 = performance.now();
      const requestHeaders = endToEnd(incoming.rawHeaders).map(([n, v]): [string, string] => (n.toLowerCase() === 'host' ? [n, target.host] : [n, v]));
      if (!requestHeaders.some(([n]) => n.toLowerCase() === 'host')) requestHeaders.unshift(['Host', target.host]);
      const requestTee = new Tee(limit, budget);
      const responseTee = new Tee(limit, budget);
      /** Bytes a content coding added to the answer's, held from the budget too. */
      let expanded = 0;
      const release = () => {
        requestTee.release();
        responseTee.release();
        budget.give(expanded);
        expanded = 0;
      };
      let requestEnded = false;
      let tSent = t0;
      let finished = false;
      /** The proxy answered the client itself (502): later trouble upstream is not the client's. */
      let answered = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        done();
      };

      /** The request to the deployment: on a kept-alive connection first, on a new one when that was stale. */
      const open = (via: HttpAgent | HttpsAgent | false) => {
        const request = send({
          protocol: target.protocol,
          hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: target.port || (secure ? 443 : 80),
          method,
          path,
          headers: requestHeaders.flat(),
          agent: via,
          setHost: false,
        });
        request.on('error', (error) => onError(request, error));
        request.on('response', onResponse);
        return request;
      };
      let retried = false;
      incoming.on('data', (chunk: Buffer) => requestTee.push(chunk));
      incoming.on('end', () => {
        requestEnded = true;
        tSent = performance.now();
      });
      // The client went away (or the proxy's shutdown cut it): so does the request to the deployment.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) {
          upstream.destroy();
          if (!answered) observer.skip(method, upstreamUrl, 'the exchange was cut before its answer ended (the client went away, or the proxy shut down)');
          release();
        }
        finish();
      });

      /** Answer the client 502; when the deployment answered something HTTP cannot carry, that is a violation of its own. */
      const badGateway = (why: string, answeredWrong: boolean) => {
        answered = true;
        answerError(outgoing, 502, `sora-kit proxy: the deployment at ${target.origin} did not answer ${method} ${cutText(path.split('?')[0], SHOWN)} with HTTP: ${why}.`, {
          type: 'server_error',
          code: 'bad_gateway',
        });
        release();
        if (answeredWrong) observer.notForwarded({ method, url: upstreamUrl, status: 502, ms: performance.now() - t0 }, IMPOSSIBLE_ANSWER_CHECK, `${why}; the client was answered 502`);
      };

      const onError = (request: ClientRequest, error: Error): void => {
        if (answered) return;
        if (outgoing.headersSent) {
          outgoing.destroy(error);
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        // A kept-alive connection the deployment closed (its idle timeout) just as this request went out
        // on it: nothing reached the deployment, so the request goes again once, on a new connection,
        // when the proxy holds all of its body (node's own advice: req.reusedSocket). A 502 here would be
        // the proxy's fault, not the deployment's.
        if (!retried && request.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE') && requestEnded && !requestTee.truncated && requestTee.total === requestTee.bytes().length) {
          retried = true;
          upstream = open(false);
          upstream.end(requestTee.bytes());
          return;
        }
        // HPE_*: node's HTTP parser could not read the answer (the deployment spoke no HTTP); anything else is the connection's.
        badGateway(code?.startsWith('HPE_') ? `${code} (${error.message})` : (code ?? error.message), code?.startsWith('HPE_') === true);
      };

      const onResponse = (res: IncomingMessage): void => {
        const tHeaders = performance.now();
        const status = res.statusCode ?? 0;
        const responseHeaders = endToEnd(res.rawHeaders);
        const type = headerOf(responseHeaders, 'content-type') ?? '';
        let impossible = impossibleStatusLine(status, res.statusMessage ?? '');
        if (!impossible) {
          try {
            // A page the deployment sends must not run as a page of the proxy's origin, which holds the report.
            // Passive answers pass as they came (the proxy is transparent); active ones are sandboxed.
            const added = PASSIVE_TYPE.test(type) ? [] : Object.entries(foreignContentHeaders(type)).filter(([name]) => headerOf(responseHeaders, name) === undefined);
            outgoing.writeHead(status, res.statusMessage, [...responseHeaders, ...added].flat());
          } catch (error) {
            impossible = (error as Error).message;
          }
        }
        if (impossible) {
          res.destroy();
          return badGateway(impossible, true);
        }
        outgoing.flushHeaders();
        const streamed = /^text\/event-stream/i.test(type);
        const chunks = new ChunkTimings();
        res.on('data', (chunk: Buffer) => {
          responseTee.push(chunk);
          if (streamed && chunk.length > 0) chunks.add(Math.round((performance.now() - tHeaders) * 10) / 10, chunk.length);
        });
        res.pipe(outgoing);
        res.on('error', (error) => outgoing.destroy(error));
        res.on('aborted', () => outgoing.destroy());
        outgoing.on('finish', () => {
          const tEnd = performance.now();
          if (!requestEnded) {
            observer.skip(method, upstreamUrl, 'the answer ended before the request did');
            release();
            return finish();
          }
          const { request: requestBody, response: responseBody, unjudged, ...held } = keptBodies(requestTee, responseTee, headerOf(responseHeaders, 'content-encoding'), budget);
          expanded = held.expanded;
          const exchange: FinishedExchange = {
            startedAt: started,
            by: 'client',
            request: { method, url: upstreamUrl, httpVersion: incoming.httpVersion, headers: requestHeaders, body: requestBody },
            response: {
              status,
              statusText: res.statusMessage ?? '',
              httpVersion: res.httpVersion,
              headers: responseHeaders,
              body: responseBody,
              ...(streamed ? { chunks: chunks.upTo(responseBody.length) } : {}),
            },
            timings: { send: Math.max(0, tSent - t0), wait: Math.max(0, tHeaders - tSent), receive: tEnd - tHeaders },
            truncated: unjudged !== undefined,
            unjudged,
            release,
          };
          observer.observe(exchange);
          options.forwarded?.(exchange);
          finish();
        });
      };
      let upstream = open(agent);
      incoming.pipe(upstream);
    });
  }

  const server = createServer({ requireHostHeader: false }, (incoming, outgoing) => {
    if (options.own(incoming, outgoing)) return;
    if (closing) outgoing.setHeader('connection', 'close');
    track(forward(incoming, outgoing));
  });
  server.on('connection', (socket: Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  return {
    server,
    get url() {
      return url;
    },
    get bound() {
      return bound;
    },
    listen({ port = 0, host = '127.0.0.1' } = {}) {
      return new Promise((resolve, reject) => {
        const failed = (error: Error) => reject(error);
        server.once('error', failed);
        server.listen(port, host, () => {
          server.off('error', failed);
          const address = server.address() as AddressInfo;
          bound = host;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${shown}:${address.port}`;
          resolve({ url, port: address.port, host });
        });
      });
    },
    track,
    get busy() {
      return inFlight.size > 0;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    async close() {
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, options.graceMs);
      await Promise.allSettled([...inFlight]);
      clearTimeout(grace);
      for (const socket of sockets) socket.destroy();
      await stopped;
      agent.destroy();
    },
  };
}
