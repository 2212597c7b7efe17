/**
 * `npm run bench:server`: requests per second of the mock's transports against a bare node:http server
 * answering the same bytes, all measured in this one run (ratios, not absolute numbers, are the result).
 *
 *   GET /videos/{id}   bare node:http | sora-kit server (as `sora-kit serve` runs it) | sora-kit server
 *                      without replacing the global Request/Response (library default) | msw http-middleware
 *   POST /chat/completions (sora_image, instant, non-stream) on the sora-kit server
 *   200 concurrent streaming chat completions: each must end with finish_reason "stop" and [DONE]
 *
 * Environment: BENCH_DURATION seconds per run (default 5), BENCH_CONNECTIONS (default 50).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import express from 'express';
import { createSoraMiddleware } from '../src/adapters/middleware.js';
import { createSoraServer } from '../src/adapters/node.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const LICENCE = 'sk-sora-mock';
const TARGET_RATIO = 0.5;

interface Target {
  url: string;
  method?: 'GET' | 'POST';
  body?: string;
}

async function measure(name: string, target: Target): Promise<number> {
  const options = {
    url: target.url,
    method: target.method ?? 'GET',
    body: target.body,
    headers: { authorization: LICENCE, 'content-type': 'application/json' },
    connections: CONNECTIONS,
  };
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: DURATION });
  const bad = result.non2xx + result.errors + result.timeouts;
  const rps = result.requests.average;
  console.log(`${name.padEnd(44)} ${rps.toFixed(0).padStart(8)} req/s${bad ? `  (${bad} failed!)` : ''}`);
  if (bad) process.exitCode = 1;
  return rps;
}

function listen(server: Server): Promise<string> {
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

function close(server: Server): Promise<void> {
  return new Promise((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

async function createVideo(api: string): Promise<{ id: string; json: string }> {
  const created = await fetch(`${api}/videos`, {
    method: 'POST',
    headers: { authorization: LICENCE, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sora_video2', prompt: 'bench' }),
  });
  const { id } = (await created.json()) as { id: string };
  const json = await (await fetch(`${api}/videos/${id}`, { headers: { authorization: LICENCE } })).text();
  return { id, json };
}

async function concurrentStreams(api: string, count: number): Promise<{ ok: number; failures: string[] }> {
  const failures: string[] = [];
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      try {
        const response = await fetch(`${api}/chat/completions`, {
          method: 'POST',
          headers: { authorization: LICENCE, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: `cat ${i}` }] }),
        });
        const data = (await response.text())
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim());
        const last = data.length > 1 ? (JSON.parse(data[data.length - 2]) as { choices: { finish_reason: string }[] }) : undefined;
        const ok = response.status === 200 && data.at(-1) === '[DONE]' && last?.choices[0]?.finish_reason === 'stop';
        if (!ok) failures.push(`stream ${i}: status ${response.status}, ${data.length} events`);
        return ok;
      } catch (error) {
        failures.push(`stream ${i}: ${(error as Error).message}`);
        return false;
      }
    }),
  );
  return { ok: results.filter(Boolean).length, failures };
}

function ratioLine(name: string, rps: number, baseline: number): void {
  const ratio = rps / baseline;
  const verdict = ratio >= TARGET_RATIO ? 'meets' : 'BELOW';
  console.log(`  ${name.padEnd(42)} ${(ratio * 100).toFixed(0).padStart(5)}% of bare  (${verdict} the ${TARGET_RATIO * 100}% target)`);
}

async function main(): Promise<void> {
  console.log(`sora-kit server benchmark: ${CONNECTIONS} connections, ${DURATION}s per run (after a 1s warm-up)\n`);

  // The middleware runs first: the CLI-style server below replaces the global Request/Response.
  const middleware = createSoraMiddleware({ instant: true });
  const app = express();
  app.use(middleware);
  const middlewareServer = createServer(app);
  const middlewareOrigin = await listen(middlewareServer);
  const middlewareVideo = await createVideo(`${middlewareOrigin}/sora/v1`);

  const plain = createSoraServer({ instant: true });
  const plainOrigin = (await plain.listen()).url;
  const plainVideo = await createVideo(`${plainOrigin}/sora/v1`);

  // Same bytes as the mock's answer, so the baseline does the same I/O.
  const body = plainVideo.json;
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  const bareOrigin = await listen(bare);

  const bareRps = await measure('bare node:http  GET /videos/{id}', { url: `${bareOrigin}/sora/v1/videos/${plainVideo.id}` });
  const plainRps = await measure('sora-kit server (globals kept)  GET', { url: `${plainOrigin}/sora/v1/videos/${plainVideo.id}` });
  const middlewareRps = await measure('msw http-middleware (express)  GET', {
    url: `${middlewareOrigin}/sora/v1/videos/${middlewareVideo.id}`,
  });
  await plain.close();
  await close(middlewareServer);

  const cli = createSoraServer({ instant: true }, { overrideGlobalObjects: true, inspector: true });
  const cliOrigin = (await cli.listen()).url;
  const cliVideo = await createVideo(`${cliOrigin}/sora/v1`);
  const cliRps = await measure('sora-kit server (as `serve`)  GET', { url: `${cliOrigin}/sora/v1/videos/${cliVideo.id}` });
  const chatRps = await measure('sora-kit server  POST chat sora_image', {
    url: `${cliOrigin}/sora/v1/chat/completions`,
    method: 'POST',
    body: JSON.stringify({ model: 'sora_image', messages: [{ role: 'user', content: '画小猫' }] }),
  });

  console.log('\nratios against bare node:http (GET /videos/{id}):');
  ratioLine('sora-kit server (as `serve`)', cliRps, bareRps);
  ratioLine('sora-kit server (globals kept)', plainRps, bareRps);
  ratioLine('msw http-middleware (express)', middlewareRps, bareRps);
  console.log(`  chat completion sora_image: ${((chatRps / bareRps) * 100).toFixed(0)}% of bare GET (different work, for scale)`);
  if (cliRps / bareRps < TARGET_RATIO) process.exitCode = 1;

  const streams = await concurrentStreams(`${cliOrigin}/sora/v1`, 200);
  console.log(`\n200 concurrent streaming chat completions: ${streams.ok}/200 complete with finish_reason "stop" and [DONE]`);
  for (const failure of streams.failures.slice(0, 5)) console.log(`  ${failure}`);
  if (streams.ok !== 200) process.exitCode = 1;

  await cli.close();
  await close(bare);
}

await main();
