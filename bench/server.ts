/**
 * `npm run bench:server`: the mock's HTTP transports against a bare node:http server answering the
 * same bytes after the same licence check, every server in its own process and the load generator
 * (autocannon's CLI) in another, so no two of them share an event loop (in one process every server
 * looks alike: the loader's work is counted against each). Baseline and candidate alternate over
 * rounds; the bench prints each candidate's median ratio to the baseline of its round, with p50/p99
 * latency and failed requests.
 *
 *   GET /videos/{id}      `sora-kit serve` as shipped (request log on, to a file; inspector on),
 *                         createSoraServer (library defaults), createSoraMiddleware in Express
 *   POST chat (stream)    sora_image streamed completions on `sora-kit serve`, against the same baseline
 *   POST images           sora_image generations on `sora-kit serve`, against the same baseline
 *   msw                   createSoraHandlers under setupServer vs a bare msw handler (in-process by nature)
 *   200 concurrent streams must all end with finish_reason "stop" and [DONE]
 *
 * It also prints the host's CPU steal during the measurements (bench/host.ts): on a shared machine
 * another tenant's load moves every figure, and a ratio is only as good as the run it came from.
 *
 * Environment: BENCH_DURATION seconds per measurement (default 4), BENCH_ROUNDS (default 5),
 * BENCH_CONNECTIONS (default 20). `npm run build` first: `serve` runs from dist/ as users run it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine, stealMeter, stealNote } from './host.js';
import { LICENSE, load as loadWith, median, type Load } from './load.js';

const ROOT = resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const TARGET_RATIO = 0.5;

interface Served {
  origin: string;
  child: ChildProcess;
}

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function waitForListening(read: () => string, child: ChildProcess, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /listening (?:on )?(http:\/\/[^/\s]+)/.exec(read());
    if (m) return m[1];
    if (child.exitCode !== null) throw new Error(`${what} exited: ${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start: ${read()}`);
}

/** A library adapter (or the bare baseline) alone in a process. */
async function launch(kind: 'bare' | 'server' | 'middleware', env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'bench/servers/launch.ts'), kind], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  return { origin: await waitForListening(() => out, child, kind), child };
}

/** `sora-kit serve` from dist/, as shipped: request log on (written to a file), inspector on. */
async function launchServe(): Promise<Served> {
  const log = join(mkdtempSync(join(tmpdir(), 'sora-bench-')), 'serve.log');
  const fd = openSync(log, 'w');
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/cli/index.js'), 'serve', '--port', '0', '--instant'], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_'))),
    stdio: ['ignore', fd, 'inherit'],
  });
  children.push(child);
  return { origin: await waitForListening(() => readFileSync(log, 'utf8'), child, 'sora-kit serve'), child };
}

/** autocannon with this bench's connections. */
const load = (url: string, seconds: number, init: { method?: string; body?: string } = {}): Promise<Load> => loadWith(url, seconds, CONNECTIONS, init);

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { ...init, headers: { authorization: LICENSE, 'content-type': 'application/json', ...init.headers } });
  return { status: r.status, text: await r.text() };
}

async function videoOn(origin: string): Promise<{ id: string; body: string }> {
  const created = JSON.parse((await json(`${origin}/sora/v1/videos`, { method: 'POST', body: JSON.stringify({ model: 'sora_video2', prompt: 'bench' }) })).text) as { id: string };
  return { id: created.id, body: (await json(`${origin}/sora/v1/videos/${created.id}`)).text };
}

