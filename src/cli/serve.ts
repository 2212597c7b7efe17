/**
 * `sora-kit serve`: the mock as a standalone server. Configuration comes from flags, SORA_MOCK_*
 * variables and a JSON file (src/mock/config.ts says how they combine); this file only turns it into
 * a running server, prints what a person needs to use it, logs requests and shuts down cleanly.
 */
import type { Command } from 'commander';
import { createSoraServer, type AccessLogEntry, type SoraServer } from '../adapters/node.js';
import { ConfigError, envName, loadServeConfig, SETTINGS, type ServeConfig, type SettingKey } from './config.js';
import type { SoraMock, SoraMockOptions } from '../mock/types.js';
import { createSoraMock, resolveOptions } from '../mock/app.js';
import { createJobStore, parseStoreUrl } from '../adapters/redis-store.js';
import type { Replayer } from '../replay/index.js';

export interface ServeIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * Lines for stdout, written in batches: under load the access log costs one write per few dozen
 * requests instead of one per request (stdout to a file or a pipe is a synchronous write, and the
 * write, not the line, is what costs). A batch goes out FLUSH_MS after its first line, past 64 KiB,
 * before anything is written to stderr (so the two keep their order on a terminal), and when the
 * process exits.
 */
const FLUSH_MS = 10;

function batchedLines(stream: NodeJS.WriteStream): { write: (line: string) => void; flush: () => void } {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  let hooked = false;
  return {
    write(line) {
      if (!hooked) {
        hooked = true;
        process.on('exit', flush);
      }
      pending += `${line}\n`;
      if (pending.length > 64 * 1024) flush();
      else if (timer === undefined) {
        timer = setTimeout(flush, FLUSH_MS);
        // Lines waiting never keep the process alive: exit writes them.
        timer.unref();
      }
    },
    flush,
  };
}

const stdout = batchedLines(process.stdout);
const stdio: ServeIo = {
  out: stdout.write,
  err: (line) => {
    stdout.flush();
    process.stderr.write(`${line}\n`);
  },
};

