/**
 * The Node server's options and its handle (node.ts): what `sora-kit/server` users configure and get.
 */
import type { Server } from 'node:http';
import type { InspectorOptions } from '../mock/inspector/index.js';
import type { SoraMock } from '../mock/types.js';
import type { MediaPool } from './media-pool.js';

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
   * viewers that do not keep up (InspectorOptions). The mock serves it (its `inspector` option), so
   * this applies to a mock the server creates; for a mock of your own give createSoraMock `inspector`.
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
