/**
 * `sora-kit proxy`: the validating proxy in front of a deployment (src/proxy/session.ts does the
 * work), judging traffic with the conformance layer's traffic judge.
 */
import { Option, type Command } from 'commander';
import { PROXY_DEFAULTS, ProxyUsageError, startProxySession, type JudgeFactory } from '../proxy/index.js';

export interface ProxyCommandDeps {
  createJudge?: JudgeFactory;
  version?: string;
}

export function register(program: Command, deps: ProxyCommandDeps = {}): void {
  program
    .command('proxy')
    .description('Forward traffic to a deployment of /sora/v1 unchanged, judge every exchange, and record it as HAR.')
    .requiredOption('--target <url>', 'the deployment: its origin, e.g. https://sora.example.com')
    // Defaults are shown by commander's own `(default: ...)`, from the session's table, and written in no description.
    .addOption(new Option('--host <host>', 'interface to bind').default(PROXY_DEFAULTS.host))
    .addOption(new Option('--port <port>', 'port to listen on, 0 for any free port').default(PROXY_DEFAULTS.port))
    .option('--report <file>', 'write the violations at shutdown: JUnit XML if it ends in .xml, else JSON')
    .option('--record <dir>', 'record the session as a HAR 1.2 file in this folder (secrets redacted)')
    .addOption(new Option('--fail-on <severity>', 'exit 1 at shutdown when a violation of this severity or above was seen: must | should').default(PROXY_DEFAULTS.failOn))
    .option('--no-fetch-media', 'do not fetch the media links answers carry (then only media the client downloads through the proxy is judged and recorded)')
    .addOption(
      new Option(
        '--max-body-bytes <bytes>',
        'most bytes of one body kept for judging and recording, decoded or not; a longer one is forwarded whole and noted as not judged',
      ).default(PROXY_DEFAULTS.maxBodyBytes, `${PROXY_DEFAULTS.maxBodyBytes / 1024 / 1024} MiB`),
    )
    .addHelpText('after', '\nStop with Ctrl-C (SIGINT) or SIGTERM: the report is written and the exit status is 1 if a violation at or above --fail-on was seen.')
    .action(async (opts: Record<string, unknown>) => {
      process.exitCode = await runProxy(opts, deps);
    });
}

function integer(text: unknown, flag: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (String(text).trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new ProxyUsageError(`${flag} '${String(text)}' is not an integer from ${min} to ${max}`);
  return n;
}

async function runProxy(opts: Record<string, unknown>, deps: ProxyCommandDeps): Promise<number> {
  let session: Awaited<ReturnType<typeof startProxySession>>;
  try {
    const failOn = String(opts.failOn);
    if (failOn !== 'must' && failOn !== 'should') throw new ProxyUsageError(`--fail-on '${failOn}' is not must or should (info never fails a run)`);
    session = await startProxySession(
      {
        target: String(opts.target),
        host: String(opts.host),
        port: integer(opts.port, '--port', 0, 65535),
        report: opts.report as string | undefined,
        record: opts.record as string | undefined,
        failOn,
        fetchMedia: opts.fetchMedia !== false,
        maxBodyBytes: integer(opts.maxBodyBytes, '--max-body-bytes', 1, Number.MAX_SAFE_INTEGER),
      },
      { createJudge: deps.createJudge, version: deps.version },
    );
  } catch (error) {
    if (error instanceof ProxyUsageError) {
      process.stderr.write(`sora-kit proxy: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal does not wait for the judge, yet still writes the report.
    if (stopping) process.exit(session.stopNow());
    stopping = true;
    process.stderr.write(`sora-kit proxy: ${signal}, closing (again to stop at once)\n`);
    void session.stop().then((code) => process.exit(code));
  };
  // `on`, not `once`: with no listener left, a second signal would kill the process before the report is written.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return 0;
}
