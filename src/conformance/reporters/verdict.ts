/** The verdict of a report in one line, as every human-facing reporter words it. */
import type { Report } from '../types.js';

export function verdictText(report: Report): string {
  const { mustFailed, shouldFailed, infoFailed } = report.summary;
  const notCounted = [report.failOn === 'must' && shouldFailed ? `${shouldFailed} should` : '', infoFailed ? `${infoFailed} info` : ''].filter(Boolean);
  const aside = notCounted.length ? ` (${notCounted.join(' and ')} check(s) failed, not failing the run)` : '';
  if (report.passed) return `PASSED: no ${report.failOn === 'must' ? 'must' : 'must or should'} check failed${aside}`;
  const counted = [mustFailed ? `${mustFailed} must` : '', report.failOn === 'should' && shouldFailed ? `${shouldFailed} should` : ''].filter(Boolean);
  return `FAILED: ${counted.join(' and ')} check(s) failed${aside}`;
}
