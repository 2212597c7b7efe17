/**
 * What the validating proxy makes of the exchanges it forwarded, apart from any transport: each
 * finished exchange is recorded (one HAR entry), listed for the inspector and judged after those that
 * ended before it (the judge follows a job across its polls), and the report is built from what was
 * kept, within bounds. The forwarding (src/proxy/forward.ts) and the media fetcher hand exchanges
 * over; a test hands them over with no socket at all. Nothing here may load node:http, node:https or
 * node:net (test/proxy/observer.test.ts reads the imports).
 */
import type { ObservedExchange, TrafficJudge, Violation } from '../conformance/exchange.js';
import { severityOf, type JudgmentCheckId } from '../conformance/judgment-checks.js';
import { toHarEntry, type ExchangeToRecord } from '../replay/record.js';
import { cutText } from '../spec/describe.js';
import { toHeaders } from './bodies.js';
import type { HarFile } from './har-file.js';

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
export const SHOWN = 200;
/** Exchanges the inspector page lists (the newest). */
const RECENT_EXCHANGES = 200;

/** An exchange as the inspector page lists it. */
export interface RecentExchange {
  index: number;
  method: string;
  url: string;
  status: number;
  ms: number;
  violations: number;
}

/**
 * One finished exchange as the transport saw it: what the recording keeps (header pairs as they came,
 * versions, timings); the judge reads the same request and answer as an ObservedExchange.
 */
export interface FinishedExchange extends ExchangeToRecord {
  /** Why the judge may not see it (a body cut at a bound): it is recorded and listed all the same. */
  unjudged?: string;
  /** Gives its bodies back to the proxy's budget once the judge is done with them. */
  release?: () => void;
}

export interface ObserverOptions {
  /** Judges each exchange; without one, traffic is forwarded and recorded only. */
  judge?: TrafficJudge;
  /** Where exchanges are recorded as HAR (src/proxy/har-file.ts). */
  recorder?: HarFile;
  /** Called for each violation, as the judge reports it. */
  onViolation?: (violation: Violation) => void;
  /** The proxy's own trouble (a judge that threw, a media link that could not be fetched). */
  onWarning?: (message: string) => void;
  /** Violations kept for the report (beyond, they are counted by severity). Default MAX_VIOLATIONS_KEPT. */
  maxViolationsKept?: number;
}

export interface Observer {
  /** Record one finished exchange at once, and judge it after those handed over before it. */
  observe(finished: FinishedExchange): void;
  /** An answer the proxy could not forward (it answered the client itself): listed, and `check` reported in turn with the judge's findings. */
  notForwarded(answer: { method: string; url: string; status: number; ms: number }, check: JudgmentCheckId, message: string): void;
  /** Say in the report that the judge did not see (all of) something, and why. */
  skip(method: string, url: string, reason: string): void;
  report(): ProxyReport;
  /** The newest exchanges, oldest first. */
  recent(): readonly RecentExchange[];
  /** Resolves when everything handed over so far has been judged. */
  settled(): Promise<void>;
}

/** The judge's view of a finished exchange: the same request and answer, headers as Fetch holds them. */
function judgeView({ request, response, startedAt, timings }: ExchangeToRecord): ObservedExchange {
  return {
    request: { method: request.method, url: request.url, headers: toHeaders(request.headers), body: request.body },
    response: { status: response.status, headers: toHeaders(response.headers), body: response.body },
    // Exchanges of many clients overlap: the judge orders a job's observations by these, not by arrival.
    timing: { sentAt: startedAt, answeredAt: startedAt + timings.send + timings.wait + timings.receive },
  };
}

export function createObserver(options: ObserverOptions): Observer {
  const warn = options.onWarning ?? (() => {});
  const maxKept = options.maxViolationsKept ?? MAX_VIOLATIONS_KEPT;
  const violations: Violation[] = [];
  const notKept: Record<Violation['severity'], number> = { must: 0, should: 0, info: 0 };
  const notJudged: NotJudged[] = [];
  let notJudgedCount = 0;
  const recent: RecentExchange[] = [];
  let exchanges = 0;
  /** The judging queue: each exchange is judged after the one before it is done. */
  let judging: Promise<void> = Promise.resolve();

  function skip(method: string, link: string, reason: string): void {
    notJudgedCount++;
    if (notJudged.length < MAX_NOT_JUDGED_KEPT) notJudged.push({ method, url: cutText(link, SHOWN), reason });
    warn(`${method} ${cutText(link, SHOWN)}: not judged: ${reason}`);
  }

  function keep(violation: Violation, seen: RecentExchange): void {
    seen.violations++;
    if (violations.length < maxKept) violations.push(violation);
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

  function observe(finished: FinishedExchange): void {
    const { method, url: link } = finished.request;
    const release = finished.release ?? (() => {});
    const seen = listed(method, link, finished.response.status, finished.timings.send + finished.timings.wait + finished.timings.receive);
    if (options.recorder) {
      try {
        options.recorder.append(toHarEntry(finished));
      } catch (error) {
        warn(`could not record ${method} ${link}: ${(error as Error).message}`);
      }
    }
    const judge = options.judge;
    // A part of a body is not the body: judged, it would break rules the whole one keeps.
    if (!judge || finished.unjudged) {
      release();
      if (judge && finished.unjudged) skip(method, link, finished.unjudged);
      return;
    }
    judging = judging.then(async () => {
      try {
        for (const violation of await judge.observe(judgeView(finished))) keep(violation, seen);
      } catch (error) {
        warn(`the judge failed on ${method} ${link}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        release();
      }
    });
  }

  return {
    observe,
    skip,
    notForwarded({ method, url: link, status, ms }, check, message) {
      const seen = listed(method, link, status, ms);
      const violation: Violation = { check, severity: severityOf(check), method, url: link, message };
      judging = judging.then(() => keep(violation, seen));
    },
    report() {
      const dropped = notKept.must + notKept.should + notKept.info;
      return {
        exchanges,
        violations: violations.map((v) => ({ check: v.check, severity: v.severity, method: v.method, url: v.url, message: v.message })),
        ...(dropped ? { notKept: { ...notKept } } : {}),
        ...(notJudgedCount ? { notJudged: { count: notJudgedCount, first: notJudged.map((n) => ({ ...n })) } } : {}),
      };
    },
    recent: () => recent,
    async settled() {
      let seen: Promise<void>;
      do {
        seen = judging;
        await seen;
      } while (seen !== judging);
    },
  };
}
