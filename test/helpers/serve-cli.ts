/**
 * `sora-kit serve` as users run it: the CLI (test/helpers/cli.ts) in a child process on a free
 * port, its origin read from the banner as .ci/run reads it. The CLI runs the Node server with
 * `overrideGlobalObjects`, which an in-process server in a test does not.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, REPO_ROOT } from './cli.js';

export interface ServedCli {
  child: ChildProcess;
  /** e.g. http://127.0.0.1:53211 */
  origin: string;
  /** Origin + base path, as the banner prints it. */
  api: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then wait for the exit. */
  stop: () => Promise<void>;
}

export async function serveCli(args: string[] = [], { timeoutMs = 20_000 } = {}): Promise<ServedCli> {
  // The caller's SORA_MOCK_* settings would change what is served.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_')));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const api = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`sora-kit serve printed no URL within ${timeoutMs} ms:\n${out}\n${err}`)), timeoutMs);
    const look = () => {
      const found = /listening on (http:\/\/\S+)/.exec(out);
      if (!found) return;
      clearTimeout(timer);
      done(found[1]);
    };
    child.stdout?.on('data', look);
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`sora-kit serve exited (${child.exitCode}) before listening:\n${out}\n${err}`));
    });
  });
  return {
    child,
    origin: new URL(api).origin,
    api,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
