/**
 * Hardening of `sora-kit serve` at its edges, over real sockets:
 *
 * - A. the admin surface (/__sora/*, the inspector) is not for other web pages: no CORS there, no
 *   cross-origin requests, JSON-only POSTs, a Host allow-list against DNS rebinding, an admin token;
 * - B. protocol edges answer with the JSON envelope and the right status (408, 400, 417, 405), and a
 *   slow body cannot hold a connection for minutes;
 * - C. close() tells streams and waiting requests that the server is going away.
 *
 * The Chromium half of A (a page on another origin trying to read and steer the mock) is in
 * drive-by.browser.test.ts.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServerOptions } from '../../src/adapters/node.js';
import { ConfigError, loadServeConfig, settingsFromFile } from '../../src/cli/config.js';
import { printableConfig, startServe } from '../../src/cli/serve.js';
import type { SoraMockOptions } from '../../src/mock/types.js';
import { expectErrorEnvelope, LICENCE, sseData } from '../e2e/support.js';

interface Running {
  url: string;
  port: number;
  server: ReturnType<typeof createSoraServer>;
}

const open: Running[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.server.close()));
});

async function start(options: SoraMockOptions & SoraServerOptions = {}): Promise<Running> {
  const server = createSoraServer({ instant: true, ...options });
  const { url, port } = await server.listen({ port: 0, host: '127.0.0.1' });
  const running = { url, port, server };
  open.push(running);
  return running;
}

interface RawReply {
  text: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from the first byte sent until the server closed the connection. */
  elapsedMs: number;
}

function parseReply(text: string, elapsedMs: number): RawReply {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { text, status: Number(statusLine.split(' ')[1] ?? 0), headers, body: split === -1 ? '' : text.slice(split + 4), elapsedMs };
}

/**
 * Write `parts` to a raw TCP connection (with `gapMs` between them, leaving the socket open) and read
 * until the server closes it, or until `giveUpMs` (then the reply is what arrived so far).
 */
function raw(port: number, parts: string[], { gapMs = 0, giveUpMs = 10_000 } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const finish = () => {
      clearTimeout(giveUp);
      socket.destroy();
      resolve(parseReply(text, performance.now() - started));
    };
    const giveUp = setTimeout(finish, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('close', finish);
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish() : reject(error)));
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(part);
      }
    });
  });
}

