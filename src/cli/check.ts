/**
 * `sora-kit check`: run the conformance checks against a deployment. Exit 0 when no check at or above
 * `--fail-on` (default should) failed, 1 when one did, 2 on a usage error, a deployment that does not
 * answer or a licence it refuses.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  CATALOGUE,
  FEATURES,
  ConformanceSession,
  ConformanceUsageError,
  DeploymentUnreachableError,
  LicenseRejectedError,
  RUN_DEFAULTS,
  describePlan,
  formatHtml,
  formatJson,
  coverageRows,
  formatCoverage,
  formatJunit,
  formatPretty,
  headerVariable,
  isLoopback,
  mediaDirFor,
  prettyProgress,
  type Report,
  type RunOptions,
  type Severity,
} from '../conformance/index.js';
import { describeBytes } from '../util/index.js';
import type { Feature } from '../spec/operations.js';

interface CheckFlags {
  baseUrl?: string;
  license?: string;
  only: string[];
  skip: string[];
  severity?: Severity;
  failOn?: Exclude<Severity, 'info'>;
  reporter: 'pretty' | 'json' | 'junit' | 'html';
  output?: string;
  fuzz?: string;
  seed?: string;
  timeout?: string;
  maxWait?: string;
  concurrency?: string;
  maxBodyBytes?: string;
  maxStreamBytes?: string;
  maxGenerations?: string;
  yes?: boolean;
  list?: boolean;
  /** `-H NAME:VALUE`, as typed. */
  header?: string[];
  features?: string[];
  coverage?: boolean;
}

export interface CheckIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Standard output is a terminal (colours, a live status line). */
  tty: boolean;
}

const stdio: CheckIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: Boolean(process.stdout.isTTY),
};

/** `--only a,b --only c` -> [a, b, c]. */
function list(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

function number(flag: string, value: string | undefined, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(value.trim())) throw new ConformanceUsageError(`${flag} '${value}': expected a non-negative ${integer ? 'integer' : 'number'}.`);
  return Number(value);
}

/** `-H 'X-Gateway-Key: abc'` (as curl takes them) -> { 'X-Gateway-Key': 'abc' }. The value is never quoted back: it may be a secret. */
function headerFlags(given: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  given.forEach((text, i) => {
    const colon = text.indexOf(':');
    if (colon <= 0) {
      throw new ConformanceUsageError(`--header #${i + 1}: expected NAME:VALUE, e.g. -H 'X-Gateway-Key: abc' (its text is not shown: it may hold a secret).`);
    }
    headers[text.slice(0, colon).trim()] = text.slice(colon + 1).trim();
  });
  return headers;
}

function catalogueListing(): string {
  const width = Math.max(...CATALOGUE.map((c) => c.id.length));
  return `${CATALOGUE.map((c) => `${c.id.padEnd(width)}  ${c.severity.padEnd(6)}  ${c.purpose}\n${' '.repeat(width + 10)}rule: ${c.rule}`).join('\n')}\n`;
}

/** Where `--reporter html` writes without `--output`. */
export const DEFAULT_HTML_REPORT = 'sora-kit-report.html';

/**
 * The HTML report and, in a folder beside it (`report-media/` for `report.html`), the media it shows
 * as files. Returns the paths written.
 */
export function writeHtmlReport(report: Report, output: string, rerunArgs: readonly string[] = []): { report: string; media: string[] } {
  const mediaDir = mediaDirFor(output);
  const { html, files } = formatHtml(report, { mediaDir, rerunArgs });
  const media = files.map((file) => {
    const path = join(dirname(output), ...file.path.split('/'));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.bytes);
    return path;
  });
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, html);
  return { report: output, media };
}

function render(report: Report, reporter: Exclude<CheckFlags['reporter'], 'html'>, tty: boolean): string {
  if (reporter === 'json') return formatJson(report);
  if (reporter === 'junit') return formatJunit(report);
  return formatPretty(report, tty);
}

/** The flags given that a rerun of one check needs as well (the seed decides prompts and fuzz cases). */
function rerunArgs(flags: CheckFlags): string[] {
  const given: Array<[string, string | undefined]> = [
    ['--fuzz', flags.fuzz],
    ['--seed', flags.seed],
    ['--timeout', flags.timeout],
    ['--max-wait', flags.maxWait],
    ['--max-body-bytes', flags.maxBodyBytes],
    ['--max-stream-bytes', flags.maxStreamBytes],
  ];
  const headers = Object.keys(headerFlags(flags.header ?? [])).flatMap((name) => ['-H', `${name}: ${headerVariable(name)}`]);
  const features = flags.features ? ['--features', flags.features.join(',')] : [];
  return [...given.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value])), ...headers, ...features];
}

