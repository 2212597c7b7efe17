/**
 * The human reporter: live progress while the run goes (a result line per check; on a terminal, a
 * status line naming the running checks and video jobs), then a summary table and the failures.
 */
import { describePlan } from '../plan.js';
import { verdictText } from './verdict.js';
import type { CheckResult, ProgressEvent, Report } from '../types.js';

export interface PrettyOptions {
  write: (text: string) => void;
  /** ANSI colours and a rewritten status line (a terminal). */
  tty?: boolean;
}

const MARK: Record<CheckResult['status'], string> = { passed: '✓', failed: '✗', skipped: '-' };
const COLOUR: Record<CheckResult['status'], string> = { passed: '32', failed: '31', skipped: '33' };

function paint(text: string, code: string, tty: boolean | undefined): string {
  return tty ? `\x1b[${code}m${text}\x1b[0m` : text;
}

export function resultLine(result: CheckResult, tty?: boolean, counter = ''): string {
  const head = `${counter}${MARK[result.status]} ${result.id} [${result.severity}]`;
  const tail = result.status === 'skipped' ? ` skipped: ${result.message}` : result.status === 'failed' ? ` ${result.message.split('\n')[0]}` : '';
  return `${paint(head, COLOUR[result.status], tty)} (${result.durationMs} ms)${tail}`;
}

/** A progress handler that prints as events come. */
export function prettyProgress(options: PrettyOptions): (event: ProgressEvent) => void {
  const running = new Set<string>();
  const jobs = new Map<string, string>();
  let status = '';
  let done = '';
  const clear = () => {
    if (options.tty && status) options.write('\r\x1b[K');
    status = '';
  };
  const redraw = () => {
    if (!options.tty) return;
    const jobText = [...jobs.values()].join(', ');
    status = `  ${done}running: ${[...running].join(', ')}${jobText ? ` | ${jobText}` : ''}`.slice(0, (process.stdout.columns ?? 120) - 1);
    options.write(`\r\x1b[K${status}`);
  };
  return (event) => {
    clear();
    if (event.type === 'plan') options.write(`${describePlan(event.plan)}\n`);
    else if (event.type === 'check-start') running.add(event.id);
    else if (event.type === 'check-end') {
      running.delete(event.result.id);
      done = `[${event.index}/${event.total}] `;
      options.write(`${resultLine(event.result, options.tty, done)}\n`);
    } else {
      const text = `${event.videoId} ${event.status} ${event.progress}%`;
      const before = jobs.get(event.videoId);
      // Without a status line, print a job only when its status changes (not every percent).
      if (!options.tty && before?.split(' ')[1] !== event.status) options.write(`  video ${event.label}: ${text}\n`);
      if (event.status === 'completed' || event.status === 'failed') jobs.delete(event.videoId);
      else jobs.set(event.videoId, text);
    }
    redraw();
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Summary table per group, the failures in full, and the verdict. */
export function formatPretty(report: Report, tty?: boolean): string {
  const groups = [...new Set(report.checks.map((c) => c.group))];
  const rows = [['group', 'passed', 'failed (must/should/info)', 'skipped']];
  for (const group of groups) {
    const of = report.checks.filter((c) => c.group === group);
    const failed = of.filter((c) => c.status === 'failed');
    rows.push([
      group,
      String(of.filter((c) => c.status === 'passed').length),
      `${failed.length} (${failed.filter((c) => c.severity === 'must').length}/${failed.filter((c) => c.severity === 'should').length}/${failed.filter((c) => c.severity === 'info').length})`,
      String(of.filter((c) => c.status === 'skipped').length),
    ]);
  }
  const { summary } = report;
  rows.push(['total', String(summary.passed), `${summary.failed} (${summary.mustFailed}/${summary.shouldFailed}/${summary.infoFailed})`, String(summary.skipped)]);
  const failures = report.checks
    .filter((c) => c.status === 'failed')
    .map((c) => `${paint(`✗ ${c.id} [${c.severity}]`, '31', tty)} ${c.purpose}\n  rule: ${c.rule}\n  ${c.message.replace(/\n/g, '\n  ')}`);
  const verdict = paint(verdictText(report), report.passed ? '32' : '31', tty);
  const hints = report.hints.map((h) => paint(`hint: ${h}`, '33', tty));
  return [`\n${report.baseUrl} in ${(report.durationMs / 1000).toFixed(1)} s`, table(rows), ...(failures.length ? ['', ...failures] : []), ...(hints.length ? ['', ...hints] : []), '', verdict, ''].join('\n');
}
