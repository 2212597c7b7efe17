/**
 * `npm run bench:media-load`: does media generation stall `sora-kit serve`? The server runs as shipped
 * (from dist/, in its own process, `--instant`), once with its media worker pool (one thread per core,
 * the default) and once with `--media-workers 0` (generation on the request loop), alternating over rounds.
 * For each, after a warm-up, 8 clients download distinct 25 s 1792x1024 videos
 * (`sora_video2-landscape-hd-25s`, a new prompt per download, so every one is generated) for 10 s,
 * while another client polls `GET /__sora/health` on its own connection. It prints the health
 * latency (p50 / p99 / max) and the media throughput (videos/s) of each, and the ratio.
 *
 * Targets (issue 13): health p99 <= 50 ms with the pool, and pool throughput >= 1.6x the single
 * thread's on 2 cores.
 *
 * Environment: BENCH_MEDIA_DURATION seconds per measurement (default 10), BENCH_MEDIA_CLIENTS
 * (default 8), BENCH_MEDIA_WARMUP seconds (default 2), BENCH_MEDIA_ROUNDS (default 5: pool and single
 * thread alternate, and the bench prints the median ratio and the worst round's health p99, with the
 * host's CPU steal during the run).
 *
 * Each round also measures the machine's own ceiling: one process generating the same videos alone,
 * then two side by side (bench/servers/generate.ts, no server, no client). On a shared 2-core virtual
 * machine two processes do not make twice as many; the pool is judged against that too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine, stealMeter, stealNote } from './host.js';
import { call, downloadVideos, median } from './load.js';

const ROOT = resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_MEDIA_DURATION ?? 10);
const CLIENTS = Number(process.env.BENCH_MEDIA_CLIENTS ?? 8);
const WARMUP = Number(process.env.BENCH_MEDIA_WARMUP ?? 2);
const ROUNDS = Number(process.env.BENCH_MEDIA_ROUNDS ?? 5);
const CEILING_SECONDS = 5;
const MODEL = 'sora_video2-landscape-hd-25s';
const HEALTH_INTERVAL_MS = 10;
const TARGET_P99_MS = 50;
const TARGET_RATIO = 1.6;

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function launchServe(extra: string[]): Promise<{ origin: string; child: ChildProcess }> {
  const log = join(mkdtempSync(join(tmpdir(), 'sora-media-load-')), 'serve.log');
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/cli/index.js'), 'serve', '--port', '0', '--instant', '--quiet', '--no-inspector', ...extra], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_'))),
    stdio: ['ignore', openSync(log, 'w'), 'inherit'],
  });
  children.push(child);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/[^/\s]+)/.exec(readFileSync(log, 'utf8'));
    if (m) return { origin: m[1], child };
    if (child.exitCode !== null) throw new Error(`serve exited: ${readFileSync(log, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`serve did not start: ${readFileSync(log, 'utf8')}`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

interface Result {
  label: string;
  videos: number;
  seconds: number;
  mb: number;
  health: number[];
}

async function measure(label: string, extra: string[]): Promise<Result> {
  const { origin, child } = await launchServe(extra);
  const api = `${origin}/sora/v1`;
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  // The warm-up starts the worker threads and warms the encoder's code.
  await downloadVideos(api, agent, { clients: CLIENTS, model: MODEL, tag: `${label} warm-up`, until: performance.now() + WARMUP * 1000 });
  const healthAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const health: number[] = [];
  const started = performance.now();
  const until = started + DURATION * 1000;
  const probing = (async () => {
    while (performance.now() < until) {
      const t = performance.now();
      const r = await call(healthAgent, `${origin}/__sora/health`);
      if (r.status !== 200) throw new Error(`health: ${r.status}`);
      health.push(performance.now() - t);
      await new Promise((done) => setTimeout(done, HEALTH_INTERVAL_MS));
    }
  })();
  const { videos, bytes } = await downloadVideos(api, agent, { clients: CLIENTS, model: MODEL, tag: label, until });
  await probing;
  agent.destroy();
  healthAgent.destroy();
  child.kill('SIGTERM');
  await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(undefined)));
  return { label, videos, seconds: DURATION, mb: bytes / 1e6, health: health.sort((a, b) => a - b) };
}

console.log(
  `sora-kit media load benchmark: ${CLIENTS} clients downloading distinct ${MODEL} videos (1792x1024, 25 s) for ${DURATION} s ` +
    `after a ${WARMUP} s warm-up, health polled every ${HEALTH_INTERVAL_MS} ms; ${availableParallelism()} cores; ` +
    `pool and single thread alternate over ${ROUNDS} rounds`,
);
console.log(`${machineLine()}\n`);
const line = (r: Result) =>
  `${(r.label === 'pool' ? `pool (${availableParallelism()} threads)` : 'single thread (--media-workers 0)').padEnd(34)} ` +
  `health p50 ${percentile(r.health, 50).toFixed(1)} ms, p99 ${percentile(r.health, 99).toFixed(1)} ms, max ${r.health.at(-1)?.toFixed(1)} ms (${r.health.length} probes); ` +
  `${(r.videos / r.seconds).toFixed(2)} videos/s (${r.videos} videos, ${(r.mb / r.seconds).toFixed(1)} MB/s)`;
/** Videos per second of `processes` independent generate.ts processes side by side, for `seconds`. */
async function generating(processes: number, seconds: number): Promise<number> {
  const counts = await Promise.all(
    Array.from(
      { length: processes },
      (_, k) =>
        new Promise<number>((done, fail) => {
          const child = spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'bench/servers/generate.ts'), String(seconds), `p${k}-${processes}`], {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          children.push(child);
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
          child.on('exit', () => (Number.isFinite(Number.parseInt(out, 10)) ? done(Number.parseInt(out, 10)) : fail(new Error(`generate.ts printed ${out}`))));
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0) / seconds;
}

const ratios: number[] = [];
const poolP99s: number[] = [];
const ceilings: number[] = [];
const steal = stealMeter();
for (let round = 1; round <= ROUNDS; round++) {
  // Pool then single thread, back to back, so both see the same machine.
  const pooled = await measure('pool', []);
  const single = await measure('single thread', ['--media-workers', '0']);
  console.log(`round ${round}`);
  for (const r of [pooled, single]) console.log(`  ${line(r)}`);
  ratios.push(pooled.videos / Math.max(1, single.videos));
  poolP99s.push(percentile(pooled.health, 99));
  // What the cores allow at all: two processes generating side by side against one (no server, no client).
  const one = await generating(1, CEILING_SECONDS);
  const two = await generating(2, CEILING_SECONDS);
  ceilings.push(two / one);
  console.log(`  machine ceiling: 2 independent processes generating make ${two.toFixed(1)} videos/s, 1 makes ${one.toFixed(1)}: x${(two / one).toFixed(2)}`);
}
const ratio = median(ratios);
const shown = (r: number) => (Math.floor(r * 100) / 100).toFixed(2);
const p99 = Math.max(...poolP99s);
console.log(
  `\npool vs single thread: x${shown(ratio)} videos/s, median of ${ROUNDS} rounds (${ratios.map((r) => `x${shown(r)}`).join(', ')}; ` +
    `target >= ${TARGET_RATIO} on 2 cores: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); ` +
    `pool health p99 ${p99.toFixed(1)} ms, the worst round (target <= ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'NOT met'})`,
);
console.log(
  `machine ceiling (two independent processes generating vs one, no server): x${median(ceilings).toFixed(2)}, median of ${ROUNDS} rounds ` +
    `(${ceilings.map((r) => `x${r.toFixed(2)}`).join(', ')}); a pool cannot beat the cores, and a ceiling near 1.6 leaves it no room`,
);
const stolen = stealNote(steal.stop());
if (stolen) console.log(stolen);
if (ratio < TARGET_RATIO || p99 > TARGET_P99_MS) process.exitCode = 1;
