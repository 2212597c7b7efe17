/**
 * The proxy's report file (`--report FILE`): JSON, or JUnit XML when the name ends in `.xml`. One
 * JUnit test case per check that saw traffic break it (a failure per violation), so CI shows each
 * broken rule once with every exchange that broke it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Violation } from '../conformance/types.js';
import { failing, type ProxyReport } from './server.js';

export interface ProxyReportFile extends ProxyReport {
  target: string;
  startedAt: string;
  durationMs: number;
  failOn: 'must' | 'should';
  summary: { must: number; should: number; info: number; failing: number };
}

export function reportFile(report: ProxyReport, meta: { target: string; startedAt: Date; failOn: 'must' | 'should' }): ProxyReportFile {
  const count = (s: Violation['severity']) => report.violations.filter((v) => v.severity === s).length;
  return {
    target: meta.target,
    startedAt: meta.startedAt.toISOString(),
    durationMs: Date.now() - meta.startedAt.getTime(),
    failOn: meta.failOn,
    exchanges: report.exchanges,
    summary: { must: count('must'), should: count('should'), info: count('info'), failing: failing(report.violations, meta.failOn).length },
    violations: report.violations,
  };
}

const xml = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

export function junit(report: ProxyReportFile): string {
  const byCheck = new Map<string, Violation[]>();
  for (const v of report.violations) byCheck.set(v.check, [...(byCheck.get(v.check) ?? []), v]);
  const failingChecks = [...byCheck.values()].filter((vs) => failing(vs, report.failOn).length > 0).length;
  const seconds = (report.durationMs / 1000).toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sora-kit proxy" tests="${byCheck.size + 1}" failures="${failingChecks}" time="${seconds}">`,
    `  <testsuite name="${xml(`traffic to ${report.target}`)}" tests="${byCheck.size + 1}" failures="${failingChecks}" timestamp="${report.startedAt}" time="${seconds}">`,
    `    <testcase classname="proxy" name="${xml(`${report.exchanges} exchanges observed`)}"/>`,
  ];
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

/** Write the report where `path` says: JUnit XML for `.xml`, JSON otherwise. */
export function writeReport(path: string, report: ProxyReportFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, path.toLowerCase().endsWith('.xml') ? junit(report) : `${JSON.stringify(report, null, 2)}\n`);
}
