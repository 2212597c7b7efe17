/**
 * `npm run bench:replicas`: what replicas of `sora-kit serve` on one Redis store buy, and what the
 * shared store costs. Every server (replicas, redis-server, nginx) and every load generator runs in a
 * process of its own; candidates and their baseline alternate over rounds, and the bench prints the
 * median ratio to the baseline of the same round.
 *
 *   media      clients create and download distinct videos through nginx (round robin) in front of 1,
 *              2 and 3 replicas (`--media-workers 0`: a replica is one thread of generation, so the
 *              replica count is the parallelism); videos/s, and 2 and 3 replicas against 1.
 *   GET        `GET /videos/{id}` (autocannon) on one replica with `--store redis://` against one with
 *              the memory store, directly (no nginx): the price of a round trip to Redis on the hot path.
 *
 * It prints the machine and the host's CPU steal (bench/host.ts): on a shared machine another tenant's
 * load moves every figure. `npm run build` first (the script does): replicas run from dist/.
 *
 * Environment: BENCH_REPLICAS_DURATION seconds per media measurement (default 8), BENCH_REPLICAS_CLIENTS
 * (default 6), BENCH_REPLICAS_ROUNDS (default 5), BENCH_DURATION seconds per GET measurement (default 4),
 * BENCH_CONNECTIONS (default 20).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine, stealMeter, stealNote } from './host.js';
import { LICENSE, downloadVideos, load, median, type Load } from './load.js';
// The test suite's own: redis-server and nginx on free ports, stopped with the run.
import { startNginx } from '../test/helpers/nginx.js';
import { startRedis } from '../test/helpers/redis.js';

const ROOT = resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_REPLICAS_DURATION ?? 8);
const CLIENTS = Number(process.env.BENCH_REPLICAS_CLIENTS ?? 6);
const ROUNDS = Number(process.env.BENCH_REPLICAS_ROUNDS ?? 5);
const GET_DURATION = Number(process.env.BENCH_DURATION ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
// 1792x1024, 25 s: each one is real encoding work (a small video is mostly HTTP).
const MODEL = 'sora_video2-landscape-hd-25s';
const WARMUP_SECONDS = 2;

const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

async function until(what: string, ready: () => Promise<boolean>, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `sora-kit serve` from dist/, its origin read from its banner. */
async function startServe(extra: string[]): Promise<string> {
  const log = join(mkdtempSync(join(tmpdir(), 'sora-replicas-')), 'serve.log');
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/cli/index.js'), 'serve', '--port', '0', '--instant', '--quiet', '--no-inspector', ...extra], {
    cwd: ROOT,
    stdio: ['ignore', openSync(log, 'w'), 'inherit'],
    // The caller's settings (SORA_MOCK_*, SORA_STORE) would change what is served.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_'))),
  });
  children.push(child);
  let origin = '';
  await until('sora-kit serve', async () => {
    origin = /listening on (http:\/\/[^/\s]+)/.exec(readFileSync(log, 'utf8'))?.[1] ?? '';
    return origin !== '';
  }, child);
  return origin;
}

/** Videos per second that CLIENTS clients download through `origin` in DURATION seconds. */
async function mediaThroughput(origin: string, tag: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const { videos } = await downloadVideos(`${origin}/sora/v1`, agent, { clients: CLIENTS, model: MODEL, tag, until: performance.now() + DURATION * 1000 });
  agent.destroy();
  return videos / DURATION;
}

async function videoOn(origin: string): Promise<string> {
  const body = JSON.stringify({ model: MODEL, prompt: 'bench replicas' });
  const text = await new Promise<string>((done, fail) => {
    const req = request(`${origin}/sora/v1/videos`, { method: 'POST', headers: { authorization: LICENSE, 'content-type': 'application/json' } }, (res) => {
      let out = '';
      res.setEncoding('utf8').on('data', (d: string) => (out += d)).on('end', () => done(out));
    });
    req.on('error', fail);
    req.end(body);
  });
  return `${origin}/sora/v1/videos/${(JSON.parse(text) as { id: string }).id}`;
}

