/** The machine-readable report: summary counts, then one entry per check in catalogue order. */
import type { Report } from '../types.js';

export function formatJson(report: Report): string {
  return `${JSON.stringify(
    {
      summary: report.summary,
      hints: report.hints,
      checks: report.checks.map(({ id, group, severity, status, message, durationMs, purpose, rule }) => ({ id, group, severity, status, message, durationMs, purpose, rule })),
      baseUrl: report.baseUrl,
      startedAt: report.startedAt,
      durationMs: report.durationMs,
      plan: report.plan,
    },
    null,
    2,
  )}\n`;
}
