/**
 * `sora-kit drill [options] -- <command...>`: run the user's client once per row of the drill matrix
 * (src/mock/drill.ts), each time against a fresh mock on a free port with the row's faults, and judge
 * two things: whether the client did what the row expects (recovered, or failed cleanly within the
 * deadline), and what the client report (src/mock/client-report.ts) finds in its requests.
 *
 * Rows run one after another: each is timed, and rows in parallel would share the machine's cores
 * with the client under test and blur both its timings and the client report's. The command runs in
 * its own process group, so a client that hangs past the deadline is stopped with its children.
 * Exit 0 when every row passed, 1 when one failed, 2 on a usage error.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { createSoraServer } from '../adapters/node.js';
import { DRILL_EXPECTATIONS, DRILL_NAMES, DRILL_SCENARIOS, drillVerdict, selectDrill, type DrillExpectation, type DrillScenario } from '../mock/drill.js';
import type { SoraMockOptions } from '../mock/types.js';
import { ConfigError, loadServeConfig } from './config.js';
import { findingLine, reportFormatOf, writeDrillReport, type DrillRow } from './drill-report.js';

export const DEFAULT_DEADLINE_SECONDS = 60;
/** How much of the command's output is kept per row, to show under a failed row. */
const OUTPUT_TAIL_BYTES = 4096;

export interface DrillFlags {
  scenarios?: string[];
  expect?: string[];
  deadline?: string;
  speed?: string;
  instant?: boolean;
  config?: string;
  report?: string;
}

export interface DrillIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const stdio: DrillIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

class UsageError extends Error {}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

function parseExpectations(values: readonly string[]): Record<string, DrillExpectation> {
  const out: Record<string, DrillExpectation> = {};
  for (const value of values) {
    const m = /^([a-z-]+)=([a-z-]+)$/.exec(value);
    if (!m || !DRILL_NAMES.includes(m[1]) || !(DRILL_EXPECTATIONS as readonly string[]).includes(m[2])) {
      throw new UsageError(`--expect '${value.slice(0, 80)}': expected NAME=${DRILL_EXPECTATIONS.join('|')} with NAME one of ${DRILL_NAMES.join(', ')}.`);
    }
    out[m[1]] = m[2] as DrillExpectation;
  }
  return out;
}

