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
 *   stream ends, a video is not buffered), and a copy, bounded by `maxBodyBytes`, is kept for the
 *   judge and the recording. Redirects are passed on, never followed.
 * - `/__sora/proxy/*` is the proxy's own (`GET /__sora/proxy/report`), for this machine only (the
 *   Host must be one of the proxy's names, and no page of another origin may ask).
 *
 * The judge sees an exchange after its answer has been forwarded; exchanges are judged one at a
 * time in the order they ended (the judge follows a job across its polls). With `fetchMedia` (the
 * default), media links an answer carries (an image's `url`, markdown links in a chat answer) are
 * fetched once by the proxy itself, so the judge and the recording have their bytes: a GET of a link
 * the deployment handed out, with the licence only when the link is on the target's own origin.
 */
import { INSPECTOR_CSP, inspectorPage, inspectorScript } from './inspector.js';
import { streamContent } from '../conformance/judge.js';
import { findLinks } from '../conformance/media-rules.js';
import { createServer, request as httpRequest, Agent as HttpAgent, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ObservedExchange, Severity, TrafficJudge, Violation } from '../conformance/types.js';
import { toHarEntry, type ExchangeToRecord, type HarChunk } from '../replay/index.js';
import { concatBytes } from '../util/index.js';
import { crossOriginSender } from '../util/origin-policy.js';
import type { HarFile } from './har-file.js';

export const PROXY_PREFIX = '/__sora/proxy';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

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

export interface ProxyReport {
  exchanges: number;
  violations: Violation[];
  /** Violations seen beyond the ones kept (a long session against a broken deployment), by severity. */
  notKept?: Record<Violation['severity'], number>;
}

/** Violations a proxy keeps for its report; beyond, they are printed and counted, not kept. */
export const MAX_VIOLATIONS_KEPT = 10_000;
/** Media links remembered as fetched (each is fetched once); beyond, the oldest are forgotten. */
const MAX_FETCHED_LINKS = 10_000;

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
  /** Called for each violation, as the judge reports it. */
  onViolation?: (violation: Violation) => void;
  /** The proxy's own trouble (a judge that threw, a media link that could not be fetched). */
  onWarning?: (message: string) => void;
  /** Violations kept for the report (beyond, they are counted by severity). Default MAX_VIOLATIONS_KEPT. */
  maxViolationsKept?: number;
  /** How close() waits for exchanges under way before it cuts them. Default 2000 ms. */
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

function toHeaders(pairs: ReadonlyArray<readonly [string, string]>): Headers {
  const headers = new Headers();
  for (const [name, value] of pairs) {
    try {
      headers.append(name, value);
    } catch {
      // a header the Fetch API cannot hold: the judge does not see it
    }
  }
  return headers;
}

/** Bytes of a body copied as it passes, up to a bound. */
class Tee {
  private chunks: Uint8Array[] = [];
  private kept = 0;
  truncated = false;
  total = 0;
  constructor(private readonly limit: number) {}
  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.truncated) return;
    if (this.kept + chunk.length > this.limit) {
      this.chunks.push(chunk.subarray(0, this.limit - this.kept));
      this.kept = this.limit;
      this.truncated = true;
      return;
    }
    // node reuses no chunk it emitted, so keeping the reference is safe
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

/** The body as the client's HTTP library would read it (gzip, deflate and br undone); as it came if it does not decode. */
function contentDecoded(bytes: Uint8Array, encoding: string | undefined): Uint8Array {
  const codings = (encoding ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c && c !== 'identity');
  let out: Uint8Array = bytes;
  try {
    for (const coding of codings.reverse()) {
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out);
      else if (coding === 'deflate') out = inflateSync(out);
      else if (coding === 'br') out = brotliDecompressSync(out);
      else return bytes;
    }
  } catch {
    return bytes;
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

const header = (pairs: ReadonlyArray<readonly [string, string]>, name: string) => pairs.find(([n]) => n.toLowerCase() === name)?.[1];

/**
 * Media links in an API answer, found the way the checks find them (conformance/media.ts): in every
 * string of a JSON answer (an image's `url`, a chat answer's content, in markdown, HTML or bare), and
 * in the text a chat stream's deltas add up to.
 */
export function mediaLinks(body: Uint8Array, contentType: string): string[] {
  if (!/json|event-stream/i.test(contentType) || body.length === 0) return [];
  if (/event-stream/i.test(contentType)) return findLinks(streamContent(body) ?? '');
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return [];
  }
  const strings: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32) return;
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => walk(x, depth + 1));
  };
  walk(value, 0);
  return findLinks(strings.join('\n'));
}

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

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function createValidatingProxy(options: ValidatingProxyOptions): ValidatingProxy {
  const target = parseTarget(options.target);
  const secure = target.protocol === 'https:';
  const agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = secure ? httpsRequest : httpRequest;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const fetchMedia = options.fetchMedia ?? true;
  const graceMs = options.shutdownGraceMs ?? 2000;
  const warn = options.onWarning ?? (() => {});
  const violations: Violation[] = [];
  const notKept: Record<Violation['severity'], number> = { must: 0, should: 0, info: 0 };
  /** The newest exchanges, for the inspector page (bounded). */
  const recent: RecentExchange[] = [];
  const fetched = new Set<string>();
  const sockets = new Set<Socket>();
  const inFlight = new Set<Promise<void>>();
  let exchanges = 0;
  let judging: Promise<void> = Promise.resolve();
  let url: string | undefined;
  let bound = '127.0.0.1';
  let closing: Promise<void> | undefined;

  /** Judge and record one finished exchange, after those that ended before it. */
  function observe(exchange: ObservedExchange, record: ExchangeToRecord, truncated: boolean): void {
    exchanges++;
    const seen: RecentExchange = {
      index: exchanges,
      method: exchange.request.method,
      url: exchange.request.url,
      status: exchange.response.status,
      ms: Math.round(record.timings.send + record.timings.wait + record.timings.receive),
      violations: 0,
    };
    recent.push(seen);
    if (recent.length > RECENT_EXCHANGES) recent.shift();
    judging = judging.then(async () => {
      if (options.recorder) {
        try {
          options.recorder.append(toHarEntry(record));
        } catch (error) {
          warn(`could not record ${record.request.method} ${record.request.url}: ${(error as Error).message}`);
        }
      }
      if (!options.judge) return;
      if (truncated) {
        warn(`${exchange.request.method} ${exchange.request.url}: a body is over ${limit} bytes (--max-body-bytes); not judged`);
        return;
      }
      try {
        for (const violation of await options.judge.observe(exchange)) {
          seen.violations++;
          if (violations.length < (options.maxViolationsKept ?? MAX_VIOLATIONS_KEPT)) violations.push(violation);
          else notKept[violation.severity]++;
          options.onViolation?.(violation);
        }
      } catch (error) {
        warn(`the judge failed on ${exchange.request.method} ${exchange.request.url}: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }

  /** GET a media link an answer carried, once per session, for the judge and the recording. */
  function fetchLinks(links: string[], licence: string | undefined): void {
    for (const link of links) {
      if (fetched.has(link)) continue;
      fetched.add(link);
      if (fetched.size > MAX_FETCHED_LINKS) fetched.delete(fetched.values().next().value as string);
      const task = (async () => {
        const started = Date.now();
        const t0 = performance.now();
        const headers: Array<[string, string]> = [['accept', '*/*']];
        if (licence !== undefined && new URL(link).origin === target.origin) headers.push(['authorization', licence]);
        try {
          const response = await fetch(link, { headers, signal: AbortSignal.timeout(120_000) });
          const t1 = performance.now();
          const tee = new Tee(limit);
          const reader = response.body?.getReader();
          for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) tee.push(read.value);
          const t2 = performance.now();
          const responseHeaders = [...response.headers] as Array<[string, string]>;
          const body = tee.bytes();
          const exchange: ObservedExchange = {
            request: { method: 'GET', url: link, headers: toHeaders(headers), body: new Uint8Array(0) },
            response: { status: response.status, headers: response.headers, body },
          };
          observe(
            exchange,
            {
              startedAt: started,
              by: 'proxy',
              request: { method: 'GET', url: link, httpVersion: '1.1', headers, body: new Uint8Array(0) },
              // fetch has already undone any content coding; the recorded headers say what came
              response: { status: response.status, statusText: response.statusText, httpVersion: '1.1', headers: responseHeaders.filter(([n]) => n !== 'content-encoding'), body },
              timings: { send: 0, wait: t1 - t0, receive: t2 - t1 },
              truncated: tee.truncated,
            },
            tee.truncated,
          );
        } catch (error) {
          warn(`could not fetch media ${link}: ${error instanceof Error ? error.message : String(error)}`);
        }
      })();
      track(task);
    }
  }

  function track(task: Promise<void>): void {
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  }

  function hostAllowed(host: string | undefined): boolean {
    if (!host) return false;
    const name = (host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d*$/, '')).toLowerCase().replace(/\.$/, '');
    const loopback = LOOPBACK_NAMES.has(bound) || bound.startsWith('127.');
    return (loopback && LOOPBACK_NAMES.has(name)) || name === bound.toLowerCase() || name === `[${bound.toLowerCase()}]`;
  }

  function answerOwn(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const json = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      const text = JSON.stringify(body, null, 2);
      outgoing.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...extra });
      outgoing.end(text);
    };
    const refuse = (status: number, message: string, code: string, extra?: Record<string, string>) =>
      json(status, { error: { message, type: 'invalid_request_error', param: null, code } }, extra);
    incoming.resume();
    const host = incoming.headers.host;
    if (!hostAllowed(host)) return refuse(403, `Host '${String(host ?? '').slice(0, 80)}' is not a name of this proxy; ${PROXY_PREFIX}/* answers only under its own address.`, 'host_not_allowed');
    const own = `http://${host}`;
    const sender = crossOriginSender(toHeaders(endToEnd(incoming.rawHeaders)), own);
    if (sender) {
      return refuse(403, `Cross-origin request refused: ${PROXY_PREFIX}/* is the proxy's own surface and answers pages of its own origin only (${sender.header === 'origin' ? 'Origin' : 'Sec-Fetch-Site'}: ${sender.value.slice(0, 80)}).`, 'cross_origin_refused');
    }
    const path = (incoming.url ?? '').split('?')[0];
    const surface = [`${PROXY_PREFIX}/`, `${PROXY_PREFIX}/inspector.js`, `${PROXY_PREFIX}/report`, `${PROXY_PREFIX}/exchanges`];
    if (!surface.includes(path)) return refuse(404, `Unknown proxy endpoint ${path}; the proxy's own surface is ${surface.map((p) => `GET ${p}`).join(', ')}.`, 'not_found');
    if (incoming.method !== 'GET' && incoming.method !== 'HEAD') return refuse(405, `${path} answers GET only.`, 'method_not_allowed', { allow: 'GET, HEAD' });
    const page = (type: string, text: string) => {
      outgoing.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'content-security-policy': INSPECTOR_CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
      outgoing.end(text);
    };
    if (path === `${PROXY_PREFIX}/`) return page('text/html; charset=utf-8', inspectorPage(PROXY_PREFIX, target.origin));
    if (path === `${PROXY_PREFIX}/inspector.js`) return page('text/javascript; charset=utf-8', inspectorScript(PROXY_PREFIX));
    if (path === `${PROXY_PREFIX}/exchanges`) return json(200, { exchanges: recent });
    json(200, report());
  }

  function report(): ProxyReport {
    const dropped = notKept.must + notKept.should + notKept.info;
    return {
      exchanges,
      violations: violations.map((v) => ({ check: v.check, severity: v.severity, method: v.method, url: v.url, message: v.message })),
      ...(dropped ? { notKept: { ...notKept } } : {}),
    };
  }

  function forward(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    return new Promise<void>((done) => {
      const started = Date.now();
      const t0 = performance.now();
      const method = incoming.method ?? 'GET';
      const path = incoming.url ?? '/';
      const upstreamUrl = new URL(path.startsWith('/') ? path : `/${path}`, target.origin).href;
      const requestHeaders = endToEnd(incoming.rawHeaders).map(([n, v]): [string, string] => (n.toLowerCase() === 'host' ? [n, target.host] : [n, v]));
      if (!requestHeaders.some(([n]) => n.toLowerCase() === 'host')) requestHeaders.unshift(['Host', target.host]);
      const requestTee = new Tee(limit);
      let requestEnded = false;
      let tSent = t0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        done();
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
      // The client went away: so does the request to the deployment.
      outgoing.on('close', () => {
        if (!outgoing.writableFinished) upstream.destroy();
        finish();
      });

      upstream.on('error', (error) => {
        if (outgoing.headersSent) {
          outgoing.destroy(error);
          return;
        }
        const text = JSON.stringify({
          error: {
            message: `sora-kit proxy: the deployment at ${target.origin} did not answer ${method} ${path.split('?')[0]}: ${(error as NodeJS.ErrnoException).code ?? error.message}.`,
            type: 'server_error',
            param: null,
            code: 'bad_gateway',
          },
        });
        outgoing.writeHead(502, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        outgoing.end(text);
      });

      upstream.on('response', (res) => {
        const tHeaders = performance.now();
        const responseHeaders = endToEnd(res.rawHeaders);
        const type = header(responseHeaders, 'content-type') ?? '';
        const streamed = /^text\/event-stream/i.test(type);
        const chunks: HarChunk[] = [];
        const responseTee = new Tee(limit);
        outgoing.writeHead(res.statusCode ?? 502, res.statusMessage, responseHeaders.flat());
        outgoing.flushHeaders();
        res.on('data', (chunk: Buffer) => {
          responseTee.push(chunk);
          if (streamed && chunk.length > 0) chunks.push({ time: Math.round((performance.now() - tHeaders) * 10) / 10, size: chunk.length });
        });
        res.pipe(outgoing);
        res.on('error', (error) => outgoing.destroy(error));
        res.on('aborted', () => outgoing.destroy());
        outgoing.on('finish', () => {
          const tEnd = performance.now();
          if (!requestEnded) return finish();
          const encoding = header(responseHeaders, 'content-encoding');
          const responseBody = responseTee.truncated ? responseTee.bytes() : contentDecoded(responseTee.bytes(), encoding);
          const requestBody = requestTee.bytes();
          const truncated = requestTee.truncated || responseTee.truncated;
          const exchange: ObservedExchange = {
            request: { method, url: upstreamUrl, headers: toHeaders(requestHeaders), body: requestBody },
            response: { status: res.statusCode ?? 0, headers: toHeaders(responseHeaders), body: responseBody },
          };
          observe(
            exchange,
            {
              startedAt: started,
              by: 'client',
              request: { method, url: upstreamUrl, httpVersion: incoming.httpVersion, headers: requestHeaders, body: requestBody },
              response: {
                status: res.statusCode ?? 0,
                statusText: res.statusMessage ?? '',
                httpVersion: res.httpVersion,
                headers: responseHeaders,
                body: responseBody,
                ...(streamed ? { chunks: mergeChunks(chunks, responseBody.length, responseTee.total) } : {}),
              },
              timings: { send: Math.max(0, tSent - t0), wait: Math.max(0, tHeaders - tSent), receive: tEnd - tHeaders },
              truncated,
            },
            truncated,
          );
          const status = res.statusCode ?? 0;
          if (fetchMedia && status >= 200 && status < 300 && !truncated) fetchLinks(mediaLinks(responseBody, type), header(requestHeaders, 'authorization'));
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

/** The chunks as recorded, adjusted to the kept body when it was cut. */
function mergeChunks(chunks: HarChunk[], kept: number, total: number): HarChunk[] {
  if (kept === total) return chunks;
  const out: HarChunk[] = [];
  let at = 0;
  for (const c of chunks) {
    if (at >= kept) break;
    const size = Math.min(c.size, kept - at);
    out.push({ time: c.time, size });
    at += size;
  }
  return out;
}
