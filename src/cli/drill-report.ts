/**
 * What a drill and a client report are written as: the drill's json (the shape of issue 26), junit
 * (a testcase per row, through the conformance reporters' XML escaping) and html; and the client
 * report alone as json or html (`sora-kit serve --client-report FILE`). HTML escapes every value and
 * cuts long ones: the report shows what a client sent, and a client may send anything.
 */
import { writeFileSync } from 'node:fs';
import { escapeHtml as h } from '../conformance/reporters/html.js';
import { escapeXml } from '../conformance/reporters/junit.js';
import { clientRuleText, findingLine, type ClientFinding, type ClientReport } from '../mock/client-report.js';
export { findingLine } from '../mock/client-report.js';
import type { DrillExpectation } from '../mock/drill.js';
import { cutText } from '../spec/rules.js';

export interface DrillRow {
  name: string;
  expect: DrillExpectation;
  /** The command's exit code; null when it was stopped at the deadline or died by a signal. */
  exit: number | null;
  durationMs: number;
  verdict: 'passed' | 'failed';
  why: string;
  findings: ClientFinding[];
}

export interface DrillReport {
  scenarios: DrillRow[];
}

/** Report formats by file extension. */
export type ReportFormat = 'json' | 'junit' | 'html';
export function reportFormatOf(file: string, allowed: readonly ReportFormat[]): ReportFormat | undefined {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  const format = ext === 'xml' ? 'junit' : ext === 'htm' ? 'html' : ext;
  return allowed.find((f) => f === format);
}

const CUT = 200;
const cell = (text: string | number | null) => h(cutText(String(text ?? '—'), CUT));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function findingsHtml(findings: readonly ClientFinding[]): string {
  if (findings.length === 0) return '<p class="none">No findings: the client did nothing the rules flag.</p>';
  const rows = findings.map(
    (f) =>
      `<tr><td><code>${cell(f.rule)}</code><div class="muted">${cell(clientRuleText(f.rule))}</div></td><td>${f.count}</td><td>${cell(f.detail)}</td>` +
      `<td><code>#${f.example.id} ${cell(f.example.method)} ${cell(f.example.path)}</code> → ${f.example.status}${f.example.code ? ` <code>${cell(f.example.code)}</code>` : ''}</td></tr>`,
  );
  return `<table><thead><tr><th>rule</th><th>count</th><th>what</th><th>example request</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const STYLE =
  'body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}' +
  '.passed{color:#176b2c}.failed{color:#b00020;font-weight:600}.muted{color:#666;font-size:12px}code{font-size:12px;word-break:break-all}';

function page(title: string, body: string): string {
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${h(title)}</title><style>${STYLE}</style></head><body><h1>${h(title)}</h1>${body}</body></html>\n`;
}

export function clientReportHtml(report: ClientReport): string {
  return page('sora-kit client report', `<p>${report.requests} requests judged.</p>${findingsHtml(report.findings)}`);
}

export function drillJson(report: DrillReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function drillHtml(report: DrillReport): string {
  const matrix = report.scenarios
    .map(
      (r) =>
        `<tr><td><a href="#${h(r.name)}">${cell(r.name)}</a></td><td>${cell(r.expect)}</td><td>${cell(r.exit)}</td><td>${seconds(r.durationMs)}</td>` +
        `<td class="${r.verdict}">${r.verdict}</td><td>${cell(r.why)}</td><td>${r.findings.length}</td></tr>`,
    )
    .join('');
  const rows = report.scenarios.map((r) => `<h2 id="${h(r.name)}">${cell(r.name)} <span class="${r.verdict}">${r.verdict}</span></h2><p>${cell(r.why)}</p>${findingsHtml(r.findings)}`);
  return page(
    'sora-kit drill',
    `<table><thead><tr><th>scenario</th><th>expect</th><th>exit</th><th>time</th><th>verdict</th><th>why</th><th>findings</th></tr></thead><tbody>${matrix}</tbody></table>${rows.join('')}`,
  );
}

export function drillJunit(report: DrillReport): string {
  const failures = report.scenarios.filter((r) => r.verdict === 'failed').length;
  const time = report.scenarios.reduce((t, r) => t + r.durationMs, 0);
  const cases = report.scenarios.map((r) => {
    const open = `    <testcase classname="sora-kit.drill" name="${escapeXml(`${r.name} [${r.expect}]`)}" time="${(r.durationMs / 1000).toFixed(3)}"`;
    const findings = r.findings.map(findingLine).join('\n');
    const out = findings ? `\n      <system-out>${escapeXml(findings)}</system-out>` : '';
    if (r.verdict === 'passed') return `${open}>${out}\n    </testcase>`;
    return `${open}>\n      <failure message="${escapeXml(r.why)}" type="${r.expect}">${escapeXml(`${r.why}${findings ? `\n\nclient report:\n${findings}` : ''}`)}</failure>${out}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="sora-kit drill" tests="${report.scenarios.length}" failures="${failures}" errors="0" time="${(time / 1000).toFixed(3)}">`,
    `  <testsuite name="drill" tests="${report.scenarios.length}" failures="${failures}" errors="0" skipped="0" time="${(time / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** Write a client report as json or html, chosen by the file's extension. */
export function writeClientReport(file: string, report: ClientReport): void {
  const format = reportFormatOf(file, ['json', 'html']);
  writeFileSync(file, format === 'html' ? clientReportHtml(report) : `${JSON.stringify(report, null, 2)}\n`);
}

export function writeDrillReport(file: string, report: DrillReport): void {
  const format = reportFormatOf(file, ['json', 'junit', 'html']);
  writeFileSync(file, format === 'html' ? drillHtml(report) : format === 'junit' ? drillJunit(report) : drillJson(report));
}
