/**
 * `sora-kit drill` end to end, as a user runs it (the built CLI, test/helpers/cli.ts): the
 * careful example client passes every row, the naive one fails the rows it should, with the client
 * report's findings saying why; the exit codes (0, 1, 2), --expect, --scenarios and the report
 * formats. The clients' own deadlines and the drill's are short, and --instant makes jobs finish at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { drillVerdict, selectDrill, DRILL_NAMES } from '../../src/mock/drill.js';
import type { DrillReport } from '../../src/cli/drill-report.js';
import { REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'sora-drill-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function drill(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_')));
  return new Promise((done) => {
    execFile(process.execPath, [CLI, 'drill', ...args], { cwd: REPO_ROOT, env: { ...clean, ...env }, timeout: 170_000 }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const verdicts = (report: DrillReport) => Object.fromEntries(report.scenarios.map((r) => [r.name, r.verdict]));
const rulesOf = (report: DrillReport, name: string) => report.scenarios.find((r) => r.name === name)?.findings.map((f) => f.rule) ?? [];

describe.concurrent('sora-kit drill with the example clients', () => {
  it('the careful client passes every row, with no findings, and the drill exits 0', { timeout: 180_000 }, async () => {
    const out = join(scratch, 'careful.json');
    const r = await drill(['--instant', '--deadline', '30', '--report', out, '--', 'node', 'examples/drill/careful.mjs'], { CLIENT_DEADLINE_SECONDS: '8' });
    const report = JSON.parse(readFileSync(out, 'utf8')) as DrillReport;
    expect(verdicts(report), r.stdout).toEqual(Object.fromEntries(DRILL_NAMES.map((n) => [n, 'passed'])));
    expect(report.scenarios.flatMap((s) => s.findings)).toEqual([]);
    expect(r.code).toBe(0);
    // A progress line per row, then the matrix.
    for (const name of DRILL_NAMES) expect(r.stdout).toMatch(new RegExp(`\\] ${name}: passed`));
    expect(r.stdout).toMatch(/\| scenario +\| expect +\| exit/);
    const row = report.scenarios.find((s) => s.name === 'moderation');
    expect(row).toMatchObject({ expect: 'fails-cleanly', exit: 1, verdict: 'passed', findings: [] });
    expect(row?.durationMs).toBeGreaterThan(0);
  });

  it('the naive client fails the rows it should, the report says what it did, and the drill exits 1', { timeout: 180_000 }, async () => {
    const out = join(scratch, 'naive.json');
    const r = await drill(['--instant', '--deadline', '10', '--report', out, '--', 'node', 'examples/drill/naive.mjs']);
    const report = JSON.parse(readFileSync(out, 'utf8')) as DrillReport;
    expect(verdicts(report), r.stdout).toEqual({
      baseline: 'passed',
      'rate-limited': 'failed',
      'server-error': 'failed',
      slow: 'passed',
      'job-fails': 'failed',
      stall: 'failed',
      'download-reset': 'failed',
      'slow-download': 'passed',
      moderation: 'passed',
    });
    expect(r.code).toBe(1);
    const stall = report.scenarios.find((s) => s.name === 'stall');
    expect(stall).toMatchObject({ exit: null, why: expect.stringContaining('hangs') });
    expect(rulesOf(report, 'stall')).toContain('polls-too-fast');
    expect(rulesOf(report, 'job-fails')).toContain('polls-after-finished');
    expect(report.scenarios.find((s) => s.name === 'rate-limited')?.why).toMatch(/expected to recover/);
  });
});

describe.concurrent('sora-kit drill: options, exit codes and reports', () => {
  const ok = ['--', process.execPath, '-e', 'process.exit(0)'];

  it('--expect overrides a row, --scenarios picks rows; junit and html reports by extension', async () => {
    const xml = join(scratch, 'two.xml');
    const r = await drill(['--scenarios', 'baseline,moderation', '--expect', 'moderation=recovers', '--report', xml, ...ok]);
    expect(r.code).toBe(0);
    const junit = readFileSync(xml, 'utf8');
    expect(junit).toContain('<testsuite name="drill" tests="2" failures="0"');
    expect(junit).toContain('name="moderation [recovers]"');

    const html = join(scratch, 'fails.html');
    const failing = await drill(['--scenarios', 'stall', '--report', html, '--', process.execPath, '-e', 'console.log("<script>x</script>")']);
    expect(failing.code).toBe(1);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('expected to fail cleanly, but reported success');
    expect(page).not.toContain('<script>x');
  });

  it('a command still running at the deadline is stopped with its process group and counted as hanging', { timeout: 30_000 }, async () => {
    const out = join(scratch, 'hang.json');
    const started = Date.now();
    const r = await drill(['--scenarios', 'baseline', '--deadline', '1', '--report', out, '--', 'sh', '-c', 'sleep 30 & sleep 30']);
    expect(r.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect((JSON.parse(readFileSync(out, 'utf8')) as DrillReport).scenarios[0]).toMatchObject({ exit: null, verdict: 'failed' });
  });

  it('usage errors exit 2 and say what is accepted', async () => {
    const cases = [
      [['--scenarios', 'blackout', ...ok], /blackout.*accepted: baseline/],
      [['--expect', 'stall=maybe', ...ok], /NAME=recovers\|fails-cleanly/],
      [['--deadline', '-3', ...ok], /--deadline/],
      [['--speed', '0', ...ok], /--speed '0': expected a positive number/],
      [['--report', 'out.txt', ...ok], /\.json, \.xml \(junit\) or \.html/],
      [[], /command/],
      [['--', 'no-such-command-sora-kit'], /no-such-command-sora-kit: could not start/],
    ] as const;
    for (const [args, message] of cases) {
      const r = await drill([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});

describe('the drill table', () => {
  it('selects rows in table order with overridden expectations; unknown names throw', () => {
    expect(selectDrill(['stall', 'baseline'], { stall: 'recovers' }).map((s) => [s.name, s.expect])).toEqual([
      ['baseline', 'recovers'],
      ['stall', 'recovers'],
    ]);
    expect(() => selectDrill(['nope'])).toThrow(/accepted/);
  });

  it('verdicts: recovers needs exit 0; fails-cleanly needs a non-zero exit; a hang fails both', () => {
    expect(drillVerdict('recovers', { timedOut: false, exit: 0 }, 1000).verdict).toBe('passed');
    expect(drillVerdict('recovers', { timedOut: false, exit: 1 }, 1000).verdict).toBe('failed');
    expect(drillVerdict('fails-cleanly', { timedOut: false, exit: 1 }, 1000).verdict).toBe('passed');
    expect(drillVerdict('fails-cleanly', { timedOut: false, exit: 0 }, 1000).verdict).toBe('failed');
    expect(drillVerdict('fails-cleanly', { timedOut: true, exit: null }, 1000).verdict).toBe('failed');
  });
});
