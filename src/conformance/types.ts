/**
 * The vocabulary of the conformance runner: checks, their results, the plan and the report. A check
 * judges a deployment only through HTTP, sora-kit's schemas and rules, and media inspection.
 */
import type { Feature } from '../spec/operations.js';
import type { CoverageRow } from './coverage.js';

export const GROUPS = ['auth', 'chat', 'images', 'videos', 'models', 'errors', 'traffic', 'fuzz'] as const;
export type Group = (typeof GROUPS)[number];

import type { Severity } from './exchange.js';

export { SEVERITIES, type Severity, type ObservedExchange, type Violation, type TrafficJudge } from './exchange.js';
export type CheckStatus = 'passed' | 'failed' | 'skipped';

/** A generation a check causes: the unit of the plan and of `--max-generations`. */
export interface Generation {
  kind: 'image' | 'video';
  /** What is generated, e.g. `sora_image 3:2` or `sora_video2-landscape-hd 1792x1024 10s`. */
  label: string;
  count: number;
}

/** Keys of generations shared by several checks (one create + poll serves them all). */
export type SharedKey = string;

/** A request as the run sent it, enough to show it and to rebuild it as a `curl` command. */
export interface RecordedRequest {
  method: string;
  url: string;
  /** Headers as sent, the licence replaced by `$SORA_LICENSE`. */
  headers: Record<string, string>;
  /** A JSON body as sent (already serialised text; may be invalid JSON on purpose). */
  body?: string;
  /** A multipart body: text fields and files (name, type, size; the bytes are not kept). */
  form?: Array<{ name: string; value: string } | { name: string; file: { filename: string; type: string; size: number } }>;
}

/** A media answer the check judged: where it came from and what decoding found. */
export interface MediaEvidence {
  url: string;
  status: number;
  contentType: string;
  /** The decoded facts (`png 1024x1024`, `mp4/h264 720x1280 10.00 s 30.0 fps`), or why decoding failed. */
  facts?: string;
  error?: string;
  kind?: 'image' | 'video';
  /** The bytes, for reporters that show or save the media; absent from the JSON report. */
  bytes?: Uint8Array;
}

/** What a failure showed: the exchange, what was expected and what came instead. */
export interface FailureDetail {
  request?: RecordedRequest;
  response?: { status: number; contentType: string; body: string };
  expected?: string;
  actual?: string;
}

export interface CheckResult {
  id: string;
  group: Group;
  severity: Severity;
  purpose: string;
  rule: string;
  status: CheckStatus;
  /** Why it failed or was skipped; empty when it passed. */
  message: string;
  durationMs: number;
  /** The exchange behind a failure (the last one the check named). */
  failure?: FailureDetail;
  /** Media the check downloaded and judged, in order. */
  media?: MediaEvidence[];
}

export interface Plan {
  /** Ids of the checks that will run, in catalogue order. */
  checks: string[];
  /** Selected checks that will not run, with the reason (e.g. over `--max-generations`). */
  skipped: Array<{ id: string; reason: string }>;
  generations: Generation[];
  totals: { images: number; videos: number };
}

export interface Report {
  baseUrl: string;
  startedAt: string;
  durationMs: number;
  plan: Plan;
  summary: { passed: number; failed: number; skipped: number; mustFailed: number; shouldFailed: number; infoFailed: number };
  /** The lowest severity whose failure fails the run (`--fail-on`). */
  failOn: Exclude<Severity, 'info'>;
  /** True when no check at or above `failOn` failed. */
  passed: boolean;
  /** What the run as a whole suggests (every request refused with 401: is the licence right?). */
  hints: string[];
  checks: CheckResult[];
  /**
   * The coverage matrix: per item of the contract (parameter, answer field), the checks that judge it
   * or why it is free. Set by the runner; absent from reports of observed traffic (the proxy).
   */
  coverage?: CoverageRow[];
}

export type ProgressEvent =
  | { type: 'plan'; plan: Plan }
  | { type: 'check-start'; id: string }
  /** `index` counts finished checks (1-based) of `total` planned. */
  | { type: 'check-end'; result: CheckResult; index: number; total: number }
  | { type: 'job'; videoId: string; label: string; status: string; progress: number };