/** The whole command, returning the exit code (tests call it without spawning). */
/** The flag of each run option, to word the library's usage errors as the CLI user typed them. */
const FLAG_OF: Partial<Record<keyof RunOptions, string>> = {
  baseUrl: '--base-url',
  license: '--license',
  severity: '--severity',
  failOn: '--fail-on',
  fuzz: '--fuzz',
  seed: '--seed',
  timeoutMs: '--timeout',
  maxWaitSeconds: '--max-wait',
  concurrency: '--concurrency',
  maxBodyBytes: '--max-body-bytes',
  maxStreamBytes: '--max-stream-bytes',
  maxGenerations: '--max-generations',
  headers: '--header',
  features: '--features',
};

export async function runCheck(flags: CheckFlags, io: CheckIo = stdio, env: Record<string, string | undefined> = process.env): Promise<number> {
  if (flags.list) {
    io.out(catalogueListing());
    return 0;
  }
  if (flags.coverage) {
    // The matrix is the contract's, not a deployment's: nothing is sent, so no base URL or licence.
    io.out(flags.reporter === 'json' ? `${JSON.stringify(coverageRows(), null, 2)}\n` : formatCoverage());
    return 0;
  }
  try {
    // A licence on the command line lands in `ps` and CI logs: the environment is the better place.
    const baseUrl = flags.baseUrl ?? env.SORA_BASE_URL;
    const license = flags.license ?? env.SORA_LICENSE;
    if (!baseUrl) throw new ConformanceUsageError('--base-url URL (or SORA_BASE_URL) is required (e.g. http://127.0.0.1:4010).');
    if (!license) throw new ConformanceUsageError('--license KEY (or SORA_LICENSE) is required.');
    // The html report is for people too, but always a file: standard output shows the pretty progress.
    const pretty = flags.reporter === 'pretty' || flags.reporter === 'html';
    // Progress goes where it does not mix with a machine-readable report on standard output.
    const progressIo = pretty ? { write: io.out, tty: io.tty } : { write: io.err, tty: false };
    const options: RunOptions = {
      baseUrl,
      license,
      only: flags.only,
      skip: flags.skip,
      severity: flags.severity,
      failOn: flags.failOn,
      fuzz: number('--fuzz', flags.fuzz),
      seed: number('--seed', flags.seed),
      timeoutMs: number('--timeout', flags.timeout),
      maxWaitSeconds: number('--max-wait', flags.maxWait, false),
      concurrency: number('--concurrency', flags.concurrency),
      maxBodyBytes: number('--max-body-bytes', flags.maxBodyBytes),
      maxStreamBytes: number('--max-stream-bytes', flags.maxStreamBytes),
      maxGenerations: number('--max-generations', flags.maxGenerations),
      headers: headerFlags(flags.header ?? []),
      // Checked by the library, which names what it accepts.
      features: flags.features as Feature[] | undefined,
      onProgress: prettyProgress(progressIo),
    };
    const session = new ConformanceSession(options);
    if (!isLoopback(session.options.baseUrl) && !flags.yes) {
      io.err(`${describePlan(session.plan)}\n\n${session.options.baseUrl} is not a loopback address: real generations may cost money.\nRe-run with --yes to go ahead (and --max-generations N to cap them).\n`);
      return 2;
    }
    // The pre-flight first: an unreachable deployment or a refused licence is one line, before the plan.
    await session.probe();
    session.options.onProgress({ type: 'plan', plan: session.plan });
    const startedAt = new Date();
    const started = performance.now();
    const results = await session.runAll();
    const report = session.report(results, startedAt, Math.round(performance.now() - started));
    if (flags.reporter === 'html') {
      const written = writeHtmlReport(report, flags.output ?? DEFAULT_HTML_REPORT, rerunArgs(flags));
      io.out(formatPretty(report, io.tty));
      const media = written.media.length ? ` (and ${written.media.length} media file(s) in ${dirname(written.media[0])})` : '';
      io.out(`sora-kit check: wrote the html report to ${written.report}${media}\n`);
    } else if (flags.output) {
      writeFileSync(flags.output, render(report, flags.reporter, false));
      if (pretty) io.out(formatPretty(report, io.tty));
      else io.err(`sora-kit check: wrote the ${flags.reporter} report to ${flags.output}\n`);
    } else {
      io.out(render(report, flags.reporter, io.tty));
    }
    return report.passed ? 0 : 1;
  } catch (error) {
    if (error instanceof ConformanceUsageError || error instanceof DeploymentUnreachableError || error instanceof LicenseRejectedError) {
      // The library names its options (maxWaitSeconds); a CLI user typed flags (--max-wait).
      const option = error instanceof ConformanceUsageError ? error.option : undefined;
      const message = option && FLAG_OF[option] ? error.message.replace(option, FLAG_OF[option]) : error.message;
      io.err(`sora-kit check: ${message}\n`);
      return 2;
    }
    throw error;
  }
}