async function concurrentStreams(api: string, count: number): Promise<{ ok: number; failures: string[] }> {
  const failures: string[] = [];
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      try {
        const r = await json(`${api}/chat/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: `cat ${i}` }] }),
        });
        const data = r.text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim());
        const last = data.length > 1 ? (JSON.parse(data[data.length - 2]) as { choices: { finish_reason: string }[] }) : undefined;
        const ok = r.status === 200 && data.at(-1) === '[DONE]' && last?.choices[0]?.finish_reason === 'stop';
        if (!ok) failures.push(`stream ${i}: status ${r.status}, ${data.length} events`);
        return ok;
      } catch (error) {
        failures.push(`stream ${i}: ${(error as Error).message}`);
        return false;
      }
    }),
  );
  return { ok: results.filter(Boolean).length, failures };
}

interface Candidate {
  name: string;
  url: string;
  init?: { method?: string; body?: string };
  target?: number;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

async function main(): Promise<void> {
  console.log(`sora-kit server benchmark: ${CONNECTIONS} connections, ${DURATION} s per measurement, ${ROUNDS} rounds; every server and the load generator in its own process`);
  console.log(`${machineLine()}\n`);
  const serve = await launchServe();
  const server = await launch('server');
  const middleware = await launch('middleware');
  const video = await videoOn(serve.origin);
  const serverVideo = await videoOn(server.origin);
  const middlewareVideo = await videoOn(middleware.origin);
  // The same bytes as the mock's answer, after the same licence check.
  const bare = await launch('bare', { BENCH_BODY: video.body });
  const bareUrl = `${bare.origin}/sora/v1/videos/${video.id}`;

  const chatBody = JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: '画小猫' }] });
  const imageBody = JSON.stringify({ model: 'sora_image', prompt: '画小猫' });
  const candidates: Candidate[] = [
    { name: 'sora-kit serve (as shipped)  GET /videos/{id}', url: `${serve.origin}/sora/v1/videos/${video.id}`, target: TARGET_RATIO },
    { name: 'createSoraServer (library)  GET /videos/{id}', url: `${server.origin}/sora/v1/videos/${serverVideo.id}` },
    { name: 'createSoraMiddleware (Express)  GET /videos/{id}', url: `${middleware.origin}/sora/v1/videos/${middlewareVideo.id}` },
    { name: 'sora-kit serve  POST chat sora_image (stream)', url: `${serve.origin}/sora/v1/chat/completions`, init: { method: 'POST', body: chatBody } },
    { name: 'sora-kit serve  POST images/generations', url: `${serve.origin}/sora/v1/images/generations`, init: { method: 'POST', body: imageBody } },
  ];

  // Warm-up: JIT and caches of every server.
  await load(bareUrl, 1);
  for (const c of candidates) await load(c.url, 1, c.init);

  const ratios = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  const last = new Map<string, Load>();
  const baselines: Load[] = [];
  let failed = 0;
  const steal = stealMeter();
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of candidates) {
      // Baseline and candidate back to back, so both see the same machine.
      const base = await load(bareUrl, DURATION);
      const cand = await load(c.url, DURATION, c.init);
      baselines.push(base);
      ratios.get(c.name)?.push(cand.rps / base.rps);
      last.set(c.name, cand);
      failed += base.failed + cand.failed;
    }
  }

  const widths = [50, 9, 8, 8, 8, 12, 7];
  console.log(row(['GET /videos/{id} baseline and candidates', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'rounds', 'failed'], widths));
  const base = baselines.at(-1) as Load;
  console.log(row(['bare node:http (same bytes, same licence check)', base.rps.toFixed(0), String(base.p50), String(base.p99), '1.00', '', String(base.failed)], widths));
  let belowTarget = false;
  for (const c of candidates) {
    const l = last.get(c.name) as Load;
    const all = ratios.get(c.name) ?? [0];
    const ratio = median(all);
    const range = `${Math.min(...all).toFixed(2)}-${Math.max(...all).toFixed(2)}`;
    const verdict = c.target === undefined ? '' : ratio >= c.target ? `  meets the ${c.target} target` : `  BELOW the ${c.target} target`;
    if (c.target !== undefined && ratio < c.target) belowTarget = true;
    console.log(`${row([c.name, l.rps.toFixed(0), String(l.p50), String(l.p99), ratio.toFixed(2), range, String(l.failed)], widths)}${verdict}`);
  }
  console.log(`(ratio: median over ${ROUNDS} rounds of candidate req/s over the baseline measured just before it; rounds: the lowest and highest)`);
  const stolen = stealNote(steal.stop());
  if (stolen) console.log(stolen);

  // msw, in-process by nature, in a process of its own.
  const mswLines = await new Promise<string>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'bench/msw.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('exit', () => done(out));
  });
  const msw = mswLines.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { baseline: { rps: number; failed: number }; mock: { rps: number; failed: number } });
  if (msw.length > 0) {
    const ratio = median(msw.map((m) => m.mock.rps / m.baseline.rps));
    const m = msw.at(-1)!;
    console.log(`\nmsw (setupServer, fetch in-process): createSoraHandlers ${m.mock.rps.toFixed(0)} req/s, bare msw handler ${m.baseline.rps.toFixed(0)} req/s, median ratio ${ratio.toFixed(2)}`);
    failed += msw.reduce((n, x) => n + x.baseline.failed + x.mock.failed, 0);
  }

  const streams = await concurrentStreams(`${serve.origin}/sora/v1`, 200);
  console.log(`\n200 concurrent streaming chat completions: ${streams.ok}/200 complete with finish_reason "stop" and [DONE]`);
  for (const f of streams.failures.slice(0, 5)) console.log(`  ${f}`);
  if (failed > 0) console.log(`\n${failed} requests failed during the measurements`);
  if (belowTarget || failed > 0 || streams.ok !== 200) process.exitCode = 1;
  for (const c of children) c.kill('SIGTERM');
}

await main();
