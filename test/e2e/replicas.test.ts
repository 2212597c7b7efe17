/**
 * `sora-kit serve` past one process: three replicas of the built CLI on one Redis store (the same
 * --media-secret and --seed) behind nginx (round robin), driven by the official openai SDK. The whole
 * flow (create, poll, list, remix, content, delete) with each request landing on another replica;
 * a run-time fault added through one replica's admin endpoint fires on requests the others answer;
 * then one replica is killed mid-flow and the flow goes on; then Redis is stopped (503 with the
 * envelope and Retry-After) and started again (it works again).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { serveCli, type ServedCli } from '../helpers/serve-cli.js';
import { LICENCE } from './support.js';

let redis: TestRedis;
let replicas: ServedCli[] = [];
let nginx: TestNginx;
/** The replica (upstream address) that answered each request the SDK made, in order. */
const answeredBy: string[] = [];
let client: OpenAI;

beforeAll(async () => {
  redis = await startRedis();
  const args = ['--store', redis.url, '--media-secret', 'replicas-secret', '--seed', 'replicas', '--speed', '20', '--quiet', '--no-inspector', '--media-workers', '0', '--admin'];
  replicas = await Promise.all([0, 1, 2].map(() => serveCli(args)));
  nginx = await startNginx(replicas.map((r) => r.origin));
  client = new OpenAI({
    apiKey: LICENCE,
    baseURL: `${nginx.origin}/sora/v1`,
    maxRetries: 0,
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      // (The SDK also fetches a data: URL of its own, which no replica answers.)
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith(nginx.origin)) answeredBy.push(response.headers.get('x-upstream') ?? '?');
      return response;
    },
  });
}, 60_000);

afterAll(async () => {
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await redis?.stop();
});

async function completed(id: string): Promise<OpenAI.Videos.Video> {
  for (let i = 0; i < 200; i++) {
    const video = await client.videos.retrieve(id);
    if (video.status === 'completed') return video;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`video ${id} did not complete`);
}

const bytes = async (response: Response) => new Uint8Array(await response.arrayBuffer());

describe('three sora-kit serve replicas on one Redis behind nginx', () => {
  it('run the whole flow through the openai SDK, each request on another replica', async () => {
    const from = answeredBy.length;
    const video = await client.videos.create({ model: 'sora_video2', prompt: 'a lighthouse in fog' });
    expect((await completed(video.id)).progress).toBe(100);
    expect((await client.videos.list()).data.map((v) => v.id)).toContain(video.id);
    const remix = await client.videos.remix(video.id, { prompt: 'at night' });
    expect(remix.remixed_from_video_id).toBe(video.id);
    await completed(remix.id);
    // The same content from different replicas: the same bytes.
    const first = await bytes(await client.videos.downloadContent(video.id));
    const second = await bytes(await client.videos.downloadContent(video.id));
    expect(first.byteLength).toBeGreaterThan(1000);
    expect(second).toEqual(first);
    expect((await client.videos.delete(remix.id)).deleted).toBe(true);
    await expect(client.videos.retrieve(remix.id)).rejects.toMatchObject({ status: 404 });

    const seen = answeredBy.slice(from);
    expect(new Set(seen).size).toBe(3);
    // Round robin: no two requests in a row on the same replica.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
  });

  it('share run-time faults: one added through a replica\'s /__sora/faults hits requests that land on the others', async () => {
    const added = await fetch(`${replicas[0].origin}/__sora/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario: 'server_error', route: 'GET /models', times: 3 }),
    });
    expect(added.status).toBe(201);
    const { id } = (await added.json()) as { id: string };
    const seen = await (await fetch(`${replicas[2].origin}/__sora/faults`)).json();
    expect(seen).toEqual({ object: 'list', data: [expect.objectContaining({ id, remaining: 3 })] });
    // Three requests in a row, each on another replica (round robin): the fault fires on every one.
    const from = answeredBy.length;
    for (let i = 0; i < 3; i++) await expect(client.models.list()).rejects.toMatchObject({ status: 500, error: { type: 'server_error' } });
    expect(new Set(answeredBy.slice(from)).size).toBe(3);
    // Then it has retired, on every replica.
    expect((await client.models.list()).data.length).toBeGreaterThan(0);
    expect(await (await fetch(`${replicas[1].origin}/__sora/faults`)).json()).toEqual({ object: 'list', data: [] });
  });

  it('go on when one replica is killed mid-flow', async () => {
    const video = await client.videos.create({ model: 'sora_video2', prompt: 'a heron at dawn' });
    const killed = replicas[1];
    killed.child.kill('SIGKILL');
    await killed.stop();
    const from = answeredBy.length;
    await completed(video.id);
    expect((await client.videos.list()).data.map((v) => v.id)).toContain(video.id);
    expect((await bytes(await client.videos.downloadContent(video.id, { variant: 'thumbnail' }))).byteLength).toBeGreaterThan(100);
    expect((await client.videos.delete(video.id)).deleted).toBe(true);
    // Only the two left answered.
    expect(answeredBy.slice(from)).not.toContain(new URL(killed.origin).host);
  });

  it('answer 503 with the envelope and Retry-After while Redis is stopped, and work again once it is back', async () => {
    await redis.stop();
    const error = await client.videos.create({ model: 'sora_video2', prompt: 'while away' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.headers?.get('retry-after')).toBe('1');
    expect(apiError.error).toMatchObject({ type: 'server_error', code: 'store_unavailable', param: null });
    await expect(client.videos.list()).rejects.toMatchObject({ status: 503 });
    // The replicas still run: health answers, and says the store is away.
    const health = (await (await fetch(`${nginx.origin}/__sora/health`)).json()) as { status: string; store: { ok: boolean } };
    expect(health).toMatchObject({ status: 'degraded', store: { ok: false } });

    await redis.start();
    await expect
      .poll(
        async () => {
          const results = await Promise.allSettled([0, 1].map(() => client.videos.list()));
          return results.every((r) => r.status === 'fulfilled');
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    const video = await client.videos.create({ model: 'sora_video2', prompt: 'after the outage' });
    expect((await completed(video.id)).id).toBe(video.id);
  });
});
