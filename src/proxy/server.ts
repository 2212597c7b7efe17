/**
 * The validating proxy: a node:http server in front of a deployment of /sora/v1 that forwards every
 * request and every answer as they come, and shows a TrafficJudge (src/conformance/types.ts) each
 * exchange once it is over.
 *
 * What is forwarded, and how:
 * - Method, path, query, headers and body go to the target as the client sent them, the licence
 *   included. Only the hop-by-hop headers (RFC 9110 7.6.1: Connection, the headers it names,
 *   Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade) are the connection's own, and the
 *   Host header names the target (what any gateway does: the deployment's virtual host and TLS name
 *   are its own, and its links then point at itself as they would without the proxy).
 * - Status, status text, headers and body come back the same way. Bodies are piped: each chunk the
 *   deployment writes is written to the client at once (an SSE event reaches the client before the
 *   stream ends, a video is not buffered), and a copy, bounded (src/proxy/bodies.ts), is kept for the
 *   judge and the recording. Redirects are passed on, never followed. An answer a browser could run
 *   (HTML, SVG, XML...) gets `Content-Security-Policy: sandbox`, so it runs nothing on this origin.
 * - `/__sora/proxy/*` is the proxy's own (`GET /__sora/proxy/report`), for this machine only (the
 *   Host must be one of the proxy's names, and no page of another origin may ask).
 *
 * Neither peer is trusted: a request target that is no path of the target is answered 400, a status
 * line HTTP cannot carry 502 (and a violation), and whatever did not fit the bounds (README, "Bounds
 * of the proxy") is forwarded whole but not judged, which the report says.
 *
 * The judge sees an exchange after its answer has been forwarded; exchanges are judged one at a
 * time in the order they ended (the judge follows a job across its polls). With `fetchMedia` (the
 * default), media links an answer carries (an image's `url`, markdown links in a chat answer) are
 * fetched by the proxy itself (src/proxy/media-fetch.ts), so the judge and the recording have their bytes.
 */
import { INSPECTOR_CSP, inspectorPage, inspectorScript } from './inspector.js';
import { BodyBudget, ChunkTimings, contentDecoded, DEFAULT_MAX_BODY_BYTES, mediaLinks, MIN_HELD_BYTES, Tee, toHeaders } from './bodies.js';
import { createMediaFetcher, MAX_LINKS_PER_ANSWER, MAX_MEDIA_QUEUE, MEDIA_FETCH_CONCURRENCY, MEDIA_FETCH_TIMEOUT_MS } from './media-fetch.js';
import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ObservedExchange, Severity, TrafficJudge, Violation } from '../conformance/types.js';
import { toHarEntry, type ExchangeToRecord } from '../replay/index.js';
import { cutText } from '../spec/describe.js';
import { errorEnvelope } from '../spec/schemas/errors.js';
import { foreignContentHeaders, PASSIVE_TYPE } from '../util/origin-policy.js';
import { severityOf, type JudgmentCheckId } from '../conformance/judgment-checks.js';
import { parseUrl } from '../util/index.js';
import { crossOriginSender } from '../util/origin-policy.js';
import { allowedHostNames } from '../util/host-guard.js';
import type { HarFile } from './har-file.js';

export const PROXY_PREFIX = '/__sora/proxy';
export { DEFAULT_MAX_BODY_BYTES, mediaLinks, MAX_LINKS_PER_ANSWER, MAX_MEDIA_QUEUE, MEDIA_FETCH_CONCURRENCY, MEDIA_FETCH_TIMEOUT_MS };

/** A bad option (`--target`): the CLI exits 2 with the message. */
export class ProxyUsageError extends Error {
  override readonly name = 'ProxyUsageError';
}

