/**
 * One proxy session as `sora-kit proxy` runs it, as a library call: the proxy, its judge, its
 * recording and its report, and the exit status a shutdown ends with. The CLI (src/cli/proxy.ts)
 * only reads flags, prints and handles signals; tests drive this directly with a judge of their own.
 */
import { createTrafficJudge } from '../conformance/traffic-judge.js';
import type { TrafficJudge, Violation } from '../conformance/types.js';
import { createHarFile, type HarFile } from './har-file.js';
import { reportFile, writeReport } from './report.js';
import { DEFAULT_MAX_BODY_BYTES } from './bodies.js';
import { createValidatingProxy, parseTarget, ProxyUsageError, type ValidatingProxy } from './server.js';

/** What a session does when an option is not given: the one place these values live (`--help` shows them). */
export const PROXY_DEFAULTS = {
  host: '127.0.0.1',
  port: 4011,
  failOn: 'should',
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
} as const;

export const DEFAULT_PROXY_PORT = PROXY_DEFAULTS.port;

/** Makes the judge of a session; the proxy calls `judge.observe(exchange)` once per finished exchange. */
export type JudgeFactory = (context: { target: string; fetchMedia: boolean }) => TrafficJudge | Promise<TrafficJudge>;

export interface ProxySessionOptions {
  target: string;
  host?: string;
  port?: number;
  /** Write the report here at shutdown: JUnit for `.xml`, JSON otherwise. */
  report?: string;
  /** Record the session as HAR 1.2 into this folder. */
  record?: string;
  /** Exit 1 when a violation at or above this severity was seen. Default `should`. */
  failOn?: 'must' | 'should';
  fetchMedia?: boolean;
  maxBodyBytes?: number;
}

export interface ProxySessionIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface ProxySessionDeps {
  createJudge?: JudgeFactory;
  io?: ProxySessionIo;
  /** Written into the recording's `creator`. */
  version?: string;
}

export interface ProxySession {
  readonly url: string;
  readonly proxy: ValidatingProxy;
  /** The HAR file being written, with `record`. */
  readonly recording: string | undefined;
  /** Close the proxy, judge what is left, write the report; resolves to the exit status (1 with a failing violation, else 0). */
  stop(): Promise<number>;
  /** Write the report now, from what was judged so far (what is under way is noted as not judged); the exit status. A report already written is kept. */
  stopNow(): number;
}

/** `✗ <check> [<severity>] <METHOD> <url>: <message>` */
export function violationLine(v: Violation): string {
  return `✗ ${v.check} [${v.severity}] ${v.method} ${v.url}: ${v.message}`;
}

export async function startProxySession(options: ProxySessionOptions, deps: ProxySessionDeps = {}): Promise<ProxySession> {
  const io = deps.io ?? { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  const target = parseTarget(options.target);
  const failOn = options.failOn ?? PROXY_DEFAULTS.failOn;
  if (failOn !== 'must' && failOn !== 'should') throw new ProxyUsageError(`--fail-on '${String(failOn)}' is not must or should`);
  const fetchMedia = options.fetchMedia ?? true;
  const startedAt = new Date();
  // The conformance checks' own judgments, unless a caller brings its own judge.
  const createJudge: JudgeFactory = deps.createJudge ?? ((ctx) => createTrafficJudge({ target: ctx.target }));
  const judge = await createJudge({ target: target.href, fetchMedia });
  let recorder: HarFile | undefined;
  if (options.record !== undefined) {
    try {
      recorder = createHarFile(options.record, { target: target.origin, version: deps.version ?? '0' });
    } catch (error) {
      throw new ProxyUsageError(`--record '${options.record}': cannot write a recording there (${(error as Error).message})`);
    }
  }
  const proxy = createValidatingProxy({
    target: target.href,
    judge,
    recorder,
    fetchMedia,
    maxBodyBytes: options.maxBodyBytes,
    onViolation: (v) => io.err(violationLine(v)),
    onWarning: (message) => io.err(`sora-kit proxy: ${message}`),
  });
  let url: string;
  const { host = PROXY_DEFAULTS.host, port = PROXY_DEFAULTS.port } = options;
  try {
    ({ url } = await proxy.listen({ host, port }));
  } catch (error) {
    recorder?.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new ProxyUsageError(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use; choose another with --port (0 picks a free port)`
        : `cannot listen on ${host}:${port}: ${(error as Error).message}`,
    );
  }
  io.out(`sora-kit proxy listening on ${url} -> ${target.origin}`);
  io.out(`  judge:     ${deps.createJudge ? 'custom' : 'the conformance checks'} (violations are printed to stderr)`);
  io.out(`  media:     ${fetchMedia ? 'links in answers are fetched for judging and recording' : 'not fetched (--no-fetch-media)'}`);
  if (recorder) io.out(`  recording: ${recorder.path}`);
  io.out(`  report:    ${url}/__sora/proxy/report${options.report ? `, and ${options.report} at shutdown` : ''}`);
  io.out(`  inspector: ${url}/__sora/proxy/ (exchanges and violations, live; open in a browser)`);

  /** Write the report and the summary once, from what was judged so far; the exit status. */
  let status: number | undefined;
  const conclude = (cut: boolean): number => {
    if (status !== undefined) return status;
    recorder?.close();
    const judged = proxy.report();
    if (cut) {
      // A second signal: whatever is still under way is not waited for, and the report says so.
      const note = { method: '-', url: target.origin, reason: 'a second signal stopped the proxy at once: exchanges and media fetches still under way were not judged' };
      judged.notJudged = { count: (judged.notJudged?.count ?? 0) + 1, first: [...(judged.notJudged?.first ?? []), note] };
    }
    const report = reportFile(judged, { target: target.origin, startedAt, failOn });
    if (options.report) writeReport(options.report, report);
    io.err(
      `sora-kit proxy: ${report.exchanges} exchanges, ${report.summary.must + report.summary.should + report.summary.info} violations (${report.summary.must} must, ${report.summary.should} should, ${report.summary.info} info)${report.notJudged ? `, ${report.notJudged.count} not judged` : ''}${options.report ? `; report written to ${options.report}` : ''}`,
    );
    status = report.summary.failing > 0 ? 1 : 0;
    return status;
  };
  let stopping: Promise<number> | undefined;
  return {
    url,
    proxy,
    recording: recorder?.path,
    stop() {
      stopping ??= proxy.close().then(() => conclude(false));
      return stopping;
    },
    stopNow() {
      return conclude(true);
    },
  };
}
