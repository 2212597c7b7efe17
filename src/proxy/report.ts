/**
 * The proxy's report file (`--report FILE`): JSON, or JUnit XML when the name ends in `.xml`. One
 * JUnit test case per check that saw traffic break it (a failure per violation), so CI shows each
 * broken rule once with every exchange that broke it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ruleOf } from '../conformance/judgment-checks.js';
import { purposeOf } from '../conformance/registry.js';
import { formatHtml } from '../conformance/reporters/html.js';
import { GROUPS, type CheckResult, type Group, type Report, type Severity, type Violation } from '../conformance/types.js';
import { escapeXml as xml } from '../util/xml.js';
import type { ProxyReport } from './observer.js';

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

export interface ProxyReportFile extends ProxyReport {
  target: string;
  startedAt: string;
  durationMs: number;
  failOn: 'must' | 'should';
  summary: { must: number; should: number; info: number; failing: number };
}

export function reportFile(report: ProxyReport, meta: { target: string; startedAt: Date; failOn: 'must' | 'should' }): ProxyReportFile {
  const count = (s: Violation['severity']) => report.violations.filter((v) => v.severity === s).length + (report.notKept?.[s] ?? 0);
  return {
    target: meta.target,
    startedAt: meta.startedAt.toISOString(),
    durationMs: Date.now() - meta.startedAt.getTime(),
    failOn: meta.failOn,
    exchanges: report.exchanges,
    summary: { must: count('must'), should: count('should'), info: count('info'), failing: failingCount(report, meta.failOn) },
    violations: report.violations,
    ...(report.notKept ? { notKept: report.notKept } : {}),
    ...(report.notJudged ? { notJudged: report.notJudged } : {}),
  };
}

/** The report's lines on what was not judged (none when everything was). */
function notJudgedLines(report: ProxyReport): string[] {
  if (!report.notJudged) return [];
  const { count, first } = report.notJudged;
  return [
    `${count} exchange(s) or media link(s) not judged (in whole or in part):`,
    ...first.map((n) => `${n.method} ${n.url}: ${n.reason}`),
    ...(count > first.length ? [`… and ${count - first.length} more`] : []),
  ];
}

export function junit(report: ProxyReportFile): string {
  const byCheck = new Map<string, Violation[]>();
  for (const v of report.violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v]);
  const failingChecks = [...byCheck.values()].filter((vs) => failing(vs, report.failOn).length > 0).length;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const unjudged = notJudgedLines(report);
  const cases = byCheck.size + 1 + (unjudged.length > 0 ? 1 : 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sora-kit proxy" tests="${cases}" failures="${failingChecks}" time="${seconds}">`,
    `  <testsuite name="${xml(`traffic to ${report.target}`)}" tests="${cases}" failures="${failingChecks}" timestamp="${report.startedAt}" time="${seconds}">`,
    `    <testcase classname="proxy" name="${xml(`${report.exchanges} exchanges observed`)}"/>`,
  ];
  if (unjudged.length > 0) lines.push(`    <testcase classname="proxy" name="${xml(`${report.notJudged?.count} not judged`)}">`, `      <system-out>${xml(unjudged.join('\n'))}</system-out>`, '    </testcase>');
  for (const [check, vs] of byCheck) {
    const fails = failing(vs, report.failOn).length > 0;
    lines.push(`    <testcase classname="${xml(check.split('.')[0])}" name="${xml(check)}">`);
    for (const v of vs) {
      const text = `${v.method} ${v.url}: ${v.message}`;
      // Below --fail-on the case does not fail: its violations are shown as output only.
      lines.push(fails && v.severity !== 'info' ? `      <failure type="${v.severity}" message="${xml(text.slice(0, 500))}">${xml(text)}</failure>` : `      <system-out>${xml(`[${v.severity}] ${text}`)}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

/** Violations shown per check in the html report; the count says how many more there were. */
const SHOWN_PER_CHECK = 20;

/**
 * The session as a conformance report, for the checker's html reporter: one failed row per check
 * that traffic broke, its violations as the message. A passive judge cannot say a check passed (it
 * judges only what the client happened to send), so only the broken ones are rows.
 */
export function asConformanceReport(report: ProxyReportFile): Report {
  const byCheck = new Map<string, Violation[]>();
  for (const v of report.violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v]);
  const checks: CheckResult[] = [...byCheck].map(([id, vs]) => {
    const group = ((GROUPS as readonly string[]).find((g) => id.startsWith(`${g}.`)) ?? 'traffic') as Group;
    const lines = vs.slice(0, SHOWN_PER_CHECK).map((v) => `${v.method} ${v.url}: ${v.message}`);
    if (vs.length > SHOWN_PER_CHECK) lines.push(`… and ${vs.length - SHOWN_PER_CHECK} more`);
    return { id, group, severity: vs[0].severity, purpose: purposeOf(id), rule: ruleOf(id), status: 'failed', message: `${vs.length} violation(s) in the traffic:\n${lines.join('\n')}`, durationMs: 0 };
  });
  const failed = (s: Violation['severity']) => checks.filter((c) => c.severity === s).length;
  return {
    baseUrl: report.target,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    plan: { checks: checks.map((c) => c.id), skipped: [], generations: [], totals: { images: 0, videos: 0 } },
    summary: { passed: 0, failed: checks.length, skipped: 0, mustFailed: failed('must'), shouldFailed: failed('should'), infoFailed: failed('info') },
    failOn: report.failOn,
    passed: report.summary.failing === 0,
    hints: [`${report.exchanges} exchange(s) observed by the validating proxy; only the checks their traffic broke are listed.`, ...notJudgedLines(report)],
    checks,
  };
}

/** Write the report where `path` says: JUnit XML for `.xml`, the checker's html report for `.html`, JSON otherwise. */
export function writeReport(path: string, report: ProxyReportFile): void {
  mkdirSync(dirname(path), { recursive: true });
  const lower = path.toLowerCase();
  if (lower.endsWith('.html') || lower.endsWith('.htm')) writeFileSync(path, formatHtml(asConformanceReport(report)).html);
  else writeFileSync(path, lower.endsWith('.xml') ? junit(report) : `${JSON.stringify(report, null, 2)}\n`);
}