/** The deployment's origin from `--target`: an absolute http(s) URL; a path (`/sora/v1`) is allowed and not used (paths are forwarded as sent). */
export function parseTarget(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ProxyUsageError(`--target '${text}' is not an absolute URL; give the deployment's origin, e.g. --target https://sora.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ProxyUsageError(`--target '${text}' is not an http(s) URL (scheme '${url.protocol.replace(':', '')}'); give e.g. --target https://sora.example.com`);
  }
  if (url.username || url.password) throw new ProxyUsageError(`--target '${url.origin}' may not carry credentials; the client's Authorization header is passed through`);
  if (url.search || url.hash) throw new ProxyUsageError(`--target '${text}' may not carry a query or fragment; give the deployment's origin`);
  return url;
}

/** An exchange (or a media link) the judge did not see, or saw only in part, and why. */
export interface NotJudged {
  method: string;
  url: string;
  reason: string;
}

export interface ProxyReport {
  exchanges: number;
  violations: Violation[];
  /** Violations seen beyond the ones kept (a long session against a broken deployment), by severity. */
  notKept?: Record<Violation['severity'], number>;
  /** What was not judged: how many, and the first MAX_NOT_JUDGED_KEPT of them. */
  notJudged?: { count: number; first: NotJudged[] };
}

/** Violations a proxy keeps for its report; beyond, they are printed and counted, not kept. */
export const MAX_VIOLATIONS_KEPT = 10_000;
/** Not-judged exchanges listed in the report (beyond, counted). */
export const MAX_NOT_JUDGED_KEPT = 100;
/** Characters of a URL or a peer's text the proxy repeats in its own messages. */
const SHOWN = 200;
/**
 * The check of an answer the proxy could not forward (a status line HTTP cannot carry): the registry's,
 * reported by the proxy itself since the judge never sees such an answer whole.
 */
export const IMPOSSIBLE_ANSWER_CHECK: JudgmentCheckId = 'proxy.impossible-answer';

export interface ValidatingProxyOptions {
  /** The deployment: its origin (a base path is allowed and ignored). */
  target: string;
  /** Judges each exchange; without one, traffic is forwarded and recorded only. */
  judge?: TrafficJudge;
  /** Where exchanges are recorded as HAR (src/proxy/har-file.ts). */
  recorder?: HarFile;
  /** Fetch media links the answers carry, for the judge and the recording. Default true. */
  fetchMedia?: boolean;
  /** Most bytes of one body kept for judging and recording (the client always gets all of it). Default 64 MiB. */
  maxBodyBytes?: number;
  /** Most bytes of bodies held at once, across exchanges under way and waiting for the judge. Default 128 MiB or twice maxBodyBytes, whichever is more. */
  maxHeldBytes?: number;
  /** Called for each violation, as the judge reports it. */
  onViolation?: (violation: Violation) => void;
  /** The proxy's own trouble (a judge that threw, a media link that could not be fetched). */
  onWarning?: (message: string) => void;
  /** Violations kept for the report (beyond, they are counted by severity). Default MAX_VIOLATIONS_KEPT. */
  maxViolationsKept?: number;
  /** How close() waits for exchanges under way before it cuts them (media fetches are cut at once). Default 2000 ms. */
  shutdownGraceMs?: number;
}

export interface ValidatingProxy {
  readonly server: Server;
  /** `http://127.0.0.1:port` once listening. */
  readonly url: string | undefined;
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number; host: string }>;
  /** Every exchange judged so far, and what the judge found. */
  report(): ProxyReport;
  /** Resolves when every exchange that ended so far (and its media) has been judged and recorded. */
  settled(): Promise<void>;
  /** Stop accepting, let exchanges under way finish (within the grace), judge and record them. Idempotent. */
  close(): Promise<void>;
}

/** RFC 9110 7.6.1: headers of the connection, not of the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Header pairs from node's flat `rawHeaders`, minus hop-by-hop ones and those `Connection` names. */
function endToEnd(raw: readonly string[]): Array<[string, string]> {
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

const header = (pairs: ReadonlyArray<readonly [string, string]>, name: string) => pairs.find(([n]) => n.toLowerCase() === name)?.[1];

/** An exchange as the inspector page lists it. */
interface RecentExchange {
  index: number;
  method: string;
  url: string;
  status: number;
  ms: number;
  violations: number;
}

const RECENT_EXCHANGES = 200;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, should: 1, must: 2 };

