/**
 * Media generation off the request loop: a pool of worker threads (piscina) that run generateMedia,
 * for the Node server. Encoding a 25 s HD video takes seconds of CPU; on the request loop it delayed
 * every other request (health checks, polls) behind it. The mock's media store still caches and
 * de-duplicates in front of the pool (concurrent requests for one recipe make one task).
 *
 * The pool starts on the first task (a server that never serves media starts no thread) and close()
 * stops its threads. The worker module is media-worker.js next to this file when running from dist/,
 * and media-worker.ts under tsx (tests, `node --import tsx src/cli/index.ts`): then the threads load
 * tsx themselves when the process did not (vitest's workers do not).
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { generateMedia, type MediaGenerator } from '../media/index.js';
import type { MediaTask } from './media-worker.js';

export interface MediaPoolOptions {
  /** Worker threads; default one per core (os.availableParallelism()). At least 1. */
  threads?: number;
  /** The module the threads run (default: media-worker next to this file); its default export renders a MediaTask. */
  workerFile?: string | URL;
}

export interface MediaPool {
  /** Generate one variant of a recipe on a worker thread: the bytes generateMedia gives. */
  readonly render: MediaGenerator;
  /** Threads the pool runs with once started. */
  readonly size: number;
  /** Threads running now (0 before the first task and after close). */
  readonly threadCount: number;
  /** Stop the threads (tasks under way are rejected). Later tasks run in the calling thread. Idempotent. */
  close(): Promise<void>;
  /** Why the threads were given up (they failed where the calling thread succeeded), if they were. */
  readonly failure: Error | undefined;
}

/** The default size of the pool: one thread per core. */
export function defaultMediaThreads(): number {
  return availableParallelism();
}

/**
 * The worker module, and the flags its threads start with: the process's own (threads inherit them),
 * less `--input-type`, which only an eval'd entry takes (`node --input-type=module -e ...`) and which
 * makes a thread refuse its module file. Under src/ the worker is TypeScript too: the threads get tsx's
 * loader (resolved from here, not from the working directory) unless the process already has it.
 */
function workerSetup(workerFile?: string | URL): { filename: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = workerFile ? String(workerFile) : new URL(fromSource ? './media-worker.ts' : './media-worker.js', import.meta.url).href;
  const execArgv: string[] = [];
  const inherited = process.execArgv;
  for (let i = 0; i < inherited.length; i++) {
    if (inherited[i].startsWith('--input-type=')) continue;
    if (inherited[i] === '--input-type') {
      i++;
      continue;
    }
    execArgv.push(inherited[i]);
  }
  if (fromSource && !execArgv.some((arg) => /(^|[/\\:=])tsx([/\\]|$)/.test(arg))) {
    execArgv.push('--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href);
  }
  return { filename, execArgv };
}

/**
 * Flags that decide how a thread finds, loads and reports on its module, and whether each takes the
 * next argument as its value (when not given as `--flag=value`). `--experimental-*` ones are kept too.
 */
const LOADER_FLAGS = new Map<string, boolean>([
  ['--import', true],
  ['--require', true],
  ['-r', true],
  ['--loader', true],
  ['--experimental-loader', true],
  ['--conditions', true],
  ['-C', true],
  ['--disable-warning', true],
  ['--enable-source-maps', false],
  ['--no-warnings', false],
  ['--no-deprecation', false],
]);

/**
 * The flags of `execArgv` that matter to loading a module, for when a Worker refuses the whole list:
 * it rejects V8 options (`--max-old-space-size`, `--single-threaded-gc`) and per-process ones
 * (`--title`), which are common on a server's command line and which the threads have anyway (V8's
 * apply to the whole process). Node names the refused flags only in its error's message, so rather
 * than parse that, the second try keeps what loading needs and drops everything else. Should a Worker
 * refuse even these, the pool gives up its threads and media is made on the calling thread.
 */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const experimental = /^--(no-)?experimental-/.test(name);
    const takesValue = LOADER_FLAGS.get(name) ?? (experimental ? false : undefined);
    if (takesValue === undefined) continue;
    kept.push(arg);
    if (takesValue && eq < 0 && i + 1 < execArgv.length) kept.push(execArgv[++i]);
  }
  return kept;
}

const isInvalidExecArgv = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ERR_WORKER_INVALID_EXEC_ARGV';

export function createMediaPool(options: MediaPoolOptions = {}): MediaPool {
  const size = options.threads ?? defaultMediaThreads();
  if (!Number.isSafeInteger(size) || size < 1) throw new TypeError(`threads ${size} must be a positive integer.`);
  let pool: Piscina | undefined;
  let closed = false;
  let failure: Error | undefined;

  /**
   * The threads cannot be trusted with media any more (their module does not load, a thread crashed
   * where this one succeeds): stop them, say so once, and generate in the calling thread from now on.
   */
  const giveUp = (error: unknown) => {
    if (failure) return;
    failure = error instanceof Error ? error : new Error(String(error));
    process.emitWarning(`media worker threads failed (${failure.message}); media is generated on the request loop from now on`, {
      code: 'SORA_KIT_MEDIA_WORKERS',
    });
    const running = pool;
    pool = undefined;
    void running?.destroy().catch(() => undefined);
  };

  const start = (): Piscina => {
    const setup = workerSetup(options.workerFile);
    const threads = (execArgv: string[]) =>
      new Piscina({
        filename: setup.filename,
        execArgv,
        minThreads: size,
        maxThreads: size,
        // One task per thread at a time: a task is pure CPU, and the encoders reuse module-level buffers.
        concurrentTasksPerWorker: 1,
        // The threads stay up while the pool lives (startup costs more than an idle thread).
        idleTimeout: Infinity,
      });
    let started: Piscina;
    try {
      // The threads start here (minThreads), and a Worker checks its flags as it is made.
      started = threads(setup.execArgv);
    } catch (error) {
      if (!isInvalidExecArgv(error)) throw error;
      started = threads(loaderFlags(setup.execArgv));
    }
    // A thread that fails outside a task (its module does not load) is reported here; unheard, the
    // 'error' event would end the process.
    started.on('error', giveUp);
    return started;
  };

  return {
    size,
    get threadCount() {
      return pool?.threads.length ?? 0;
    },
    get failure() {
      return failure;
    },
    render(recipe, variant) {
      if (closed || failure) return generateMedia(recipe, variant);
      try {
        pool ??= start();
      } catch (error) {
        // No thread could start: this one makes the media, now and from now on.
        giveUp(error);
        return generateMedia(recipe, variant);
      }
      const task: MediaTask = { recipe, variant };
      return (pool.run(task) as Promise<Uint8Array>).catch(async (error: unknown) => {
        if (closed) return generateMedia(recipe, variant);
        // The bytes are a pure function of the task, so this thread can make them: if it fails too,
        // the task is at fault and its own error is the answer; if not, the threads are.
        const bytes = await generateMedia(recipe, variant);
        giveUp(error);
        return bytes;
      });
    },
    async close() {
      closed = true;
      const running = pool;
      pool = undefined;
      await running?.destroy();
    },
  };
}

/** The pool of media threads a server runs with, or none (0 threads, or a generator of the caller's). */
export function mediaPoolFor(threads: number | undefined, own: MediaGenerator | undefined): MediaPool | undefined {
  if (threads !== undefined && (!Number.isSafeInteger(threads) || threads < 0)) {
    throw new TypeError(`mediaWorkers ${threads} must be a non-negative integer (0 generates media on the request loop).`);
  }
  if (own || threads === 0) return undefined;
  return createMediaPool({ threads: threads ?? defaultMediaThreads() });
}
