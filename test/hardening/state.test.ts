/**
 * Hardening of the mock's state: each licence sees only its own video jobs; the job store's cap
 * evicts expired jobs first and tells a client whose job is gone; the inspector's event stream stays
 * bounded with viewers that never read.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer, type SoraServerOptions } from '../../src/adapters/node.js';
import { createSoraMock } from '../../src/mock/app.js';
import type { SoraMockOptions } from '../../src/mock/types.js';

const ALICE = 'licence-alice-0001';
const BOB = 'licence-bob-0002';
const ALL = ['chat', 'images', 'videos'] as const;

const servers: SoraServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: SoraMockOptions, inspector: SoraServerOptions['inspector'] = false) {
  const server = createSoraServer(createSoraMock({ licenses: [{ key: ALICE, features: [...ALL] }, { key: BOB, features: [...ALL] }], ...options }), { inspector });
  servers.push(server);
  const { url } = await server.listen();
  return { server, url, api: `${url}/sora/v1` };
}

type ErrorBody = { error: { message: string; code: string | null; param: string | null } };

function caller(api: string, licence: string) {
  return async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${licence}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, body: type.startsWith('application/json') ? await response.json() : new Uint8Array(await response.arrayBuffer()) };
  };
}

describe('tenancy: a licence sees only its own video jobs', () => {
  it('lists, reads, downloads, remixes and deletes only its own jobs over HTTP; another licence gets 404 video_not_found', async () => {
    const { server, api } = await serve({ instant: true });
    const alice = caller(api, ALICE);
    const bob = caller(api, BOB);
    const a1 = (await alice('POST', '/videos', { model: 'sora_video2', prompt: 'alice one' })).body.id as string;
    // A job started through chat completions belongs to the chat's licence too.
    const chat = await alice('POST', '/chat/completions', { model: 'sora_video2-landscape', messages: [{ role: 'user', content: 'alice two' }] });
    expect(chat.status).toBe(200);
    const a2 = /video_id: (video_[0-9a-f]+)/.exec(chat.body.choices[0].message.content as string)![1];
    const b1 = (await bob('POST', '/videos', { model: 'sora_video2', prompt: 'bob one' })).body.id as string;

    expect((await alice('GET', '/videos')).body.data.map((v: { id: string }) => v.id)).toEqual([a2, a1]);
    expect((await bob('GET', '/videos')).body.data.map((v: { id: string }) => v.id)).toEqual([b1]);
    expect((await bob('GET', '/videos?order=asc&limit=1')).body).toMatchObject({ has_more: false, first_id: b1, last_id: b1 });

    const missing = await bob('GET', '/videos/video_00000000deadbeef');
    for (const id of [a1, a2]) {
      for (const [method, path, body] of [
        ['GET', `/videos/${id}`],
        ['GET', `/videos/${id}/content`],
        ['GET', `/videos/${id}/content?variant=thumbnail`],
        ['POST', `/videos/${id}/remix`, { prompt: 'stolen' }],
        ['DELETE', `/videos/${id}`],
        ['GET', `/videos?after=${id}`],
      ] as [string, string, unknown?][]) {
        const answer = await bob(method, path, body);
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect((answer.body as ErrorBody).error.code, `${method} ${path}`).toBe('video_not_found');
        expect((answer.body as ErrorBody).error.param).toBe(path.includes('after=') ? 'after' : 'video_id');
      }
      // Indistinguishable from an id that never existed: the message says nothing of the owner.
      const other = (await bob('GET', `/videos/${id}`)).body as ErrorBody;
      expect(other.error.message.replace(id, 'X')).toBe((missing.body as ErrorBody).error.message.replace('video_00000000deadbeef', 'X'));
    }
    // Bob's attempts changed nothing of Alice's.
    expect((await alice('GET', `/videos/${a1}`)).body).toMatchObject({ id: a1, status: 'completed' });
    expect((await alice('GET', `/videos/${a2}/content`)).status).toBe(200);
    expect((await alice('GET', `/videos?after=${a2}`)).body.data.map((v: { id: string }) => v.id)).toEqual([a1]);
    expect((await alice('POST', `/videos/${a1}/remix`, { prompt: 'again' })).status).toBe(200);
    expect((await bob('GET', '/videos')).body.data).toHaveLength(1);

    // The programmatic view shows every licence's jobs, or one licence's.
    expect(server.mock.jobs()).toHaveLength(4);
    expect(server.mock.jobs({ license: BOB }).map((v) => v.id)).toEqual([b1]);
    expect(server.mock.jobs({ license: ALICE })).toHaveLength(3);
    expect((await alice('DELETE', `/videos/${a1}`)).body).toEqual({ id: a1, object: 'video.deleted', deleted: true });
  });

  it('holds for the official openai SDK: another licence\'s video is a NotFoundError', async () => {
    const { api } = await serve({ instant: true });
    const alice = new OpenAI({ apiKey: ALICE, baseURL: api, maxRetries: 0 });
    const bob = new OpenAI({ apiKey: BOB, baseURL: api, maxRetries: 0 });
    const mine = await bob.videos.create({ model: 'sora_video2' as never, prompt: 'bob' });
    const theirs = await alice.videos.create({ model: 'sora_video2' as never, prompt: 'alice' });

    const listed: string[] = [];
    for await (const video of bob.videos.list()) listed.push(video.id);
    expect(listed).toEqual([mine.id]);
    expect((await bob.videos.retrieve(mine.id)).status).toBe('completed');
    expect((await bob.videos.downloadContent(mine.id)).status).toBe(200);

    await expect(bob.videos.retrieve(theirs.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(bob.videos.downloadContent(theirs.id)).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.remix(theirs.id, { prompt: 'x' })).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.delete(theirs.id)).rejects.toMatchObject({ status: 404, code: 'video_not_found' });
    await expect(bob.videos.list({ after: theirs.id })).rejects.toMatchObject({ status: 404, code: 'video_not_found', param: 'after' });
    expect((await alice.videos.retrieve(theirs.id)).id).toBe(theirs.id);
  });
});
