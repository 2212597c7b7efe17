/**
 * Load generators the benches share: autocannon in a process of its own (JSON out), and clients that
 * create and download distinct videos through the API (each one generated, so media is the work).
 */
import { spawn } from 'node:child_process';
import { request, type Agent } from 'node:http';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const AUTOCANNON = resolve(ROOT, 'node_modules/autocannon/autocannon.js');
export const LICENSE = 'sk-sora-mock';

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** autocannon in its own process, JSON out: `connections` connections on `url` for `seconds`. */
export function load(url: string, seconds: number, connections: number, init: { method?: string; body?: string } = {}): Promise<Load> {
  const args = [AUTOCANNON, '-j', '-n', '-c', String(connections), '-d', String(seconds), '-H', `authorization=${LICENSE}`, '-H', 'content-type=application/json'];
  if (init.method) args.push('-m', init.method);
  if (init.body) args.push('-b', init.body);
  args.push(url);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out) as { requests: { average: number }; latency: { p50: number; p99: number }; errors: number; timeouts: number; non2xx: number };
        done({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, failed: r.errors + r.timeouts + r.non2xx });
      } catch {
        fail(new Error(`autocannon gave no JSON: ${err.slice(0, 400)}`));
      }
    });
  });
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One request on `agent`: its status, its size, and its text when it is JSON. */
export function call(agent: Agent, url: string, method = 'GET', body?: string): Promise<{ status: number; bytes: number; text: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { method, agent, headers: { authorization: LICENSE, 'content-type': 'application/json' } }, (res) => {
      const json = (res.headers['content-type'] ?? '').startsWith('application/json');
      let bytes = 0;
      let text = '';
      res.on('data', (d: Buffer) => {
        bytes += d.byteLength;
        if (json) text += d.toString('utf8');
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, bytes, text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** `clients` clients create and download distinct `model` videos until `until`; counts the videos whose last byte came before it. */
export async function downloadVideos(api: string, agent: Agent, { clients, model, tag, until }: { clients: number; model: string; tag: string; until: number }): Promise<{ videos: number; bytes: number }> {
  let videos = 0;
  let bytes = 0;
  let n = 0;
  const client = async (c: number) => {
    while (performance.now() < until) {
      const created = await call(agent, `${api}/videos`, 'POST', JSON.stringify({ model, prompt: `media load ${tag} client ${c} video ${n++}` }));
      if (created.status !== 200) throw new Error(`create: ${created.status} ${created.text.slice(0, 200)}`);
      const { id } = JSON.parse(created.text) as { id: string };
      const content = await call(agent, `${api}/videos/${id}/content`);
      if (content.status !== 200) throw new Error(`content: ${content.status} ${content.text.slice(0, 200)}`);
      if (performance.now() <= until) {
        videos++;
        bytes += content.bytes;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  return { videos, bytes };
}
