/** Pieces the proxy tests share: a judge that keeps what it saw, upstreams under the test's control, and the CLI as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ObservedExchange, TrafficJudge, Violation } from '../../src/conformance/types.js';
import { REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';

/** A judge that keeps every exchange and flags what `flag` says (by default: any 5xx). */
export function recordingJudge(flag: (e: ObservedExchange) => Omit<Violation, 'method' | 'url'> | undefined = fiveHundreds): TrafficJudge & { seen: ObservedExchange[] } {
  const seen: ObservedExchange[] = [];
  return {
    seen,
    async observe(exchange) {
      seen.push(exchange);
      const found = flag(exchange);
      return found ? [{ ...found, method: exchange.request.method, url: exchange.request.url }] : [];
    },
  };
}

export function fiveHundreds(e: ObservedExchange): Omit<Violation, 'method' | 'url'> | undefined {
  return e.response.status >= 500 ? { check: 'test.no-5xx', severity: 'should', message: `status ${e.response.status}` } : undefined;
}

export interface Upstream {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** A deployment whose answers the test writes by hand. */
export async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Upstream> {
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

/** A promise and the function that resolves it. */
export function signal(): { promise: Promise<void>; give: () => void } {
  let give = () => {};
  const promise = new Promise<void>((resolve) => (give = resolve));
  return { promise, give };
}

export interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function spawnCli(args: string[]): Child {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A request through node:http, which (unlike fetch) sends Connection and Host as given. */
export function rawRequest(
  url: string,
  { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; statusText: string; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((done, fail) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: res.headers, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}
