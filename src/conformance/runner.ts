/**
 * Running the catalogue against a deployment: resolve options, probe, plan, run the checks under a
 * concurrency limit (checks marked `final` last, as they judge the whole run), and report.
 */
import { FEATURES, type Feature } from '../spec/operations.js';
import pLimit from 'p-limit';
import { normalizeBaseUrl } from './base-url.js';
import { CATALOGUE } from './catalogue/index.js';
import { answerLimit, BodyLimitError, ConformanceClient, noAnswer, readBody, type Exchange } from './client.js';
import { LICENSE_VARIABLE, headerVariable } from './curl.js';
import { fieldsOf, type JudgedExchange } from './exchange.js';
import { detailOf } from './expect.js';
import { JudgeMemory, judgeWithRegistry } from './registry.js';
import { operationOfUrl } from '../spec/paths.js';
import type { Check } from './check.js';
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
  type CheckResult,
  type Plan,
  type Report,
  type ResolvedRunOptions,
  type RunOptions,
} from './types.js';

export { isLoopback, normalizeBaseUrl } from './base-url.js';


/** What a run does when an option is not given: the one place these numbers live (`--help` shows them). */
export const RUN_DEFAULTS = {
  severity: 'info',
  failOn: 'should',
  fuzz: 0,
  seed: 42,
  timeoutMs: 30_000,
  maxWaitSeconds: 600,
  concurrency: 4,
  // A real deployment's 25 s HD MP4 at 10 Mbit/s is about 31 MB (the mock's, 0.23 MB): twice that and more.
  maxBodyBytes: 64 * 2 ** 20,
  // A chat stream is kilobytes; one carrying a whole image inline as base64 a few MB.
  maxStreamBytes: 16 * 2 ** 20,
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

/** The code of the platform's refusal of an endpoint whose add-on the licence lacks. */
const FEATURE_NOT_ENABLED = 'feature_not_enabled';


function resolveFeatures(features: readonly Feature[] | undefined): readonly Feature[] | undefined {
  if (features === undefined) return undefined;
  for (const f of features) {
    if (!FEATURES.includes(f)) throw new ConformanceUsageError(`features '${String(f).slice(0, 40)}': expected some of ${FEATURES.join(', ')}.`, 'features');
  }
  return FEATURES.filter((f) => f === 'chat' || features.includes(f));
}

/** An RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the run sets itself on each request: the licence, and what the body and the connection decide. */
const OWN_HEADERS = ['authorization', 'host', 'content-type', 'content-length', 'transfer-encoding', 'connection'];

/** Extra headers, checked; a value is never quoted back (it may be a secret). */
function resolveHeaders(headers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  const variables = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    const shown = `'${name.slice(0, 60)}'`;
    if (!TOKEN.test(name)) throw new ConformanceUsageError(`headers ${shown}: not a header name; a name is letters, digits and !#$%&'*+.^_\`|~- (e.g. X-Gateway-Key).`, 'headers');
    if (OWN_HEADERS.includes(name.toLowerCase())) {
      throw new ConformanceUsageError(`headers ${shown}: the run sets ${name} itself${name.toLowerCase() === 'authorization' ? ' (it carries the licence: give it as the licence)' : ''}; extra headers are for what else the deployment needs.`, 'headers');
    }
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) throw new ConformanceUsageError(`headers ${shown}: its value must be text on one line (no CR, LF or NUL).`, 'headers');
    // Reports name each value by its variable: two names may not share one.
    const variable = headerVariable(name);
    const other = variables.get(variable);
    if (other !== undefined && other.toLowerCase() !== name.toLowerCase()) {
      throw new ConformanceUsageError(`headers ${shown}: reports would show it and '${other.slice(0, 60)}' as the same ${variable}; rename one.`, 'headers');
    }
    variables.set(variable, name);
  }
  return { ...headers };
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
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, RUN_DEFAULTS.maxBodyBytes),
    maxStreamBytes: positive('maxStreamBytes', options.maxStreamBytes, RUN_DEFAULTS.maxStreamBytes),
    maxGenerations: positive('maxGenerations', options.maxGenerations, RUN_DEFAULTS.maxGenerations, { zero: true, integer: false }),
    maxRetryAfterSeconds: positive('maxRetryAfterSeconds', options.maxRetryAfterSeconds, RUN_DEFAULTS.maxRetryAfterSeconds, { zero: true, integer: false }),
    maxRetries: positive('maxRetries', options.maxRetries, RUN_DEFAULTS.maxRetries, { zero: true }),
    onProgress: options.onProgress ?? (() => {}),
    fetch: options.fetch ?? globalThis.fetch,
    headers: resolveHeaders(options.headers),
    features: resolveFeatures(options.features),
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

  /** Add-ons the licence lacks, each with how that is known (given, or what the deployment answered); filled by probe(). */
  readonly lacking = new Map<Feature, string>();

  /** One request of the pre-flight, with the extra headers; no answer at all is DeploymentUnreachableError. */
  private async preflight(method: 'GET' | 'POST', path: string, authorization: string, body?: unknown): Promise<{ what: string; status: number; text: string }> {
    const url = `${this.options.baseUrl}${path}`;
    try {
      const response = await this.options.fetch(url, {
        method,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: { ...this.options.headers, authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // Only a refusal's message or code is read from it, and a bomb here must cost no more than anywhere else.
      const read = await readBody(response, answerLimit(this.options.maxBodyBytes)).catch((error: unknown) => {
        if (error instanceof BodyLimitError) return new Uint8Array(0);
        throw error;
      });
      return { what: `${method} ${url}`, status: response.status, text: new TextDecoder().decode(read) };
    } catch (error) {
      throw new DeploymentUnreachableError(`No HTTP answer from ${url}: ${noAnswer(error, url, this.options.timeoutMs)}`);
    }
  }

  /**
   * The pre-flight: one chat request that no deployment can turn into a generation (its `messages`
   * are empty), with the licence. No answer: the deployment is unreachable. 401 or 403: the licence is
   * refused (chat needs no paid add-on), and the run stops before anything costs money. Anything else
   * (the 400 a licensed request earns, or a 404 from a gateway without chat) lets the run go on. Then
   * the licence's add-ons, unless given.
   */
  async probe(): Promise<void> {
    const send = (authorization: string) => this.preflight('POST', '/chat/completions', authorization, { model: 'sora_image', messages: [] });
    const raw = await send(this.options.license);
    if (raw.status === 401 || raw.status === 403) {
      // The seed's raw form refused: a deployment that takes only the SDK's Bearer form is still judged
      // (auth.raw-license reports the refusal), instead of the run stopping.
      const bearer = await send(`Bearer ${this.options.license}`);
      if (bearer.status === 401 || bearer.status === 403) {
        const said = envelopeField(raw.text, 'message');
        throw new LicenseRejectedError(`The deployment refused the licence: ${raw.what} answered ${raw.status}${said ? `: "${said.slice(0, 160)}"` : ''} (with Bearer too). Is the licence right? Nothing was generated.`);
      }
      this.client.defaultAuth = 'bearer';
    }
    await this.findAddOns(this.client.defaultAuth === 'bearer' ? `Bearer ${this.options.license}` : this.options.license);
    this.client.lackingAddOns = this.lacking;
  }

  /**
   * The add-ons as given, or as the deployment answers one cheap request per add-on that no deployment
   * turns into a generation (an image request without a prompt, the video list): the platform's
   * `403 feature_not_enabled` there is the add-on missing. Any other answer, a 403 of another code
   * included, lets the checks run and judge it.
   */
  private async findAddOns(authorization: string): Promise<void> {
    const given = this.options.features;
    if (given) {
      for (const f of FEATURES) if (!given.includes(f)) this.lacking.set(f, `given: features ${given.join(',')}`);
      return;
    }
    const [images, videos] = await Promise.all([
      this.preflight('POST', '/images/generations', authorization, { model: 'sora_image' }),
      this.preflight('GET', '/videos', authorization),
    ]);
    for (const [feature, { what, status, text }] of [['images', images], ['videos', videos]] as const) {
      if (status === 403 && envelopeField(text, 'code') === FEATURE_NOT_ENABLED) this.lacking.set(feature, `detected: ${what} answered 403 ${FEATURE_NOT_ENABLED}`);
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
    await this.judgeTraffic();
    result = this.withFindings(check, result);
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
    // What the registry found after a check had ended (another check's exchange broke its rule).
    await this.judgeTraffic();
    for (const check of checks) this.results.set(check.id, this.withFindings(check, this.results.get(check.id)!));
    for (const r of this.skippedResults()) this.results.set(r.id, r);
    return this.selected.map((c) => this.results.get(c.id)!);
  }

  private readonly results = new Map<string, CheckResult>();

  /** The registry's memory of this run's traffic, and what it found, by check id. */
  private readonly memory = new JudgeMemory();
  private readonly findings = new Map<string, Array<{ message: string; exchange: Exchange }>>();
  private judgedCount = 0;
  private judging: Promise<void> = Promise.resolve();

  /**
   * Apply the registry to every exchange recorded since the last call, one at a time in the order
   * they ended (a job is followed across its polls), as the validating proxy applies it to its traffic.
   */
  judgeTraffic(): Promise<void> {
    this.judging = this.judging.then(async () => {
      const exchanges = this.client.exchanges;
      while (this.judgedCount < exchanges.length) {
        const exchange = exchanges[this.judgedCount++];
        let found;
        try {
          found = await judgeWithRegistry(judgedOf(exchange, this.options), this.memory);
        } catch (error) {
          // A bug of ours, not the deployment's: said in the report's hints, never a verdict.
          this.judgeErrors.push(`${exchange.request.method} ${exchange.request.url}: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        for (const f of found) {
          const list = this.findings.get(f.check) ?? [];
          list.push({ message: f.message, exchange });
          this.findings.set(f.check, list);
        }
      }
    });
    return this.judging;
  }

  private readonly judgeErrors: string[] = [];

  /** A check that passed fails with what the registry found under its id in the run's traffic. */
  private withFindings(check: Check, result: CheckResult): CheckResult {
    const found = this.findings.get(check.id);
    if (result.status !== 'passed' || !found?.length) return result;
    const shown = found.slice(0, 5).map((f) => `${f.exchange.request.method} ${f.exchange.request.url} -> ${f.exchange.status}: ${f.message} [${f.exchange.checkId}]`);
    const more = found.length > 5 ? `\n  … and ${found.length - 5} more` : '';
    return { ...result, status: 'failed', message: `${found.length} violation(s) in the run's traffic:\n  ${shown.join('\n  ')}${more}`, failure: detailOf(found[0].exchange) };
  }

  /**
   * What the traffic says about the run as a whole: when nearly every request that was not a
   * deliberate mistake got the same non-answer (401, 403, 404, 429, 5xx), say what it suggests.
   */
  hints(): string[] {
    const addOns = [...this.lacking].map(([f, how]) => `the licence has no '${f}' add-on (${how}): the checks that need it were skipped, not failed.`);
    const hints = [...addOns, ...this.statusHints()];
    if (this.judgeErrors.length) hints.push(`sora-kit could not judge ${this.judgeErrors.length} exchange(s) (a bug of sora-kit's; please report it): ${this.judgeErrors[0]}`);
    return hints;
  }

  private statusHints(): string[] {
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

/**
 * A recorded exchange in the registry's shape: the operation of its URL, the fields of its body, and
 * its headers as sent (the record shows the licence as $SORA_LICENSE and an extra header's value as its
 * $SORA_HEADER_<NAME>; the judge needs the values).
 */
function judgedOf(exchange: Exchange, options: Pick<ResolvedRunOptions, 'baseUrl' | 'license' | 'headers'>): JudgedExchange {
  const { request } = exchange;
  const op = operationOfUrl(request.method, request.url, options.baseUrl);
  const headers = new Headers();
  const extra = new Map(Object.entries(options.headers).map(([name, value]) => [headerVariable(name), value]));
  for (const [name, value] of Object.entries(request.recorded.headers)) {
    headers.set(name, extra.get(value) ?? (options.license ? value.split(LICENSE_VARIABLE).join(options.license) : value));
  }
  let json = request.json;
  if (json === undefined && request.recorded.body !== undefined) {
    try {
      json = JSON.parse(request.recorded.body) as unknown;
    } catch {
      // invalid JSON on purpose: the rules read nothing from it
    }
  }
  return {
    method: request.method,
    url: request.url,
    op,
    request: { headers, fields: fieldsOf(op?.id, { json, form: request.form }) },
    status: exchange.status,
    headers: exchange.headers,
    contentType: exchange.contentType,
    body: exchange.body,
    timing: { sentAt: exchange.sentAt, answeredAt: exchange.sentAt + exchange.durationMs },
    ...(exchange.mistake ? { declaredMistake: { param: exchange.param } } : {}),
  };
}

/** A text field of an error envelope (`error.message`, `error.code`), when the body is one. */
function envelopeField(text: string, field: 'message' | 'code'): string | undefined {
  try {
    const value = (JSON.parse(text) as { error?: Record<string, unknown> }).error?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    // not an envelope; the status says enough
    return undefined;
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
