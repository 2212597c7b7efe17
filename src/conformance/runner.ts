/**
 * Running the catalogue against a deployment: resolve options, probe, plan, run the checks under a
 * concurrency limit (checks marked `final` last, as they judge the whole run), and report.
 */
import { BASE_PATH } from '../spec/operations.js';
import pLimit from 'p-limit';
import { CATALOGUE } from './catalogue/index.js';
import { ConformanceClient } from './client.js';
import { coverageRows } from './coverage.js';
import { computePlan, selectChecks } from './plan.js';
import { Resources } from './resources.js';
import {
  CheckFailure,
  CheckSkipped,
  ConformanceUsageError,
  DeploymentUnreachableError,
  LicenseRejectedError,
  SEVERITIES,
  type Check,
  type CheckResult,
  type Plan,
  type Report,
  type ResolvedRunOptions,
  type RunOptions,
} from './types.js';


/**
 * The API root from what the user gave: the platform root (`http://host:port`, `/sora/v1` appended)
 * or the API root itself (`http://host:port/sora/v1`, kept). A trailing slash is ignored.
 */
export function normalizeBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new ConformanceUsageError(`baseUrl '${input}' is not a URL; expected e.g. http://127.0.0.1:4010 or http://127.0.0.1:4010/sora/v1.`, 'baseUrl');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConformanceUsageError(`baseUrl '${input}' must be http:// or https://.`, 'baseUrl');
  if (url.search || url.hash) throw new ConformanceUsageError(`baseUrl '${input}' must not have a query or fragment.`, 'baseUrl');
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith(BASE_PATH) ? path : `${path}${BASE_PATH}`}`;
}

/** Loopback hosts, where generations cost nothing: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** What a run does when an option is not given: the one place these numbers live (`--help` shows them). */
export const RUN_DEFAULTS = {
  severity: 'info',
  failOn: 'should',
  fuzz: 0,
  seed: 42,
  timeoutMs: 30_000,
  maxWaitSeconds: 600,
  concurrency: 4,
  maxGenerations: Number.POSITIVE_INFINITY,
  maxRetryAfterSeconds: 30,
  maxRetries: 3,
} as const;

function positive(name: keyof RunOptions, value: number | undefined, fallback: number, { integer = true, zero = false } = {}): number {
  if (value === undefined) return fallback;
  const ok = Number.isFinite(value) && (zero ? value >= 0 : value > 0) && (!integer || Number.isInteger(value));
  if (!ok) throw new ConformanceUsageError(`${name} ${value}: expected a ${zero ? 'non-negative' : 'positive'} ${integer ? 'integer' : 'number'}.`, name);
  return value;
}

export function resolveRunOptions(options: RunOptions): ResolvedRunOptions {
  if (!options.license) throw new ConformanceUsageError('license is required: the licence key the deployment accepts.', 'license');
  const baseUrl = normalizeBaseUrl(options.baseUrl);
  if (options.severity !== undefined && !SEVERITIES.includes(options.severity)) {
    throw new ConformanceUsageError(`severity '${String(options.severity)}': expected must, should or info.`, 'severity');
  }
  if (options.failOn !== undefined && options.failOn !== 'must' && options.failOn !== 'should') {
    throw new ConformanceUsageError(`failOn '${String(options.failOn)}': expected must or should (info never fails a run).`, 'failOn');
  }
  return {
    baseUrl,
    origin: new URL(baseUrl).origin,
    license: options.license,
    only: options.only ?? [],
    skip: options.skip ?? [],
    severity: options.severity ?? RUN_DEFAULTS.severity,
    failOn: options.failOn ?? RUN_DEFAULTS.failOn,
    fuzz: positive('fuzz', options.fuzz, RUN_DEFAULTS.fuzz, { zero: true }),
    seed: positive('seed', options.seed, RUN_DEFAULTS.seed, { zero: true }),
    timeoutMs: positive('timeoutMs', options.timeoutMs, RUN_DEFAULTS.timeoutMs),
    maxWaitSeconds: positive('maxWaitSeconds', options.maxWaitSeconds, RUN_DEFAULTS.maxWaitSeconds, { integer: false }),
    concurrency: positive('concurrency', options.concurrency, RUN_DEFAULTS.concurrency),
    maxGenerations: positive('maxGenerations', options.maxGenerations, RUN_DEFAULTS.maxGenerations, { zero: true, integer: false }),
    maxRetryAfterSeconds: positive('maxRetryAfterSeconds', options.maxRetryAfterSeconds, RUN_DEFAULTS.maxRetryAfterSeconds, { zero: true, integer: false }),
    maxRetries: positive('maxRetries', options.maxRetries, RUN_DEFAULTS.maxRetries, { zero: true }),
    onProgress: options.onProgress ?? (() => {}),
    fetch: options.fetch ?? globalThis.fetch,
  };
}

/**
 * One run against one deployment: the selected checks, their plan and the shared generations. The
 * runner and the vitest integration both drive it (the latter one check per test).
 */
export class ConformanceSession {
  readonly options: ResolvedRunOptions;
  /** Selected checks, in catalogue order (including those the plan skips). */
  readonly selected: readonly Check[];
  readonly plan: Plan;
  readonly client: ConformanceClient;
  private readonly resources: Resources;

  constructor(options: RunOptions, catalogue: readonly Check[] = CATALOGUE) {
    this.options = resolveRunOptions(options);
    this.selected = selectChecks(catalogue, this.options);
    this.plan = computePlan(this.selected, this.options);
    this.client = new ConformanceClient(this.options);
    this.resources = new Resources(this.client, this.options);
  }

  /** Checks the plan runs: the ordinary ones first, the `final` ones (which judge the whole run) last. */
  get runnable(): Check[] {
    const planned = this.selected.filter((c) => this.plan.checks.includes(c.id));
    return [...planned.filter((c) => !c.final), ...planned.filter((c) => c.final)];
  }

  /** Fails with DeploymentUnreachableError when nothing answers HTTP at the base URL. */
  /**
   * The pre-flight: one chat request that no deployment can turn into a generation (its `messages`
   * are empty), with the licence. No answer: the deployment is unreachable. 401 or 403: the licence is
   * refused (chat needs no paid add-on), and the run stops before anything costs money. Anything else
   * (the 400 a licensed request earns, or a 404 from a gateway without chat) lets the run go on.
   */
  async probe(): Promise<void> {
    const url = `${this.options.baseUrl}/chat/completions`;
    const send = async (authorization: string) => {
      try {
        const response = await this.options.fetch(url, {
          method: 'POST',
          signal: AbortSignal.timeout(this.options.timeoutMs),
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_image', messages: [] }),
        });
        return { status: response.status, text: await response.text() };
      } catch (error) {
        const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new DeploymentUnreachableError(`No HTTP answer from ${url} within ${this.options.timeoutMs} ms: ${cause}. Is the deployment running, and is its base URL right?`);
      }
    };
    const raw = await send(this.options.license);
    if (raw.status !== 401 && raw.status !== 403) return;
    // The seed's raw form refused: a deployment that takes only the SDK's Bearer form is still judged
    // (auth.raw-license reports the refusal), instead of the run stopping.
    const bearer = await send(`Bearer ${this.options.license}`);
    if (bearer.status !== 401 && bearer.status !== 403) {
      this.client.defaultAuth = 'bearer';
      return;
    }
    let said = '';
    try {
      const message = (JSON.parse(raw.text) as { error?: { message?: unknown } }).error?.message;
      if (typeof message === 'string') said = `: "${message.slice(0, 160)}"`;
    } catch {
      // not an envelope; the status says enough
    }
    throw new LicenseRejectedError(`The deployment refused the licence: POST ${url} answered ${raw.status}${said} (with Bearer too). Is the licence right? Nothing was generated.`);
  }

  skippedResults(): CheckResult[] {
    return this.plan.skipped.map(({ id, reason }) => {
      const check = this.selected.find((c) => c.id === id)!;
      return resultOf(check, 'skipped', reason, 0);
    });
  }

  async runCheck(check: Check): Promise<CheckResult> {
    this.options.onProgress({ type: 'check-start', id: check.id });
    const started = performance.now();
    const skip = (reason: string): never => {
      throw new CheckSkipped(reason);
    };
    let result: CheckResult;
    const client = this.client.forCheck(check.id);
    try {
      await check.run({ client, resources: this.resources, options: this.options, skip });
      result = resultOf(check, 'passed', '', performance.now() - started);
    } catch (error) {
      const elapsed = performance.now() - started;
      if (error instanceof CheckSkipped) result = resultOf(check, 'skipped', error.message, elapsed);
      else if (error instanceof CheckFailure) result = { ...resultOf(check, 'failed', error.message, elapsed), ...(error.detail ? { failure: error.detail } : {}) };
      else result = resultOf(check, 'failed', `the check could not complete: ${error instanceof Error ? error.message : String(error)}`, elapsed);
    }
    if (client.media.length) result.media = client.media;
    this.finished++;
    this.options.onProgress({ type: 'check-end', result, index: this.finished, total: this.plan.checks.length });
    return result;
  }

  private finished = 0;

  /**
   * Every planned check; results in catalogue order, plan-skipped ones included. Generations are what
   * `concurrency` limits (the client's generation slots); checks waiting on them or on a shared job
   * cost nothing, so more of them run at once, and those that generate the longest videos start first.
   */
  async runAll(): Promise<CheckResult[]> {
    const limit = pLimit(Math.max(16, this.options.concurrency * 4));
    const checks = this.runnable;
    const weight = (c: Check) => (c.generates?.(this.options) ?? []).reduce((n, g) => n + (g.kind === 'video' ? 10 * g.count : g.count), 0);
    const ordinary = checks.filter((c) => !c.final).sort((a, b) => weight(b) - weight(a));
    await Promise.all(ordinary.map((c) => limit(() => this.runCheck(c).then((r) => this.results.set(c.id, r)))));
    for (const check of checks.filter((c) => c.final)) this.results.set(check.id, await this.runCheck(check));
    for (const r of this.skippedResults()) this.results.set(r.id, r);
    return this.selected.map((c) => this.results.get(c.id)!);
  }

  private readonly results = new Map<string, CheckResult>();

  /**
   * What the traffic says about the run as a whole: when nearly every request that was not a
   * deliberate mistake got the same non-answer (401, 403, 404, 429, 5xx), say what it suggests.
   */
  hints(): string[] {
    const meant = this.client.exchanges.filter((e) => !e.mistake && new URL(e.request.url).origin === this.options.origin);
    if (meant.length < 3) return [];
    const byStatus = new Map<number, number>();
    for (const e of meant) byStatus.set(e.status, (byStatus.get(e.status) ?? 0) + 1);
    const [status, count] = [...byStatus].sort((a, b) => b[1] - a[1])[0];
    if (count / meant.length < 0.8) return [];
    const share = count === meant.length ? 'every request' : `${count} of ${meant.length} requests`;
    const why: Record<number, string> = {
      401: 'is the licence right?',
      403: 'does the licence have the paid add-ons (images, videos)?',
      404: 'is the base URL right (the API root is /sora/v1)?',
      429: 'the deployment is rate limiting: try a lower --concurrency.',
    };
    const reason = why[status] ?? (status >= 500 ? 'the deployment is failing: look at its logs.' : undefined);
    return reason ? [`${share} was answered ${status}: ${reason}`] : [];
  }

  report(results: CheckResult[], startedAt: Date, durationMs: number): Report {
    const failed = results.filter((r) => r.status === 'failed');
    return {
      baseUrl: this.options.baseUrl,
      startedAt: startedAt.toISOString(),
      durationMs,
      plan: this.plan,
      summary: {
        passed: results.filter((r) => r.status === 'passed').length,
        failed: failed.length,
        skipped: results.filter((r) => r.status === 'skipped').length,
        mustFailed: failed.filter((r) => r.severity === 'must').length,
        shouldFailed: failed.filter((r) => r.severity === 'should').length,
        infoFailed: failed.filter((r) => r.severity === 'info').length,
      },
      failOn: this.options.failOn,
      passed: !failed.some((r) => r.severity !== 'info' && SEVERITIES.indexOf(r.severity) <= SEVERITIES.indexOf(this.options.failOn)),
      hints: this.hints(),
      checks: results,
      coverage: coverageRows(),
    };
  }
}

function resultOf(check: Check, status: CheckResult['status'], message: string, durationMs: number): CheckResult {
  return { id: check.id, group: check.group, severity: check.severity, purpose: check.purpose, rule: check.rule, status, message, durationMs: Math.round(durationMs) };
}

/**
 * Run the conformance checks against a deployment and return the report. Throws
 * ConformanceUsageError for bad options and DeploymentUnreachableError when the probe gets no answer;
 * anything a deployment answers, however wrong, ends up in the report instead.
 */
export async function runConformance(options: RunOptions, catalogue: readonly Check[] = CATALOGUE): Promise<Report> {
  const session = new ConformanceSession(options, catalogue);
  session.options.onProgress({ type: 'plan', plan: session.plan });
  const startedAt = new Date();
  const started = performance.now();
  await session.probe();
  const results = await session.runAll();
  return session.report(results, startedAt, Math.round(performance.now() - started));
}
