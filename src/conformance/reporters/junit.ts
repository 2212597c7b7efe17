/**
 * JUnit XML for CI systems: one testsuite per group, one testcase per check. Written by hand: the
 * format is a few elements and the only subtlety is escaping, which src/util/xml.ts does for this
 * reporter and the proxy's; an XML library would add weight for nothing.
 */
import { escapeXml } from '../../util/xml.js';
import { GROUPS, type CheckResult, type Report } from '../types.js';

export { escapeXml };

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(result: CheckResult): string {
  const open = `    <testcase classname="sora-kit.${escapeXml(result.group)}" name="${escapeXml(`${result.id} [${result.severity}]`)}" time="${seconds(result.durationMs)}"`;
  if (result.status === 'passed') return `${open}/>`;
  const firstLine = result.message.split('\n')[0] ?? '';
  const inner =
    result.status === 'failed'
      ? `<failure message="${escapeXml(firstLine)}" type="${result.severity}">${escapeXml(`${result.message}\n\npurpose: ${result.purpose}\nrule: ${result.rule}`)}</failure>`
      : `<skipped message="${escapeXml(firstLine)}"/>`;
  return `${open}>\n      ${inner}\n    </testcase>`;
}

export function formatJunit(report: Report): string {
  const suites = GROUPS.map((group) => report.checks.filter((c) => c.group === group))
    .filter((results) => results.length > 0)
    .map((results) => {
      const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
      const time = results.reduce((t, r) => t + r.durationMs, 0);
      return [
        `  <testsuite name="${escapeXml(results[0].group)}" tests="${results.length}" failures="${count('failed')}" errors="0" skipped="${count('skipped')}" time="${seconds(time)}" timestamp="${escapeXml(report.startedAt)}">`,
        ...results.map(testcase),
        '  </testsuite>',
      ].join('\n');
    });
  const { summary } = report;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(`sora-kit conformance ${report.baseUrl}`)}" tests="${report.checks.length}" failures="${summary.failed}" errors="0" skipped="${summary.skipped}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
