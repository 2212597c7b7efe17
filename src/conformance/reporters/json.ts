/** The machine-readable report: summary counts, one entry per check in catalogue order, the plan and the coverage matrix. */
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
      ...(report.coverage ? { coverage: report.coverage } : {}),
    },
    null,
    2,
  )}\n`;
}
