/**
 * A deployment closes an idle kept-alive connection (its keep-alive timeout) just as the proxy sends
 * the next request on it: the request never reached the deployment, so the proxy sends it again, once,
 * on a new connection (node's advice: `req.reusedSocket`), body and all. Before, the client got a 502
 * for the proxy's own race. A reset on a new connection is the deployment's, and still a 502.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createValidatingProxy, type ValidatingProxy } from '../../src/proxy/index.js';

/** A deployment that answers the first request on each connection, and drops any later one unanswered. */
async function deployment(dropEvery: 'later' | 'all'): Promise<{ server: Server; url: string; received: string[] }> {
  const received: string[] = [];
  const served = new WeakMap<Socket, number>();
  const server = createServer((req: IncomingMessage, res) => {
    const n = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, n);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (dropEvery === 'all' || n > 1) {
        req.socket.destroy();
        return;
      }
      const body = Buffer.concat(chunks).toString();
      received.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, body }));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function through(dropEvery: 'later' | 'all') {
  const upstream = await deployment(dropEvery);
  const proxy: ValidatingProxy = createValidatingProxy({ target: upstream.url, fetchMedia: false, shutdownGraceMs: 100 });
  const { url } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  cleanup.push(
    () => proxy.close(),
    () =>
      new Promise<void>((resolve) => {
        upstream.server.close(() => resolve());
        upstream.server.closeAllConnections();
      }),
  );
  return { url, upstream };
}

describe('a stale kept-alive connection to the deployment', () => {
  it('is retried once on a new connection, with the same body: the client never sees the race', async () => {
    const { url, upstream } = await through('later');
    const first = await fetch(`${url}/sora/v1/models`);
    expect(first.status).toBe(200);
    // The proxy keeps the connection and sends the next request on it; the deployment drops it.
    const second = await fetch(`${url}/sora/v1/videos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"again"}' });
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ method: 'POST', body: '{"prompt":"again"}' });
    const third = await fetch(`${url}/sora/v1/videos/video_1`);
    expect(third.status).toBe(200);
    expect(upstream.received).toEqual(['GET /sora/v1/models ', 'POST /sora/v1/videos {"prompt":"again"}', 'GET /sora/v1/videos/video_1 ']);
  });

  it('a reset on a new connection is the deployment\'s: 502 with the envelope, no retry', async () => {
    const { url, upstream } = await through('all');
    const answer = await fetch(`${url}/sora/v1/models`);
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('bad_gateway');
    expect(upstream.received).toEqual([]);
  });
});