export function register(program: Command): void {
  program
    .command('check')
    .description('Check a deployment of the Sora platform API (or the mock) against the seed rules and OpenAI compatibility.')
    .option('--base-url <url>', 'the deployment: its root (http://host:port, /sora/v1 is appended) or its API root (http://host:port/sora/v1); default $SORA_BASE_URL')
    .option('--license <key>', 'the licence sent as Authorization; default $SORA_LICENSE (keeps it out of ps and CI logs)')
    .option('--only <ids>', 'run only these checks: ids, id prefixes or groups, comma-separated (repeatable)', list, [])
    .option('--skip <ids>', 'skip these checks: ids, id prefixes or groups, comma-separated (repeatable)', list, [])
    .addOption(new Option('--severity <level>', 'the lowest severity to run: must (the platform document), should (and the OpenAI contract), info (and sora-kit\'s own choices; default)').choices(['must', 'should', 'info']))
    .addOption(new Option('--fail-on <level>', 'the lowest severity whose failure exits 1: should (default) or must (a lenient run); info never fails').choices(['must', 'should']))
    .addOption(new Option('--reporter <name>', 'report format').choices(['pretty', 'json', 'junit', 'html']).default('pretty'))
    .option('--output <file>', `write the report to FILE (html: default ${DEFAULT_HTML_REPORT}, its videos in <name>-media/ beside it)`)
    .option('--fuzz <n>', `generated fuzz cases (images and videos); 0 turns fuzzing off (default ${RUN_DEFAULTS.fuzz})`)
    .option('--seed <s>', `seed of the fuzz cases (default ${RUN_DEFAULTS.seed})`)
    .option('--timeout <ms>', `per-request timeout; for streams, the longest silence (default ${RUN_DEFAULTS.timeoutMs})`)
    .option('--max-wait <s>', `longest wait for a video job or a stream (default ${RUN_DEFAULTS.maxWaitSeconds})`)
    .option('--concurrency <k>', `checks running at the same time (default ${RUN_DEFAULTS.concurrency})`)
    .option('--max-body-bytes <bytes>', `most bytes of one answer read, after decompression; a larger one fails its check (default ${describeBytes(RUN_DEFAULTS.maxBodyBytes)})`)
    .option('--max-stream-bytes <bytes>', `most bytes of one event stream read; a larger one fails its check (default ${describeBytes(RUN_DEFAULTS.maxStreamBytes)})`)
    .option('--max-generations <n>', 'most images + videos the run may generate; checks beyond are skipped')
    .option('-H, --header <NAME:VALUE>', 'an extra header on every request to the deployment (a gateway key), repeatable; reports and curl commands show its value as $SORA_HEADER_<NAME>', (value: string, previous: string[]) => [...previous, value], [])
    .option('--features <list>', `the licence's add-ons, comma-separated, of ${FEATURES.join(',')} (chat is always in); checks needing one it lacks are skipped. Default: detected, one cheap request per add-on`, (value: string, previous?: string[]) => list(value, previous ?? []))
    .option('--yes', 'run against a non-loopback host (generations may cost money)')
    .option('--list', 'list the checks and exit')
    .option('--coverage', 'print the coverage matrix (each parameter and answer field, and the checks that judge it) and exit; --reporter json prints it as JSON')
    .addHelpText('after', '\nExit codes: 0 no must or should check failed (with --fail-on must: no must check), 1 one did, 2 usage error, deployment unreachable or licence refused.')
    .exitOverride((error: CommanderError) => {
      // Usage errors exit 2 like every other mistake of the caller; help and version exit 0.
      process.exit(error.exitCode === 0 ? 0 : 2);
    })
    .action(async (flags: CheckFlags) => {
      process.exitCode = await runCheck(flags);
    });
}