async function main(): Promise<void> {
  console.log(
    `sora-kit replicas benchmark: ${CLIENTS} clients downloading distinct ${MODEL} videos for ${DURATION} s through nginx in front of 1, 2, 3 replicas ` +
      `(--media-workers 0), and GET /videos/{id} with ${CONNECTIONS} connections for ${GET_DURATION} s, Redis store vs memory; ${ROUNDS} rounds; ` +
      'every server and load generator in its own process',
  );
  console.log(`${machineLine()}\n`);
  const redis = await startRedis();
  const shared = ['--store', redis.url, '--media-secret', 'bench-replicas', '--seed', 'bench-replicas', '--media-workers', '0'];
  const replicas = await Promise.all([0, 1, 2].map(() => startServe(shared)));
  const nginxes = await Promise.all([1, 2, 3].map((n) => startNginx(replicas.slice(0, n))));
  const balancers = nginxes.map((n) => n.origin);
  const memory = await startServe(['--media-workers', '0']);
  const getRedis = await videoOn(replicas[0]);
  const getMemory = await videoOn(memory);

  // Warm-up: JIT, encoders and connections of every path.
  for (const [i, origin] of balancers.entries()) {
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    await downloadVideos(`${origin}/sora/v1`, agent, { clients: CLIENTS, model: MODEL, tag: `warm-up ${i}`, until: performance.now() + WARMUP_SECONDS * 1000 });
    agent.destroy();
  }
  await load(getRedis, 2, CONNECTIONS);
  await load(getMemory, 2, CONNECTIONS);

  const steal = stealMeter();
  const media: number[][] = [[], [], []];
  const gets: { redis: number; memory: number; failed: number }[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    // 1, 2, 3 replicas back to back, so all see the same machine.
    for (const [i, origin] of balancers.entries()) media[i].push(await mediaThroughput(origin, `round ${round} replicas ${i + 1}`));
    // The media work settles first; then the two alternate which goes first.
    await new Promise((r) => setTimeout(r, 1000));
    const first = round % 2 === 1 ? getMemory : getRedis;
    const measured = new Map([[first, await load(first, GET_DURATION, CONNECTIONS)]]);
    for (const url of [getMemory, getRedis]) if (!measured.has(url)) measured.set(url, await load(url, GET_DURATION, CONNECTIONS));
    const onMemory = measured.get(getMemory) as Load;
    const onRedis = measured.get(getRedis) as Load;
    gets.push({ redis: onRedis.rps, memory: onMemory.rps, failed: onMemory.failed + onRedis.failed });
    console.log(
      `round ${round}: ${media.map((m, i) => `${i + 1} replica${i ? 's' : ''} ${m.at(-1)?.toFixed(2)} videos/s`).join(', ')}; ` +
        `GET /videos/{id} memory ${onMemory.rps.toFixed(0)} req/s (p99 ${onMemory.p99} ms), redis ${onRedis.rps.toFixed(0)} req/s (p99 ${onRedis.p99} ms)`,
    );
  }
  const ratio = (xs: number[], base: number[]) => median(xs.map((x, i) => x / base[i]));
  console.log(
    `\nmedia throughput through nginx, median of ${ROUNDS} rounds: 1 replica ${median(media[0]).toFixed(2)} videos/s; ` +
      `2 replicas x${ratio(media[1], media[0]).toFixed(2)}, 3 replicas x${ratio(media[2], media[0]).toFixed(2)} (against 1 replica in the same round)`,
  );
  console.log(
    `GET /videos/{id}: Redis store x${median(gets.map((g) => g.redis / g.memory)).toFixed(2)} of the memory store's req/s, median of ${ROUNDS} rounds ` +
      `(memory ${median(gets.map((g) => g.memory)).toFixed(0)} req/s, redis ${median(gets.map((g) => g.redis)).toFixed(0)} req/s)`,
  );
  const stolen = stealNote(steal.stop());
  if (stolen) console.log(stolen);
  const failed = gets.reduce((n, g) => n + g.failed, 0);
  if (failed > 0) {
    console.log(`${failed} GET requests failed during the measurements`);
    process.exitCode = 1;
  }
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(nginxes.map((n) => n.stop()));
  await redis.stop();
}

await main();