function envelopeOf(reply: RawReply): { code: string | null; message: string } {
  expect(reply.headers['content-type'], reply.text.slice(0, 300)).toMatch(/^application\/json/);
  const body = JSON.parse(reply.headers['transfer-encoding'] === 'chunked' ? dechunk(reply.body) : reply.body) as unknown;
  expectErrorEnvelope(body);
  return (body as { error: { code: string | null; message: string } }).error;
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

/** One request through node:http, where the Host header can be anything. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe('A. the admin surface refuses other web pages', () => {
  it('sends no CORS headers on /__sora/* but keeps them on the API', async () => {
    const { url, port } = await start({ admin: true });
    const own = { origin: url };
    const state = await get(port, '/__sora/state', own);
    expect(state.status).toBe(200);
    expect(state.headers['access-control-allow-origin']).toBeUndefined();
    const health = await get(port, '/__sora/health', own);
    expect(health.status).toBe(200);
    expect(health.headers['access-control-allow-origin']).toBeUndefined();
    // A preflight from another origin gets no permission either.
    const preflight = await get(port, '/__sora/advance', { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'POST' }, 'OPTIONS');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    // The API under the base path is still for browser clients on any origin.
    const models = await get(port, '/sora/v1/models', { origin: 'http://app.local', authorization: LICENCE });
    expect(models.status).toBe(200);
    expect(models.headers['access-control-allow-origin']).toBe('*');
  });

  it('refuses cross-origin requests on /__sora/* and the inspector with 403 cross_origin_refused', async () => {
    const { port, server } = await start({ admin: true, inspector: true });
    const before = server.mock.now() - Date.now();
    for (const [method, path] of [
      ['GET', '/__sora/requests'],
      ['GET', '/__sora/state'],
      ['GET', '/__sora/inspector/state'],
      ['POST', '/__sora/advance'],
      ['POST', '/__sora/reset'],
    ] as const) {
      const answer = await get(port, path, { origin: 'http://127.0.0.1:9', 'content-type': 'application/json' }, method, method === 'POST' ? '{"ms":100000000}' : undefined);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(codeOf(answer.text)).toBe('cross_origin_refused');
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    }
    // A no-cors GET carries no Origin, but Fetch Metadata says where it came from.
    for (const site of ['cross-site', 'same-site']) {
      const answer = await get(port, '/__sora/requests', { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' });
      expect(answer.status, site).toBe(403);
      expect(codeOf(answer.text)).toBe('cross_origin_refused');
    }
    expect((await get(port, '/__sora/requests', { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await get(port, '/__sora/requests', { 'sec-fetch-site': 'none' })).status).toBe(200);
    // `Origin: null` (sandboxed frames, file: pages) is another origin too.
    expect((await get(port, '/__sora/requests', { origin: 'null' })).status).toBe(403);
    expect(Math.abs(server.mock.now() - Date.now() - before)).toBeLessThan(1000);
  });

  it('takes admin POSTs as application/json only (415 otherwise), and moves the clock only then', async () => {
    const { port, server } = await start({ admin: true });
    const offset = () => server.mock.now() - Date.now();
    const plain = await get(port, '/__sora/advance', { 'content-type': 'text/plain' }, 'POST', '{"ms":100000000}');
    expect(plain.status).toBe(415);
    expect(codeOf(plain.text)).toBe('unsupported_media_type');
    const form = await get(port, '/__sora/faults', { 'content-type': 'application/x-www-form-urlencoded' }, 'POST', '{"scenario":"server_error"}');
    expect(form.status).toBe(415);
    const bare = await get(port, '/__sora/reset', {}, 'POST');
    expect(bare.status).toBe(415);
    expect(server.mock.faults.list()).toEqual([]);
    expect(Math.abs(offset())).toBeLessThan(1000);
    const json = await get(port, '/__sora/advance', { 'content-type': 'application/json' }, 'POST', '{"ms":100000000}');
    expect(json.status).toBe(200);
    expect(offset()).toBeGreaterThan(99_000_000);
    expect((await get(port, '/__sora/reset', { 'content-type': 'application/json; charset=utf-8' }, 'POST')).status).toBe(200);
  });

  it('checks the Host header of /__sora/* and the inspector against the bound host (403 host_not_allowed)', async () => {
    const { port } = await start({ admin: true, inspector: true });
    for (const path of ['/__sora/requests', '/__sora/state', '/__sora/health', '/__sora/inspector/state', '/']) {
      const answer = await get(port, path, { host: `evil.example:${port}` });
      expect(answer.status, path).toBe(403);
      expect(codeOf(answer.text), path).toBe('host_not_allowed');
      expect(answer.text).toContain('--allowed-hosts');
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect((await get(port, '/__sora/state', { host })).status, host).toBe(200);
      expect((await get(port, '/__sora/inspector/state', { host })).status, host).toBe(200);
    }
    // The API answers whatever name a client uses for the machine.
    expect((await get(port, '/sora/v1/models', { host: `evil.example:${port}`, authorization: LICENCE })).status).toBe(200);
  });

  it('admits the names given with allowedHosts (exact, or .domain for a domain and its subdomains)', async () => {
    const { port } = await start({ admin: true, inspector: true, allowedHosts: ['mock.test', '.lan.example'] });
    expect((await get(port, '/__sora/state', { host: `mock.test:${port}` })).status).toBe(200);
    expect((await get(port, '/', { host: 'box.lan.example' })).status).toBe(200);
    expect((await get(port, '/__sora/state', { host: 'lan.example' })).status).toBe(200);
    expect((await get(port, '/__sora/state', { host: 'evil-mock.test' })).status).toBe(403);
    expect((await get(port, '/__sora/state', { host: 'lan.example.evil.net' })).status).toBe(403);
  });

  it('with an admin token, the admin endpoints need it (401 otherwise); health and the loopback inspector do not', async () => {
    const token = 'adm-0123456789abcdef';
    const { port } = await start({ admin: true, inspector: true, adminToken: token });
    const none = await get(port, '/__sora/requests');
    expect(none.status).toBe(401);
    expect(codeOf(none.text)).toBe('admin_token_required');
    const wrong = await get(port, '/__sora/state', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(codeOf(wrong.text)).toBe('invalid_admin_token');
    expect(wrong.text).not.toContain(token);
    expect((await get(port, '/__sora/state', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get(port, '/__sora/requests', { 'x-sora-admin-token': token })).status).toBe(200);
    const advance = await get(port, '/__sora/advance', { 'content-type': 'application/json' }, 'POST', '{"ms":1}');
    expect(advance.status).toBe(401);
    expect((await get(port, '/__sora/health')).status).toBe(200);
    expect((await get(port, '/')).status).toBe(200);
    expect((await get(port, '/__sora/inspector/state')).status).toBe(200);
    // The token is a secret: the state and the inspector never show it.
    const state = await get(port, '/__sora/state', { 'x-sora-admin-token': token });
    expect(state.text).not.toContain(token);
    expect((await get(port, '/__sora/inspector/state')).text).not.toContain(token);
  });

  it('refuses to listen with admin on a non-loopback host without a token', async () => {
    // 192.0.2.1 (TEST-NET-1) is on no machine: nothing is bound, whatever happens.
    const server = createSoraServer({ admin: true });
    await expect(server.listen({ port: 0, host: '192.0.2.1' })).rejects.toThrow(/adminToken/);
    await server.close();
    // The CLI names its own setting, before it binds anything.
    await expect(loadServeConfig({ flags: { admin: true, host: '0.0.0.0' }, env: {} })).rejects.toThrow(ConfigError);
    await expect(loadServeConfig({ flags: { admin: true, host: '0.0.0.0' }, env: {} })).rejects.toThrow(/--admin-token/);
    await expect(loadServeConfig({ flags: {}, env: { SORA_MOCK_ADMIN: 'true', SORA_MOCK_HOST: '10.1.2.3' } })).rejects.toThrow(/--admin-token/);
    const fine = await loadServeConfig({ flags: { admin: true, host: '0.0.0.0', adminToken: 'secret-token' }, env: {} });
    expect(fine.mock.adminToken).toBe('secret-token');
    expect((await loadServeConfig({ flags: { admin: true, host: 'localhost' }, env: {} })).mock.admin).toBe(true);
  });

  it('reads --allowed-hosts, SORA_MOCK_ALLOWED_HOSTS and the file key, and never prints the token', async () => {
    const fromFlags = await loadServeConfig({ flags: { allowedHosts: ['a.test', 'b.test'] }, env: {} });
    expect(fromFlags.allowedHosts).toEqual(['a.test', 'b.test']);
    const fromEnv = await loadServeConfig({ flags: {}, env: { SORA_MOCK_ALLOWED_HOSTS: 'c.test, .d.test' } });
    expect(fromEnv.allowedHosts).toEqual(['c.test', '.d.test']);
    expect(settingsFromFile({ allowedHosts: ['e.test'], bodyTimeoutSeconds: 5 }, 'sora-mock.json')).toEqual({ allowedHosts: ['e.test'], bodyTimeoutSeconds: 5 });
    await expect(loadServeConfig({ flags: { allowedHosts: ['mock.test:4010'] }, env: {} })).rejects.toThrow(/--allowed-hosts/);
    await expect(loadServeConfig({ flags: { bodyTimeoutSeconds: '0' }, env: {} })).rejects.toThrow(/--body-timeout-seconds/);
    expect((await loadServeConfig({ flags: {}, env: { SORA_MOCK_BODY_TIMEOUT_SECONDS: '2.5' } })).bodyTimeoutSeconds).toBe(2.5);
    const config = await loadServeConfig({ flags: { admin: true, adminToken: 'tok-secret-value' }, env: {} });
    const lines: string[] = [];
    await startServe(config, { printOnly: true, io: { out: (l) => lines.push(l), err: (l) => lines.push(l) } });
    expect(lines.join('\n')).not.toContain('tok-secret-value');
    expect(lines.join('\n')).toContain('allowedHosts');
    expect(JSON.stringify(printableConfig(config, createSoraServer(config.mock).mock))).not.toContain('tok-secret-value');
  });
});

describe('B. protocol edges answer with the JSON envelope', () => {
  it('a body that does not arrive in time is a 408 request_timeout, and the connection is let go', async () => {
    const { port } = await start({ bodyTimeoutMs: 600 });
    const reply = await raw(port, [
      `POST /sora/v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${LICENCE}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"prompt":`,
    ]);
    expect(reply.status, reply.text).toBe(408);
    expect(envelopeOf(reply).code).toBe('request_timeout');
    expect(reply.elapsedMs).toBeLessThan(5000);
  });

  it('a trickling body is cut by the same deadline', async () => {
    const { port } = await start({ bodyTimeoutMs: 800 });
    const head = `POST /sora/v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${LICENCE}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const reply = await raw(port, [head, ...Array.from({ length: 40 }, () => ' ')], { gapMs: 150 });
    expect(reply.status, reply.text).toBe(408);
    expect(reply.elapsedMs).toBeLessThan(5000);
  });

  it('sora-kit serve passes --body-timeout-seconds to the server', async () => {
    const config = await loadServeConfig({ flags: { bodyTimeoutSeconds: '0.5', port: '0', quiet: true }, env: {} });
    const served = await startServe(config, { io: { out: () => undefined, err: () => undefined } });
    if (!served?.url) throw new Error('sora-kit serve did not start');
    open.push({ url: served.url, port: Number(new URL(served.url).port), server: served });
    const reply = await raw(Number(new URL(served.url).port), [`POST /sora/v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: ${LICENCE}\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{`]);
    expect(reply.status, reply.text).toBe(408);
    expect(envelopeOf(reply).message).toContain('0.5 s');
  });

  it('headers that do not arrive in time are a 408 request_timeout', async () => {
    const { port } = await start({ bodyTimeoutMs: 600 });
    const reply = await raw(port, [`GET /sora/v1/models HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`]);
    expect(reply.status, reply.text).toBe(408);
    expect(envelopeOf(reply).code).toBe('request_timeout');
    expect(reply.elapsedMs).toBeLessThan(5000);
  });

  it('a missing Host is a 400 missing_host envelope', async () => {
    const { port } = await start();
    const reply = await raw(port, ['GET /sora/v1/models HTTP/1.1\r\nConnection: close\r\n\r\n']);
    expect(reply.status, reply.text).toBe(400);
    expect(envelopeOf(reply).code).toBe('missing_host');
  });

  it('an Expect the server cannot meet is a 417 envelope; 100-continue still works', async () => {
    const { port } = await start();
    const reply = await raw(port, [`GET /sora/v1/models HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nExpect: bogus\r\nConnection: close\r\n\r\n`]);
    expect(reply.status, reply.text).toBe(417);
    expect(envelopeOf(reply).code).toBe('expectation_failed');
    const body = '{"prompt":"a fox","model":"sora_image"}';
    const cont = await raw(port, [
      `POST /sora/v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${LICENCE}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
      body,
    ], { gapMs: 200 });
    expect(cont.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('CONNECT is a 405 method_not_allowed envelope', async () => {
    const { port } = await start();
    const reply = await raw(port, [`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`]);
    expect(reply.status, reply.text).toBe(405);
    expect(envelopeOf(reply).code).toBe('method_not_allowed');
  });
});

describe('C. close() tells what it cuts', () => {
  it('ends a stalled stream with an in-band server_shutting_down error and answers a waiting request 503', async () => {
    const { port, server } = await start({ instant: false, shutdownGraceMs: 20_000 });
    const chat = JSON.stringify({ model: 'sora_video2', stream: true, messages: [{ role: 'user', content: '画小猫' }] });
    const image = JSON.stringify({ prompt: 'a fox', model: 'sora_image' });
    const post = (path: string, body: string) =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${LICENCE}\r\nContent-Type: application/json\r\nPrefer: scenario=stall\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const stream = raw(port, [post('/sora/v1/chat/completions', chat)], { giveUpMs: 15_000 });
    const waiting = raw(port, [post('/sora/v1/images/generations', image)], { giveUpMs: 15_000 });
    // Both have reached the mock: the stream has sent its first chunk, the image waits in its stall.
    await new Promise((r) => setTimeout(r, 500));
    await server.close();

    const streamed = await stream;
    expect(streamed.status).toBe(200);
    expect(streamed.headers['transfer-encoding']).toBe('chunked');
    expect(streamed.body.endsWith('0\r\n\r\n'), JSON.stringify(streamed.body.slice(-80))).toBe(true);
    const events = sseData(dechunk(streamed.body));
    const errors = events.filter((e) => e.startsWith('{"error"')).map((e) => (JSON.parse(e) as { error: { code: string; type: string } }).error);
    expect(errors).toEqual([expect.objectContaining({ code: 'server_shutting_down', type: 'server_error' })]);
    // The error comes after the chunks that were sent, and nothing claims the answer was complete.
    expect(events.indexOf(events.find((e) => e.startsWith('{"error"')) as string)).toBeGreaterThan(0);
    expect(events.some((e) => e.includes('"finish_reason":"stop"'))).toBe(false);

    const answered = await waiting;
    expect(answered.status, answered.text).toBe(503);
    expect(envelopeOf(answered).code).toBe('server_shutting_down');
    expect(answered.headers.connection).toBe('close');
    // The mock stopped working on the stalled image (its signal was aborted), so it is journalled.
    await expect.poll(() => server.mock.requests({ path: '/sora/v1/images/generations' }).length, { timeout: 3000 }).toBe(1);
  });
});