export interface RunOptions {
  /** The platform root (`http://host:port`) or the API root (`http://host:port/sora/v1`). */
  baseUrl: string;
  license: string;
  /** Check ids, id prefixes (`videos.content`) or group names to run; default all. */
  only?: readonly string[];
  skip?: readonly string[];
  /** The lowest severity to run: `must` only, `should` (must and should), `info` (default: all). */
  severity?: Severity;
  /** The lowest severity whose failure fails the run: `should` (default) or `must` (a lenient run). */
  failOn?: Exclude<Severity, 'info'>;
  /** Number of fuzz cases (images and videos together); 0 (default) skips the fuzz group. */
  fuzz?: number;
  /** Seed of the fuzz cases and of the runner's prompts. */
  seed?: number;
  /** Per-request timeout in ms (default 30 000); for streams, the longest silence tolerated. */
  timeoutMs?: number;
  /** Longest wait for one video job or stream, in seconds (default 600). */
  maxWaitSeconds?: number;
  /** Checks running at the same time (default 4). */
  concurrency?: number;
  /**
   * Most bytes of one answer the run reads, after decompression (default 64 MiB): a larger one fails
   * the check that read it, and the rest is not downloaded.
   */
  maxBodyBytes?: number;
  /** Most bytes of one event stream (default 16 MiB); its duration is bounded by `maxWaitSeconds`. */
  maxStreamBytes?: number;
  /** Most images + videos the run may generate; checks beyond it are skipped. Default unlimited. */
  maxGenerations?: number;
  /** Longest honoured `Retry-After`, in seconds (default 30), and retries per request (default 3). */
  maxRetryAfterSeconds?: number;
  maxRetries?: number;
  onProgress?: (event: ProgressEvent) => void;
  /** Inject a fetch (tests, proxies); default the global one. */
  fetch?: typeof fetch;
  /**
   * Headers sent on every request to the deployment (a gateway's key, a tenant), beside the licence.
   * Reports and curl commands show each value as `$SORA_HEADER_<NAME>`, never the value itself.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * The licence's add-ons (chat is always included). Default: detected before the run, one cheap
   * request per add-on; checks that need one the licence lacks are skipped, not failed.
   */
  features?: readonly Feature[];
}

export interface ResolvedRunOptions {
  baseUrl: string;
  /** Origin of the deployment, for same-origin decisions (licence on media links). */
  origin: string;
  license: string;
  only: readonly string[];
  skip: readonly string[];
  severity: Severity;
  failOn: Exclude<Severity, 'info'>;
  fuzz: number;
  seed: number;
  timeoutMs: number;
  maxWaitSeconds: number;
  concurrency: number;
  maxBodyBytes: number;
  maxStreamBytes: number;
  maxGenerations: number;
  maxRetryAfterSeconds: number;
  maxRetries: number;
  onProgress: (event: ProgressEvent) => void;
  fetch: typeof fetch;
  headers: Readonly<Record<string, string>>;
  /** Undefined: detect them (ConformanceSession.probe). */
  features: readonly Feature[] | undefined;
}

/** Thrown by a check (through the `expect` helpers) to fail with a message. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  constructor(
    message: string,
    readonly detail?: FailureDetail,
  ) {
    super(message);
  }
}

/** Thrown by `skip()`. */
export class CheckSkipped extends Error {
  override readonly name = 'CheckSkipped';
}

/** Bad options (exit 2 in the CLI). */
export class ConformanceUsageError extends Error {
  override readonly name = 'ConformanceUsageError';
  /**
   * The run option at fault, named as in `RunOptions` (`maxWaitSeconds`); its message names it the
   * same way, so a front end (the CLI) can say it in its own terms (`--max-wait`).
   */
  constructor(
    message: string,
    readonly option?: keyof RunOptions,
  ) {
    super(message);
  }
}

/** The deployment refused the licence in the pre-flight request (exit 2 in the CLI): nothing else was sent. */
export class LicenseRejectedError extends Error {
  override readonly name = 'LicenseRejectedError';
}

/** The deployment did not answer the probe (exit 2 in the CLI). */
export class DeploymentUnreachableError extends Error {
  override readonly name = 'DeploymentUnreachableError';
}
