/**
 * `npm run bench:scale`: how `sora-kit serve` behaves as jobs pile up. It runs the server as shipped
 * (from dist/, in its own process, inspector on, with a job cap above the largest checkpoint), keeps
 * one inspector viewer connected (its event stream read and discarded, as an open page reads it) and,
 * from this process, creates jobs through the API up to each checkpoint (1k, 10k, 100k by default).
 * Then it measures the time per request of `GET /videos?limit=20` (a page), `GET /videos?limit=20&after=<the middle job>`
 * (a page further on), `GET /videos/{id}` (a poll), `GET /__sora/health` and `POST /videos` (a create,
 * which the inspector hears of), and the server's RSS. Those cost O(1) or O(page), not O(jobs): the
 * bench prints each checkpoint's time as a ratio to the first checkpoint's, so growth shows. Each
 * measurement starts after a warm-up of a quarter of its requests.
 *
 * Environment: BENCH_SCALE_CHECKPOINTS (default "1000,10000,100000"), BENCH_SCALE_SAMPLES (default 200
 * requests per measurement), BENCH_SCALE_INSTANT=1 to run `serve --instant` (every job completes at
 * creation, so each create is a job event the inspector counts jobs on; without it, renders take 3 s).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { machineLine } from './host.js';

const ROOT = resolve(import.meta.dirname, '..');
const CHECKPOINTS = (process.env.BENCH_SCALE_CHECKPOINTS ?? '1000,10000,100000').split(',').map(Number);
const SAMPLES = Number(process.env.BENCH_SCALE_SAMPLES ?? 200);
const LICENSE = 'sk-sora-mock';
const agent = new Agent({ keepAlive: true, maxSockets: 32 });

const log = join(mkdtempSync(join(tmpdir(), 'sora-scale-')), 'serve.log');
const child = spawn(
  process.execPath,
  [resolve(ROOT, 'dist/cli/index.js'), 'serve', '--port', '0', ...(process.env.BENCH_SCALE_INSTANT ? ['--instant'] : []), '--quiet', '--retention-seconds', '86400', '--max-jobs', String(Math.max(...CHECKPOINTS) * 2)],
  {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_'))),
    stdio: ['ignore', openSync(log, 'w'), 'inherit'],
  },
);
process.on('exit', () => child.kill('SIGKILL'));

async function origin(): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const m = /listening on (http:\/\/[^/\s]+)/.exec(readFileSync(log, 'utf8'));
    if (m) return m[1];
    if (child.exitCode !== null) throw new Error(`serve exited: ${readFileSync(log, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('serve did not start');
}

function call(url: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method, agent, headers: { authorization: LICENSE, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

async function timePerRequest(url: string, method = 'GET', body?: string): Promise<number> {
  for (let i = 0; i < SAMPLES / 4; i++) await call(url, method, body);
  const started = performance.now();
  for (let i = 0; i < SAMPLES; i++) {
    const r = await call(url, method, body);
    if (r.status !== 200) throw new Error(`${url}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  return (performance.now() - started) / SAMPLES;
}

/** An open inspector page's event stream: read and discarded; its byte count shows it is live. */
function inspectorViewer(base: string): { bytes: () => number } {
  let bytes = 0;
  const req = request(`${base}/__sora/inspector/events`, (res) => {
    if (res.statusCode !== 200) throw new Error(`inspector events: ${res.statusCode}`);
    res.on('data', (d: Buffer) => (bytes += d.length));
  });
  req.on('error', (error) => {
    throw error;
  });
  req.end();
  return { bytes: () => bytes };
}

const base = await origin();
const viewer = inspectorViewer(base);
const api = `${base}/sora/v1`;
const body = JSON.stringify({ model: 'sora_video2', prompt: 'scale' });
let created = 0;
let lastId = '';
const ids: string[] = [];
const results: { jobs: number; page: number; cursor: number; poll: number; health: number; create: number; rss: number }[] = [];
console.log(`sora-kit scale benchmark: checkpoints ${CHECKPOINTS.join(', ')} jobs, ${SAMPLES} requests per measurement`);
console.log(`${machineLine()}\n`);
for (const checkpoint of CHECKPOINTS) {
  while (created < checkpoint) {
    const batch = Math.min(64, checkpoint - created);
    const answers = await Promise.all(Array.from({ length: batch }, () => call(`${api}/videos`, 'POST', body)));
    for (const a of answers) if (a.status !== 200) throw new Error(`create: ${a.status} ${a.text.slice(0, 200)}`);
    lastId = (JSON.parse(answers.at(-1)!.text) as { id: string }).id;
    ids.push(lastId);
    created += batch;
  }
  const page = await timePerRequest(`${api}/videos?limit=20`);
  const cursor = await timePerRequest(`${api}/videos?limit=20&after=${ids[Math.floor(ids.length / 2)]}`);
  const poll = await timePerRequest(`${api}/videos/${lastId}`);
  const health = await timePerRequest(`${base}/__sora/health`);
  const create = await timePerRequest(`${api}/videos`, 'POST', body);
  created += SAMPLES + SAMPLES / 4;
  results.push({ jobs: checkpoint, page, cursor, poll, health, create, rss: rssMb(child.pid as number) });
  const first = results[0];
  const r = results.at(-1)!;
  console.log(
    `${String(checkpoint).padStart(7)} jobs: list page ${r.page.toFixed(2)} ms (x${(r.page / first.page).toFixed(2)}), ` +
      `page after the middle job ${r.cursor.toFixed(2)} ms (x${(r.cursor / first.cursor).toFixed(2)}), ` +
      `poll ${r.poll.toFixed(2)} ms (x${(r.poll / first.poll).toFixed(2)}), health ${r.health.toFixed(2)} ms (x${(r.health / first.health).toFixed(2)}), ` +
      `create ${r.create.toFixed(2)} ms (x${(r.create / first.create).toFixed(2)}), RSS ${r.rss.toFixed(0)} MB`,
  );
}
console.log(`\n(xN: time per request relative to the first checkpoint; O(1) or O(page) requests stay near x1; the inspector viewer read ${(viewer.bytes() / 1024).toFixed(0)} KiB)`);
process.exit(0);
child.kill('SIGTERM');
agent.destroy();
