/**
 * Running the catalogue against a deployment: resolve options, probe, plan, run the checks under a
 * concurrency limit (checks marked `final` last, as they judge the whole run), and report.
 */
import { BASE_PATH } from '../spec/operations.js';
import pLimit from 'p-limit';
import { CATALOGUE } from './catalogue/index.js';
import { ConformanceClient } from './client.js';
import { computePlan, selectChecks } from './plan.js';
import { Resources } from './resources.js';
import {
  CheckFailure,
  CheckSkipped,
  ConformanceUsageError,
  DeploymentUnreachableError,
  LicenseRejectedError,
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
  severity: 'should',
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
  if (options.severity !== undefined && options.severity !== 'must' && options.severity !== 'should') {
    throw new ConformanceUsageError(`severity '${String(options.severity)}': expected must or should.`, 'severity');
  }
  return {
    baseUrl,
    origin: new URL(baseUrl).origin,
    license: options.license,
    only: options.only ?? [],
    skip: options.skip ?? [],
    severity: options.severity ?? RUN_DEFAULTS.severity,
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
    let status: number;
    let text: string;
    try {
      const response = await this.options.fetch(url, {
        method: 'POST',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { authorization: this.options.license, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sora_image', messages: [] }),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new DeploymentUnreachableError(`No HTTP answer from ${url} within ${this.options.timeoutMs} ms: ${cause}. Is the deployment running, and is its base URL right?`);
    }
    if (status === 401 || status === 403) {
      let said = '';
      try {
        const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
        if (typeof message === 'string') said = `: "${message.slice(0, 160)}"`;
      } catch {
        // not an envelope; the status says enough
      }
      throw new LicenseRejectedError(`The deployment refused the licence: POST ${url} answered ${status}${said}. Is the licence right? Nothing was generated.`);
    }
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
    try {
      await check.run({ client: this.client.forCheck(check.id), resources: this.resources, options: this.options, skip });
      result = resultOf(check, 'passed', '', performance.now() - started);
    } catch (error) {
      const elapsed = performance.now() - started;
      if (error instanceof CheckSkipped) result = resultOf(check, 'skipped', error.message, elapsed);
      else if (error instanceof CheckFailure) result = resultOf(check, 'failed', error.message, elapsed);
      else result = resultOf(check, 'failed', `the check could not complete: ${error instanceof Error ? error.message : String(error)}`, elapsed);
    }
    this.options.onProgress({ type: 'check-end', result });
    return result;
  }

  /** Every planned check; results in catalogue order, plan-skipped ones included. */
  async runAll(): Promise<CheckResult[]> {
    const limit = pLimit(this.options.concurrency);
    const checks = this.runnable;
    const ordinary = await Promise.all(checks.filter((c) => !c.final).map((c) => limit(() => this.runCheck(c))));
    const finals: CheckResult[] = [];
    for (const check of checks.filter((c) => c.final)) finals.push(await this.runCheck(check));
    const byId = new Map([...ordinary, ...finals, ...this.skippedResults()].map((r) => [r.id, r]));
    return this.selected.map((c) => byId.get(c.id)!);
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
      },
      checks: results,
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
