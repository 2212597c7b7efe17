/**
 * The msw path, in its own process: an SDK-style client (fetch, as the `openai` SDK calls it) inside
 * the same process as `setupServer`, which is how msw is used. Requests per second of
 * `createSoraHandlers` answering `GET /videos/{id}`, against a bare msw handler answering the same JSON
 * bytes, alternating over rounds; prints one JSON line per measurement for bench/server.ts.
 *
 * Environment: BENCH_DURATION seconds per measurement, BENCH_ROUNDS, BENCH_CONNECTIONS (concurrent requests).
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { createSoraHandlers } from '../src/adapters/msw.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 20);
const LICENSE = 'sk-sora-mock';
const headers = { authorization: `Bearer ${LICENSE}` };

const sora = createSoraHandlers({ baseUrl: 'https://sora.test', instant: true });
const server = setupServer(...sora);
server.listen({ onUnhandledRequest: 'error' });

const created = (await (
  await fetch('https://sora.test/sora/v1/videos', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora_video2', prompt: 'bench' }) })
).json()) as { id: string };
const soraUrl = `https://sora.test/sora/v1/videos/${created.id}`;
const body = await (await fetch(soraUrl, { headers })).text();
const bareUrl = `https://bare.test/sora/v1/videos/${created.id}`;
const bare = http.get('https://bare.test/sora/v1/videos/:id', ({ request }) =>
  request.headers.get('authorization') === `Bearer ${LICENSE}`
    ? new HttpResponse(body, { headers: { 'content-type': 'application/json; charset=utf-8' } })
    : HttpResponse.json({ error: { message: 'no licence', type: 'authentication_error', param: null, code: 'missing_license' } }, { status: 401 }),
);
server.use(bare);

async function measure(url: string, seconds: number): Promise<{ rps: number; failed: number }> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const r = await fetch(url, { headers });
        const text = await r.text();
        if (r.status !== 200 || text.length !== body.length) failed++;
        done++;
      }
    }),
  );
  return { rps: done / seconds, failed };
}

await measure(soraUrl, 1);
await measure(bareUrl, 1);
for (let round = 0; round < ROUNDS; round++) {
  const baseline = await measure(bareUrl, DURATION);
  const mock = await measure(soraUrl, DURATION);
  process.stdout.write(`${JSON.stringify({ round, baseline, mock })}\n`);
}
server.close();