/** One row: a fresh mock with the row's faults, the command against it, the verdict and the client report. */
async function runRow(row: DrillScenario, command: readonly string[], mockOptions: SoraMockOptions, deadlineMs: number, env: NodeJS.ProcessEnv): Promise<DrillRow & { output: string; startError?: string }> {
  const server = createSoraServer({ ...mockOptions, faults: [...(mockOptions.faults ?? []), ...row.faults] }, { mediaWorkers: 1, shutdownGraceMs: 200 });
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  const { mock } = server;
  const base = `${url}${mock.options.basePath}`;
  const licence = mock.options.licenses[0].key;
  const started = performance.now();
  const outcome = await new Promise<{ exit: number | null; timedOut: boolean; error?: string; output: string }>((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    const child = spawn(command[0], command.slice(1), {
      env: { ...env, SORA_BASE_URL: base, OPENAI_BASE_URL: base, SORA_LICENSE: licence, OPENAI_API_KEY: licence },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Stopping the drill (Ctrl-C) stops the client too: its own process group does not get the signal.
    const stopChild = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stopChild);
    process.once('SIGTERM', stopChild);
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        // The whole group: a shell or npm in front of the client must not leave it running.
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, deadlineMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      process.off('SIGINT', stopChild);
      process.off('SIGTERM', stopChild);
      resolve({ exit: null, timedOut: false, error: `could not start: ${error.message}`, output });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('SIGINT', stopChild);
      process.off('SIGTERM', stopChild);
      const exit = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : null);
      resolve({ exit: timedOut ? null : exit, timedOut, ...(signal && !timedOut ? { error: `killed by ${signal}` } : {}), output });
    });
  });
  const durationMs = Math.round(performance.now() - started);
  const findings = mock.clientReport().findings;
  await server.close();
  const { verdict, why } = drillVerdict(row.expect, outcome, deadlineMs);
  const startError = outcome.error?.startsWith('could not start') ? outcome.error : undefined;
  return { name: row.name, expect: row.expect, exit: outcome.exit, durationMs, verdict, why, findings, output: outcome.output, ...(startError ? { startError } : {}) };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function matrix(rows: readonly DrillRow[]): string {
  const header = ['scenario', 'expect', 'exit', 'time', 'verdict', 'findings'];
  const cells = rows.map((r) => [r.name, r.expect, r.exit === null ? '—' : String(r.exit), `${(r.durationMs / 1000).toFixed(1)} s`, r.verdict, r.findings.map((f) => `${f.rule}×${f.count}`).join(', ') || '—']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => pad(v, widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

export async function runDrill(command: readonly string[], flags: DrillFlags, io: DrillIo = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let rows: DrillScenario[];
  let deadlineMs: number;
  let mockOptions: SoraMockOptions;
  try {
    if (command.length === 0) throw new UsageError('no command: give the client to drill after --, e.g. sora-kit drill -- node client.mjs');
    const deadline = flags.deadline === undefined ? DEFAULT_DEADLINE_SECONDS : Number(flags.deadline);
    if (!(deadline > 0) || !Number.isFinite(deadline)) throw new UsageError(`--deadline '${flags.deadline}': expected a positive number of seconds.`);
    deadlineMs = deadline * 1000;
    if (flags.report !== undefined && !reportFormatOf(flags.report, ['json', 'junit', 'html'])) {
      throw new UsageError(`--report '${flags.report.slice(0, 80)}': expected a file ending in .json, .xml (junit) or .html.`);
    }
    try {
      rows = selectDrill(flags.scenarios, parseExpectations(flags.expect ?? []));
    } catch (error) {
      throw new UsageError(`--scenarios: ${(error as Error).message}`);
    }
    if (flags.speed !== undefined && !(Number(flags.speed) > 0)) throw new UsageError(`--speed '${flags.speed.slice(0, 40)}': expected a positive number (2 = twice as fast).`);
    const given: Record<string, string | boolean> = {};
    if (flags.speed !== undefined) given.speed = flags.speed;
    if (flags.instant) given.instant = true;
    mockOptions = (await loadServeConfig({ flags: given, configFile: flags.config, env })).mock;
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.err(`sora-kit drill: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const done: DrillRow[] = [];
  for (const [i, row] of rows.entries()) {
    io.out(`[${i + 1}/${rows.length}] ${row.name} (${row.expect}) …\n`);
    const { output, startError, ...result } = await runRow(row, command, mockOptions, deadlineMs, env);
    // A command that cannot start (a typo, not on PATH) is the caller's mistake, not a row's verdict.
    if (startError) {
      io.err(`sora-kit drill: ${command[0].slice(0, 80)}: ${startError}\n`);
      return 2;
    }
    done.push(result);
    io.out(`[${i + 1}/${rows.length}] ${row.name}: ${result.verdict} — ${result.why} (${(result.durationMs / 1000).toFixed(1)} s, ${result.findings.length} finding${result.findings.length === 1 ? '' : 's'})\n`);
    for (const f of result.findings) io.out(`      ${findingLine(f)}\n`);
    if (result.verdict === 'failed' && output.trim()) io.out(`      output (last lines):\n${output.trimEnd().split('\n').slice(-8).map((l) => `        ${l}`).join('\n')}\n`);
  }
  io.out(`\n${matrix(done)}\n`);
  const failed = done.filter((r) => r.verdict === 'failed').length;
  io.out(`\n${failed === 0 ? `all ${done.length} scenarios passed` : `${failed} of ${done.length} scenarios failed`}\n`);
  if (flags.report) {
    writeDrillReport(flags.report, { scenarios: done });
    io.out(`report: ${flags.report}\n`);
  }
  return failed === 0 ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command('drill')
    .description('Run a client (any command) through the failures the platform can throw at it, on a fresh mock per scenario, and judge what it did.')
    .argument('<command...>', 'the client to run, after --; it gets SORA_BASE_URL, OPENAI_BASE_URL, SORA_LICENSE and OPENAI_API_KEY')
    .option('--scenarios <names>', `the rows to run, comma-separated (default all: ${DRILL_NAMES.join(', ')})`, list)
    .option('--expect <name=verdict>', `override a row's expectation: recovers | fails-cleanly (repeatable)`, (v: string, p: string[] = []) => [...p, v])
    .option('--deadline <seconds>', `how long each run may take before it is stopped and counted as hanging (default ${DEFAULT_DEADLINE_SECONDS})`)
    .option('--speed <factor>', 'time scale of the mock, 2 = twice as fast (also scales the client report\'s polling threshold)')
    .option('--instant', 'video jobs complete at creation (slow and failing jobs still take a moment)')
    .option('--config <file>', 'the mock\'s JSON config file, as for serve')
    .option('--report <file>', 'write the results as json, junit (.xml) or html, by extension')
    .addHelpText(
      'after',
      ['', 'Scenarios:', ...DRILL_SCENARIOS.map((s) => `  ${pad(s.name, 15)} ${pad(s.expect, 14)} ${s.effect}`), '', 'Exit codes: 0 every row passed, 1 a row failed, 2 usage error.'].join('\n'),
    )
    .exitOverride((error: CommanderError) => {
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .action(async (command: string[], flags: DrillFlags) => {
      process.exitCode = await runDrill(command, flags);
    });
}