function flagAttribute(key: SettingKey): string {
  const flag = SETTINGS[key].flag as string;
  return flag
    .replace(/^--(no-)?/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function repeatable(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function register(program: Command): void {
  const serve = program
    .command('serve')
    .description('Run the mock of /sora/v1 as a standalone HTTP server (settings also from SORA_MOCK_* and --config).');
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const { flag, help, arity = 'value', arg = 'value' } = SETTINGS[key];
    if (!flag) continue;
    if (arity === 'repeatable') serve.option(`${flag} <${arg}>`, help, repeatable);
    else if (arity === 'switch') serve.option(flag, help);
    else serve.option(`${flag} <${arg}>`, help);
  }
  serve
    .option('--config <file>', 'JSON config file (keys as in --print-config); also SORA_MOCK_CONFIG')
    .option('--print-config', 'print the effective configuration and exit')
    .option('--client-report <file>', 'on exit, write what the clients did wrong (the client report) to FILE: json, or html by extension')
    .addHelpText(
      'after',
      [
        '',
        'Every setting is also an environment variable SORA_MOCK_<KEY> and a key of the --config file:',
        ...(Object.keys(SETTINGS) as SettingKey[]).map((key) => `  ${envName(key).padEnd(30)} ${key}`),
        '',
        "Licences: KEY (every add-on) or KEY=chat,images,videos; chat is always granted. In SORA_MOCK_LICENSES,",
        "separate several with ';' or spaces: SORA_MOCK_LICENSES='team-a team-b=videos'.",
        'Precedence: flags > environment > config file > defaults.',
      ].join('\n'),
    )
    .action(async (opts: Record<string, unknown>, command: Command) => {
      process.exitCode = await runServe(command, opts);
    });
}

/** Only what the user typed: commander's defaults (`--no-cors` defaults cors to true) are not input. */
function givenFlags(command: Command, opts: Record<string, unknown>): Partial<Record<SettingKey, string | string[] | boolean>> {
  const flags: Partial<Record<SettingKey, string | string[] | boolean>> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    if (!SETTINGS[key].flag) continue;
    const attribute = flagAttribute(key);
    if (command.getOptionValueSource(attribute) !== 'cli') continue;
    flags[key] = opts[attribute] as string | string[] | boolean;
  }
  return flags;
}

async function runServe(command: Command, opts: Record<string, unknown>, io: ServeIo = stdio): Promise<number> {
  let config: Awaited<ReturnType<typeof loadServeConfig>>;
  try {
    config = await loadServeConfig({ flags: givenFlags(command, opts), configFile: opts.config as string | undefined });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`sora-kit serve: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (typeof opts.clientReport === 'string' && !/\.(json|html?)$/i.test(opts.clientReport)) {
    io.err(`sora-kit serve: --client-report '${opts.clientReport.slice(0, 80)}': expected a file ending in .json or .html.`);
    return 2;
  }
  const started = await startServe(config, { io, overrideGlobalObjects: true, printOnly: opts.printConfig === true });
  if (!started) return opts.printConfig === true ? 0 : 2;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now".
      process.exit(130);
    }
    stopping = true;
    if (!config.quiet) io.err(`sora-kit serve: ${signal}, closing (in-flight streams are ended)`);
    void started
      .close()
      .then(() => writeReportOnExit(opts.clientReport as string | undefined, started.mock, io))
      .then(() => {
        // Video jobs may hold timers in the mock; the server is closed, so nothing is left to wait for.
        process.exit(0);
      });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

/** `--client-report FILE`: the client report of the whole run, written once the server is closed. */
async function writeReportOnExit(file: string | undefined, mock: SoraMock, io: ServeIo): Promise<void> {
  if (!file) return;
  try {
    // Loaded only here: the writer brings the conformance reporters' escaping, which serve does not otherwise need.
    const { writeClientReport } = await import('./drill-report.js');
    writeClientReport(file, mock.clientReport());
    io.err(`sora-kit serve: client report written to ${file}`);
  } catch (error) {
    io.err(`sora-kit serve: could not write the client report to ${file}: ${(error as Error).message}`);
  }
}

export interface StartServeOptions {
  io?: ServeIo;
  overrideGlobalObjects?: boolean;
  /** Print the effective configuration instead of listening. */
  printOnly?: boolean;
}

/** Redact secrets from the effective options before anything prints them. */
export function printableConfig(config: ServeConfig & { configFile?: string }, mock: SoraMock<boolean>): Record<string, unknown> {
  const options = JSON.parse(JSON.stringify(mock.options)) as Record<string, unknown>;
  const analysis = options.promptAnalysis as { openai?: { apiKey?: string } } | undefined;
  if (analysis?.openai?.apiKey) analysis.openai.apiKey = '***';
  // The mock never shows its media secret; say whether one is set, not what it is.
  options.mediaSecret = config.mock.mediaSecret === undefined ? 'random per start' : '***';
  if (options.adminToken !== undefined) options.adminToken = '***';
  return {
    server: {
      host: config.host,
      port: config.port,
      log: config.log,
      quiet: config.quiet,
      inspector: config.inspector,
      allowedHosts: config.allowedHosts,
      bodyTimeoutSeconds: config.bodyTimeoutSeconds,
      mediaWorkers: config.mediaWorkers ?? 'one per core',
      store: storeShown(config),
    },
    mock: options,
    sources: config.sources,
    ...(config.configFile ? { configFile: config.configFile } : {}),
  };
}

function describeLicenses(mock: SoraMock, config: ServeConfig): string[] {
  const dev = config.mock.licenses === undefined;
  return mock.options.licenses.map(
    (l) => `${l.key} (${l.features.join(', ')})${dev ? ' - the built-in dev licence; set your own with --license' : ''}`,
  );
}

/**
 * `new Date().toISOString()`, with the part up to the seconds made once per second (formatting a
 * Date costs more than the rest of a log line); the same string, to the millisecond.
 */
const isoNow = (() => {
  let second = -1;
  let prefix = '';
  return (): string => {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== second) {
      second = s;
      prefix = new Date(s * 1000).toISOString().slice(0, 20);
    }
    const ms = now - s * 1000;
    return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
  };
})();

function formatLog(format: 'pretty' | 'json', entry: AccessLogEntry): string {
  if (format === 'json') return JSON.stringify({ time: isoNow(), ...entry });
  const time = isoNow().slice(11, 23);
  const size = entry.bytes === undefined ? '' : ` ${entry.bytes}B`;
  const code = entry.code ? ` ${entry.code}` : '';
  const scenario = entry.scenario ? ` scenario=${entry.scenario}${entry.fault ? ` (${entry.fault})` : ''}` : '';
  return `${time} ${entry.method} ${entry.url} ${entry.status}${code}${entry.aborted ? ' (client closed)' : ''} ${tenths(entry.durationMs)}ms${size}${scenario}`;
}

/**
 * A duration to a tenth of a millisecond for the log: like `ms.toFixed(1)` but rounding the decimal
 * value half up (toFixed rounds the binary one: 0.15 -> '0.1'), at a tenth of toFixed's cost.
 */
export function tenths(ms: number): string {
  if (!(ms >= 0 && ms < 1e15)) return ms.toFixed(1);
  const t = Math.round(ms * 10);
  return `${Math.floor(t / 10)}.${t % 10}`;
}

/** Where jobs live, as the banner and --print-config show it (a Redis URL without its password). */
function storeShown(config: ServeConfig): string {
  const parsed = config.store ? parseStoreUrl(config.store) : undefined;
  return parsed?.kind === 'redis' ? parsed.shown : 'memory';
}

/**
 * Start the server for an effective configuration and print the banner. Returns undefined (after
 * printing why) when the port cannot be bound, or after printing the configuration with `printOnly`.
 */
export async function startServe(
  config: ServeConfig & { configFile?: string },
  { io = stdio, overrideGlobalObjects = false, printOnly = false }: StartServeOptions = {},
): Promise<SoraServer<boolean> | undefined> {
  let replayer: Replayer | undefined;
  // --store: the shared store, made with the limits and seed the mock resolves (its own defaults included).
  const jobStore = config.store ? createJobStore(config.store, resolveOptions(config.mock)) : undefined;
  const mockOptions: SoraMockOptions<boolean> = jobStore ? { ...config.mock, jobStore } : config.mock;
  let mock: SoraMock<boolean> | SoraMockOptions<boolean> = mockOptions;
  if (config.replay) {
    // Only with --replay: it brings the proxy's recordings reader (and with it the conformance judge).
    const { loadReplayer, replayingMock } = await import('./replay.js');
    const own = createSoraMock({ ...mockOptions, inspector: config.inspector });
    try {
      replayer = loadReplayer(config.replay, own.options.basePath);
    } catch (error) {
      io.err(`sora-kit serve: --replay ${(error as Error).message}`);
      await jobStore?.close();
      return undefined;
    }
    mock = replayingMock(own, replayer, config.replay.strict);
  }
  const server = createSoraServer(mock, {
    overrideGlobalObjects,
    inspector: config.inspector,
    allowedHosts: config.allowedHosts,
    bodyTimeoutMs: config.bodyTimeoutSeconds * 1000,
    mediaWorkers: config.mediaWorkers,
    onResponse: config.quiet ? undefined : (entry) => io.out(formatLog(config.log, entry)),
  });
  if (printOnly) {
    io.out(JSON.stringify(printableConfig(config, server.mock), null, 2));
    await jobStore?.close();
    return undefined;
  }
  let url: string;
  try {
    ({ url } = await server.listen({ port: config.port, host: config.host }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host}:${config.port}`;
    if (code === 'EADDRINUSE') {
      io.err(`sora-kit serve: port ${config.port} on ${config.host} is already in use; choose another with --port (or SORA_MOCK_PORT; 0 picks a free port).`);
    } else if (code === 'EACCES') {
      io.err(`sora-kit serve: not allowed to listen on ${where}; ports below 1024 need privileges, choose another with --port.`);
    } else if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      io.err(`sora-kit serve: cannot bind host '${config.host}' (${code}); use an address of this machine, e.g. 127.0.0.1.`);
    } else {
      io.err(`sora-kit serve: cannot listen on ${where}: ${(error as Error).message}`);
    }
    await jobStore?.close();
    return undefined;
  }
  const { basePath, admin } = server.mock.options;
  const licenses = describeLicenses(server.mock, config);
  if (config.log === 'json') {
    io.out(
      JSON.stringify({
        event: 'listening',
        url: `${url}${basePath}`,
        licenses,
        admin: admin ? `${url}/__sora/` : false,
        inspector: config.inspector ? `${url}/` : false,
        store: storeShown(config),
      }),
    );
  } else {
    io.out(`sora-kit mock listening on ${url}${basePath}`);
    io.out(`  licences: ${licenses.join('\n            ')}`);
    io.out(`  inspector: ${config.inspector ? `${url}/ (open in a browser)` : 'off (--no-inspector)'}`);
    io.out(`  store:    ${storeShown(config)}${config.store ? ' (shared: replicas with the same --media-secret and --seed serve each other\'s jobs)' : ''}`);
    io.out(`  admin:    ${admin ? `on at ${url}/__sora/${server.mock.options.adminToken ? ' (token required)' : ''}` : 'off (enable with --admin)'}`);
    if (replayer && config.replay) {
      io.out(`  replay:   ${replayer.size} recorded exchanges from ${config.replay.path}; unmatched requests ${config.replay.strict ? 'get 404 (--replay-strict)' : 'go to the mock'}`);
    }
    io.out(`  try:      curl -H 'Authorization: ${server.mock.options.licenses[0]?.key ?? ''}' ${url}${basePath}/models`);
  }
  return server;
}
