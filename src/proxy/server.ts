/**
 * The validating proxy: a node:http server in front of a deployment of /sora/v1 that forwards every
 * request and every answer as they come, and shows a TrafficJudge (src/conformance/types.ts) each
 * exchange once it is over. Three parts, composed here:
 * - the transport (src/proxy/forward.ts): the server, forwarding, the bounded copy of the bodies,
 *   the answers the proxy gives itself (400 for a target that is no path, 502), shutdown;
 * - the observer (src/proxy/observer.ts), with no transport: records each finished exchange, judges
 *   them one at a time in the order they ended (the judge follows a job across its polls), keeps the
 *   bounded report;
 * - the proxy's own surface (src/proxy/endpoints.ts): `/__sora/proxy/*`, for this machine only.
 * With `fetchMedia` (the default), media links an answer carries (an image's `url`, markdown links in
 * a chat answer) are fetched by the proxy itself (src/proxy/media-fetch.ts), so the judge and the
 * recording have their bytes.
 *
 * Neither peer is trusted: a request target that is no path of the target is answered 400, a status
 * line HTTP cannot carry 502 (and a violation), and whatever did not fit the bounds (README, "Bounds
 * of the proxy") is forwarded whole but not judged, which the report says.
 */
import type { Server } from 'node:http';
import { BodyBudget, DEFAULT_MAX_BODY_BYTES, MIN_HELD_BYTES } from './bodies.js';
import { answerOwn, isOwnPath } from './endpoints.js';
import { createTransport } from './forward.js';
import { createMediaFetcher } from './media-fetch.js';
import { createObserver, type ObserverOptions, type ProxyReport } from './observer.js';

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

/** The judge, the recorder, the report's bounds and the callbacks are the observer's (src/proxy/observer.ts). */
export interface ValidatingProxyOptions extends ObserverOptions {
  /** The deployment: its origin (a base path is allowed and ignored). */
  target: string;
  /** Fetch media links the answers carry, for the judge and the recording. Default true. */
  fetchMedia?: boolean;
  /** Most bytes of one body kept for judging and recording (the client always gets all of it). Default 64 MiB. */
  maxBodyBytes?: number;
  /** Most bytes of bodies held at once, across exchanges under way and waiting for the judge. Default 128 MiB or twice maxBodyBytes, whichever is more. */
  maxHeldBytes?: number;
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

export function createValidatingProxy(options: ValidatingProxyOptions): ValidatingProxy {
  const target = parseTarget(options.target);
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const budget = new BodyBudget(options.maxHeldBytes ?? Math.max(MIN_HELD_BYTES, 2 * limit));
  const observer = createObserver(options);
  const transport = createTransport({
    target,
    limit,
    budget,
    graceMs: options.shutdownGraceMs ?? 2000,
    observer,
    own(incoming, outgoing) {
      if (!isOwnPath(incoming.url ?? '/')) return false;
      answerOwn({ target: target.origin, bound: () => transport.bound, report: observer.report, recent: observer.recent }, incoming, outgoing);
      return true;
    },
    forwarded: (options.fetchMedia ?? true) ? (answered) => media.fetchLinksOf(answered) : undefined,
  });
  const media = createMediaFetcher({ target, limit, budget, observer, track: transport.track });

  async function settled(): Promise<void> {
    // Media fetches add exchanges as they end: wait until nothing is left under way.
    do {
      await transport.idle();
      await observer.settled();
    } while (transport.busy);
  }

  let closing: Promise<void> | undefined;
  return {
    server: transport.server,
    get url() {
      return transport.url;
    },
    listen: transport.listen,
    report: observer.report,
    settled,
    close() {
      closing ??= (async () => {
        media.stop();
        await transport.close();
        await settled();
      })();
      return closing;
    },
  };
}
