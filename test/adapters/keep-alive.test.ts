/**
 * One keep-alive connection, many requests: the Node server reuses a request's Headers (and the
 * journal its record of them) when the raw headers equal the previous request's on the socket. These
 * tests hold that to what a client sees: a change of any header (the licence above all) is seen by the
 * very next request, and journal entries that share a record cannot alter each other.
 */
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type Served } from '../e2e/support.js';

const A = 'sk-keepalive-a';
const B = 'sk-keepalive-b';
let served: Served;
// One socket for every request of this file.
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const sockets = new Set<Socket>();

beforeAll(async () => {
  served = await serve({
    instant: true,
    licenses: [
      { key: A, features: ['chat', 'images', 'videos'] },
      { key: B, features: ['chat', 'images', 'videos'] },
    ],
  });
});
afterAll(async () => {
  agent.destroy();
  await served.server.close();
});

function send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((done, fail) => {
    const req = request(`${served.api}${path}`, { method, agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      sockets.add(res.socket);
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

describe('requests on one keep-alive connection', () => {
  it('a licence change on the same connection is seen at once: B never reads A’s job, A still does', async () => {
    const created = await send('POST', '/videos', { authorization: A }, JSON.stringify({ model: 'sora_video2', prompt: 'a fox on one socket' }));
    expect(created.status).toBe(200);
    const id = created.json.id as string;
    expect((await send('GET', `/videos/${id}`, { authorization: A })).status).toBe(200);
    expect((await send('GET', `/videos/${id}`, { authorization: A })).status).toBe(200);
    const other = await send('GET', `/videos/${id}`, { authorization: B });
    expect(other.status).toBe(404);
    expect((await send('GET', `/videos/${id}`, { authorization: B })).status).toBe(404);
    expect((await send('GET', `/videos/${id}`, { authorization: A })).status).toBe(200);
    // Without a licence after requests with one: refused.
    expect((await send('GET', `/videos/${id}`, {})).status).toBe(401);
    expect(sockets.size).toBe(1);
  });

  it('the journal records each request’s own headers, and entries sharing a record cannot change each other', async () => {
    const mock = served.server.mock;
    const before = mock.requests().length;
    for (const trace of ['t-1', 't-2', 't-2', 't-3', 't-2']) await send('GET', '/models', { authorization: A, 'x-trace': trace });
    const entries = mock.requests().slice(before);
    expect(entries.map((e) => e.request.headers['x-trace'])).toEqual(['t-1', 't-2', 't-2', 't-3', 't-2']);
    const [, second, third] = entries;
    try {
      (second.request.headers as Record<string, string>)['x-trace'] = 'changed';
    } catch {
      // frozen: the record is shared
    }
    expect(third.request.headers['x-trace']).toBe('t-2');
    expect(sockets.size).toBe(1);
  });
});

describe("the bridge's request", () => {
  it('gets the adapter’s Headers in the bridge’s own slot, shared by identical requests on one socket, not through a per-request defineProperty', async () => {
    const { createSoraMock } = await import('../../src/mock/app.js');
    const { createSoraServer } = await import('../../src/adapters/node.js');
    const inner = createSoraMock({ instant: true });
    const seen: Request[] = [];
    // A wrapper that sees each Request the server hands the mock (through `answer`, the adapters' interface).
    const server = createSoraServer({ ...inner, answer: (request, options) => (seen.push(request), inner.answer(request, options)) }, { overrideGlobalObjects: true });
    const { url } = await server.listen({ port: 0 });
    const one = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (const trace of ['a', 'a', 'b']) {
        await new Promise<void>((done, fail) =>
          request(`${url}/sora/v1/models`, { agent: one, headers: { authorization: 'sk-sora-mock', 'x-trace': trace } }, (res) => {
            res.resume().on('end', () => done());
          })
            .on('error', fail)
            .end(),
        );
      }
    } finally {
      one.destroy();
      await server.close();
    }
    expect(seen.map((r) => r.headers.get('x-trace'))).toEqual(['a', 'a', 'b']);
    expect(seen[1].headers).toBe(seen[0].headers);
    expect(seen[2].headers).not.toBe(seen[1].headers);
    // The fast path: a plain store in the slot the bridge's getter reads, so no own `headers` property.
    expect(seen.map((r) => Object.getOwnPropertyNames(r))).toEqual([[], [], []]);
  });
});