/** Violations at or above `failOn` (`info` never counts). */
export function failing(violations: readonly Violation[], failOn: 'must' | 'should'): Violation[] {
  return violations.filter((v) => v.severity !== 'info' && SEVERITY_RANK[v.severity] >= SEVERITY_RANK[failOn]);
}

/** How many violations of a report fail the run, the ones not kept included. */
export function failingCount(report: ProxyReport, failOn: 'must' | 'should'): number {
  const beyond = report.notKept ? report.notKept.must + (failOn === 'should' ? report.notKept.should : 0) : 0;
  return failing(report.violations, failOn).length + beyond;
}

/** The proxy's own answer: an OpenAI error envelope. */
function answerError(outgoing: ServerResponse, status: number, message: string, error: { type?: string; code: string }, extra: Record<string, string> = {}): void {
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

export function createValidatingProxy(options: ValidatingProxyOptions): ValidatingProxy {
  const target = parseTarget(options.target);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const budget = new BodyBudget(options.maxHeldBytes ?? Math.max(MIN_HELD_BYTES, 2 * limit));
  const fetchMedia = options.fetchMedia ?? true;
  const graceMs = options.shutdownGraceMs ?? 2000;
  const warn = options.onWarning ?? (() => {});
  const violations: Violation[] = [];
  const notKept: Record<Violation['severity'], number> = { must: 0, should: 0, info: 0 };
  const notJudged: NotJudged[] = [];
  let notJudgedCount = 0;
  /** The newest exchanges, for the inspector page (bounded). */
  const recent: RecentExchange[] = [];
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  let exchanges = 0;
  let judging: Promise<void> = Promise.resolve();
  let url: string | undefined;
  let bound = '127.0.0.1';
  let closing: Promise<void> | undefined;
  const media = createMediaFetcher({ target, limit, budget, observe, skip, track });

  /** Say in the report that the judge did not see (all of) something, and why. */
  function skip(method: string, link: string, reason: string): void {
    notJudgedCount++;
    if (notJudged.length < MAX_NOT_JUDGED_KEPT) notJudged.push({ method, url: cutText(link, SHOWN), reason });
    warn(`${method} ${cutText(link, SHOWN)}: not judged: ${reason}`);
  }

  function keep(violation: Violation, seen: RecentExchange): void {
    seen.violations++;
    if (violations.length < (options.maxViolationsKept ?? MAX_VIOLATIONS_KEPT)) violations.push(violation);
    else notKept[violation.severity]++;
    options.onViolation?.(violation);
  }

  function listed(method: string, link: string, status: number, ms: number): RecentExchange {
    exchanges++;
    const seen: RecentExchange = { index: exchanges, method, url: link, status, ms: Math.round(ms), violations: 0 };
    recent.push(seen);
    if (recent.length > RECENT_EXCHANGES) recent.shift();
    return seen;
  }

  /**
   * Record one finished exchange, and judge it after those that ended before it; `unjudged` says why
   * the judge may not see it. `release` gives its bodies back to the budget once nothing holds them.
   */
  function observe(exchange: ObservedExchange, record: ExchangeToRecord, unjudged: string | undefined, release: () => void): void {
    const { method, url: link } = exchange.request;
    const seen = listed(method, link, exchange.response.status, record.timings.send + record.timings.wait + record.timings.receive);
    if (options.recorder) {
      try {
        options.recorder.append(toHarEntry(record));
      } catch (error) {
        warn(`could not record ${method} ${link}: ${(error as Error).message}`);
      }
    }
    const judge = options.judge;
    // A part of a body is not the body: judged, it would break rules the whole one keeps.
    if (!judge || unjudged) {
      release();
      if (judge && unjudged) skip(method, link, unjudged);
      return;
    }
    judging = judging.then(async () => {
      try {
        for (const violation of await judge.observe(exchange)) keep(violation, seen);
      } catch (error) {
        warn(`the judge failed on ${method} ${link}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        release();
      }
    });
  }

  function track(task: Promise<void>): void {
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  function answerOwn(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const json = (body: unknown) => {
      const text = JSON.stringify(body, null, 2);
      outgoing.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      outgoing.end(text);
    };
    const refuse = (status: number, message: string, code: string, extra?: Record<string, string>) => answerError(outgoing, status, message, { code }, extra);
    incoming.resume();
    const host = incoming.headers.host;
    if (!allowedHostNames(bound)(host)) return refuse(403, `Host '${String(host ?? '').slice(0, 80)}' is not a name of this proxy; ${PROXY_PREFIX}/* answers only under its own address.`, 'host_not_allowed');
    const own = `http://${host}`;
    const sender = crossOriginSender(toHeaders(endToEnd(incoming.rawHeaders)), own);
    if (sender) {
      return refuse(403, `Cross-origin request refused: ${PROXY_PREFIX}/* is the proxy's own surface and answers pages of its own origin only (${sender.header === 'origin' ? 'Origin' : 'Sec-Fetch-Site'}: ${sender.value.slice(0, 80)}).`, 'cross_origin_refused');
    }
    const path = (incoming.url ?? '').split('?')[0];
    const surface = [`${PROXY_PREFIX}/`, `${PROXY_PREFIX}/inspector.js`, `${PROXY_PREFIX}/report`, `${PROXY_PREFIX}/exchanges`];
    if (!surface.includes(path)) return refuse(404, `Unknown proxy endpoint ${cutText(path, SHOWN)}; the proxy's own surface is ${surface.map((p) => `GET ${p}`).join(', ')}.`, 'not_found');
    if (incoming.method !== 'GET' && incoming.method !== 'HEAD') return refuse(405, `${path} answers GET only.`, 'method_not_allowed', { allow: 'GET, HEAD' });
    const page = (type: string, text: string) => {
      outgoing.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'content-security-policy': INSPECTOR_CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
      outgoing.end(text);
    };
    if (path === `${PROXY_PREFIX}/`) return page('text/html; charset=utf-8', inspectorPage(PROXY_PREFIX, target.origin));
    if (path === `${PROXY_PREFIX}/inspector.js`) return page('text/javascript; charset=utf-8', inspectorScript(PROXY_PREFIX));
    if (path === `${PROXY_PREFIX}/exchanges`) return json({ exchanges: recent });
    json(report());
  }

  function report(): ProxyReport {
    const dropped = notKept.must + notKept.should + notKept.info;
    return {
      exchanges,
      violations: violations.map((v) => ({ check: v.check, severity: v.severity, method: v.method, url: v.url, message: v.message })),
      ...(dropped ? { notKept: { ...notKept } } : {}),
      ...(notJudgedCount ? { notJudged: { count: notJudgedCount, first: notJudged.map((n) => ({ ...n })) } } : {}),
    };
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
      const unjudgedEnd = () => {
        release();
        finish();
      };

      const upstream = send({
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: target.port || (secure ? 443 : 80),
        method,
        path,
        headers: requestHeaders.flat(),
        agent,
        setHost: false,
      });
      incoming.on('data', (chunk: Buffer) => requestTee.push(chunk));
      incoming.on('end', () => {
        requestEnded = true;
        tSent = performance.now();
      });
      incoming.pipe(upstream);
      // The client went away (or the proxy's shutdown cut it): so does the request to the deployment.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) {
          upstream.destroy();
          if (!answered) skip(method, upstreamUrl, 'the exchange was cut before its answer ended (the client went away, or the proxy shut down)');
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
        if (!answeredWrong) return;
        const seen = listed(method, upstreamUrl, 502, performance.now() - t0);
        const violation: Violation = { check: IMPOSSIBLE_ANSWER_CHECK, severity: severityOf(IMPOSSIBLE_ANSWER_CHECK), method, url: upstreamUrl, message: `${why}; the client was answered 502` };
        judging = judging.then(() => keep(violation, seen));
      };

      upstream.on('error', (error) => {
        if (answered) return;
        if (outgoing.headersSent) {
          outgoing.destroy(error);
          return;
        }
        const code = (error as NodeJS.ErrnoException).code;
        // HPE_*: node's HTTP parser could not read the answer (the deployment spoke no HTTP); anything else is the connection's.
        badGateway(code?.startsWith('HPE_') ? `${code} (${error.message})` : (code ?? error.message), code?.startsWith('HPE_') === true);
      });

      upstream.on('response', (res) => {
        const tHeaders = performance.now();
        const status = res.statusCode ?? 0;
        const responseHeaders = endToEnd(res.rawHeaders);
        const type = header(responseHeaders, 'content-type') ?? '';
        let impossible = impossibleStatusLine(status, res.statusMessage ?? '');
        if (!impossible) {
          try {
            // A page the deployment sends must not run as a page of the proxy's origin, which holds the report.
            // Passive answers pass as they came (the proxy is transparent); active ones are sandboxed.
            const added = PASSIVE_TYPE.test(type) ? [] : Object.entries(foreignContentHeaders(type)).filter(([name]) => header(responseHeaders, name) === undefined);
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
            skip(method, upstreamUrl, 'the answer ended before the request did');
            return unjudgedEnd();
          }
          const encoding = header(responseHeaders, 'content-encoding');
          const kept = responseTee.bytes();
          let decoded = responseTee.truncated ? undefined : contentDecoded(kept, encoding, limit);
          if (decoded && decoded.length > kept.length) {
            const wanted = decoded.length - kept.length;
            expanded = budget.grant(wanted);
            if (expanded < wanted) {
              responseTee.starved = true;
              decoded = undefined;
            }
          }
          const responseBody = decoded ?? kept;
          const requestBody = requestTee.bytes();
          const truncated = requestTee.truncated || responseTee.truncated || decoded === undefined;
          const unjudged = requestTee.truncated
            ? requestTee.whyCut('the request body', `the deployment got all ${requestTee.total} bytes`)
            : responseTee.truncated
              ? responseTee.whyCut('the answer', `the client got all ${responseTee.total} bytes`)
              : decoded === undefined
                ? responseTee.starved
                  ? responseTee.whyCut('the answer', `the client got the ${kept.length} bytes as they came`)
                  : `the answer's ${cutText(encoding ?? '', 40)} coding expands beyond ${limit} bytes (--max-body-bytes); the client got the ${kept.length} bytes as they came`
                : undefined;
          const exchange: ObservedExchange = {
            request: { method, url: upstreamUrl, headers: toHeaders(requestHeaders), body: requestBody },
            response: { status, headers: toHeaders(responseHeaders), body: responseBody },
          };
          observe(
            exchange,
            {
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
              truncated,
            },
            unjudged,
            release,
          );
          if (fetchMedia && status >= 200 && status < 300 && !truncated) media.fetchLinks(mediaLinks(responseBody, type), header(requestHeaders, 'authorization'), { method, url: upstreamUrl });
          finish();
        });
      });
    });
  }

  const server = createServer({ requireHostHeader: false }, (incoming, outgoing) => {
    const path = incoming.url ?? '/';
    if (path === PROXY_PREFIX || path.startsWith(`${PROXY_PREFIX}/`) || path.startsWith(`${PROXY_PREFIX}?`)) return answerOwn(incoming, outgoing);
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
    report,
    async settled() {
      // Media fetches add exchanges as they end: wait until nothing is left under way.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      let seen: Promise<void>;
      do {
        seen = judging;
        await seen;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      } while (seen !== judging);
    },
    close() {
      closing ??= (async () => {
        media.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, graceMs);
        await Promise.allSettled([...inFlight]);
        clearTimeout(grace);
        for (const socket of sockets) socket.destroy();
        await stopped;
        await this.settled();
        agent.destroy();
      })();
      return closing;
    },
  };
}
