/**
 * The operation table holds the mock to what it declares: no operation answers a status its entry in
 * spec/operations.ts does not list, `Allow` (on OPTIONS and on a 405) is the methods of that very
 * path, and the pipeline runs in one order for every route (input before scenario).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, type OperationId } from '../../src/spec/operations.js';
import type { JournalEntry, SoraMock } from '../../src/mock/types.js';
import { BASE, LICENCE, ORIGIN, call, expectEnvelope, manualMock } from './helpers.js';

/** Every journal entry of an operation whose status the table does not declare for it. */
function undeclared(entries: JournalEntry[]): string[] {
  return entries
    .filter((e) => e.operation !== undefined)
    .filter((e) => !(OPERATIONS[e.operation as OperationId].statuses as readonly string[]).includes(String(e.status)))
    .map((e) => `${e.operation} answered ${e.status} (${e.error?.code ?? ''}) to ${e.method} ${e.path}`);
}

function watch(mock: SoraMock): JournalEntry[] {
  const seen: JournalEntry[] = [];
  mock.on('request', (e) => seen.push(e));
  return seen;
}

const SCENARIOS = ['moderation_blocked', 'rate_limited', 'server_error', 'slow', 'fail_midway', 'nope'];

describe('statuses are declared per operation', () => {
  it('the check catches an undeclared status (it is not vacuous)', () => {
    const entry = { id: 1, operation: 'listModels', method: 'GET', path: '/sora/v1/models', status: 404, startedAt: 0, durationMs: 0, request: { headers: {} } };
    expect(undeclared([entry])).toHaveLength(1);
    expect(undeclared([{ ...entry, status: 200 }])).toEqual([]);
  });

  it('every operation, through success, refusal, scenario, missing state and media edges, answers only what it declares', async () => {
    const mock = manualMock({ speed: 1000, maxBodyBytes: 4096, licenses: [{ key: LICENCE, features: ['chat', 'images', 'videos'] }, { key: 'chat-only', features: ['chat'] }] });
    const seen = watch(mock);
    const { id } = (await (await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a' } })).json()) as { id: string };
    const form = new FormData();
    form.append('model', 'sora_image');
    form.append('prompt', 'p');
    form.append('image[]', new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }), 'x.png');
    const bodies: Record<string, unknown> = {
      '/chat/completions': { model: 'sora_image', messages: [{ role: 'user', content: 'x' }] },
      '/images/generations': { model: 'sora_image', prompt: 'x' },
      '/videos': { model: 'sora_video2', prompt: 'x' },
      [`/videos/${id}/remix`]: { prompt: 'x' },
    };
    const requests: [string, string, unknown?][] = [
      ['GET', '/models'],
      ['GET', '/videos'],
      ['GET', '/videos?limit=0'],
      ['GET', '/videos?after=video_missing'],
      ['GET', `/videos/${id}`],
      ['GET', '/videos/video_missing'],
      ['GET', `/videos/${id}/content`],
      ['GET', '/videos/video_missing/content'],
      ['GET', `/videos/${id}/content?variant=poster`],
      ['POST', `/videos/${id}/remix`, { prompt: 'x' }],
      ['POST', '/videos/video_missing/remix', { prompt: 'x' }],
      ['POST', '/images/edits', form],
      ...Object.entries(bodies).map(([p, b]) => ['POST', p, b] as [string, string, unknown]),
      ...Object.keys(bodies).map((p) => ['POST', p, '{"broken'] as [string, string, unknown]),
      ...Object.keys(bodies).map((p) => ['POST', p, { prompt: 'x'.repeat(5000) }] as [string, string, unknown]),
      ['DELETE', '/videos/video_missing'],
    ];
    for (const [method, path, body] of requests) {
      await call(mock, method, path, { body });
      for (const scenario of SCENARIOS) await call(mock, method, path, { body, headers: { prefer: `scenario=${scenario}` } });
      await call(mock, method, path, { body, headers: { authorization: '' } });
      await call(mock, method, path, { body, headers: { authorization: 'chat-only' } });
      await call(mock, method, path, { body, headers: { 'content-type': 'text/csv' } });
    }
    // Media edges: ranges, revalidation, expiry.
    mock.advance(60_000);
    const content = await call(mock, 'GET', `/videos/${id}/content`);
    await call(mock, 'GET', `/videos/${id}/content`, { headers: { range: 'bytes=0-99' } });
    await call(mock, 'GET', `/videos/${id}/content`, { headers: { range: 'bytes=99999999-' } });
    await call(mock, 'GET', `/videos/${id}/content`, { headers: { 'if-none-match': content.headers.get('etag') ?? '' } });
    await call(mock, 'POST', `/videos/${id}/remix`, { body: { prompt: 'y' } });
    mock.advance(10 * 3600_000);
    await call(mock, 'GET', `/videos/${id}/content`);
    await call(mock, 'DELETE', `/videos/${id}`);
    // A client that gives up on a stalled generation.
    for (const path of ['/images/generations', '/chat/completions']) {
      const abort = new AbortController();
      const pending = mock.fetch(
        new Request(`${BASE}${path}`, {
          method: 'POST',
          signal: abort.signal,
          headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
          body: JSON.stringify(bodies[path]),
        }),
      );
      setTimeout(() => abort.abort(), 20);
      await (await pending).text().catch(() => undefined);
    }

    const statuses = new Set(seen.map((e) => `${e.operation}:${e.status}`));
    // The corpus reaches the edges it means to (so the check below has something to judge).
    for (const expected of ['retrieveVideoContent:206', 'retrieveVideoContent:304', 'retrieveVideoContent:410', 'retrieveVideoContent:416', 'remixVideo:404', 'createImage:413', 'createVideo:415', 'listModels:429', 'createVideo:403', 'createImage:408']) {
      expect(statuses, expected).toContain(expected);
    }
    expect(undeclared(seen)).toEqual([]);
  });

  it('a full job store and evicted ids answer only declared statuses', async () => {
    const mock = manualMock({ maxJobs: 2, retentionSeconds: 1 });
    const seen = watch(mock);
    const create = async () => ((await (await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a' } })).json()) as { id: string }).id;
    const [first] = [await create(), await create()];
    await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'full' } });
    await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', messages: [{ role: 'user', content: 'full' }] } });
    mock.advance(60_000);
    await create(); // evicts `first`, expired
    for (const [method, path, body] of [
      ['GET', `/videos/${first}`],
      ['GET', `/videos/${first}/content`],
      ['POST', `/videos/${first}/remix`, { prompt: 'x' }],
      ['DELETE', `/videos/${first}`],
      ['GET', `/videos?after=${first}`],
    ] as [string, string, unknown?][]) {
      await call(mock, method, path, { body });
    }
    const statuses = new Set(seen.map((e) => `${e.operation}:${e.status}:${e.error?.code ?? ''}`));
    for (const expected of ['createVideo:429:job_limit_reached', 'createChatCompletion:429:job_limit_reached', 'retrieveVideo:404:video_expired', 'listVideos:404:video_expired', 'remixVideo:404:video_expired']) {
      expect(statuses, expected).toContain(expected);
    }
    expect(undeclared(seen)).toEqual([]);
  });

  it('random requests to every operation answer only declared statuses', async () => {
    const mock = manualMock({ instant: true, maxBodyBytes: 20_000 });
    const seen = watch(mock);
    const operation = fc.constantFrom(...(Object.values(OPERATIONS) as { method: string; path: string }[]));
    await fc.assert(
      fc.asyncProperty(
        operation,
        fc.constantFrom('video_x', '%ZZ', 'video_0', ''),
        fc.jsonValue({ maxDepth: 2 }),
        fc.option(fc.constantFrom(...SCENARIOS), { nil: undefined }),
        fc.constantFrom('application/json', 'multipart/form-data; boundary=x', 'text/plain', ''),
        async (op, id, body, scenario, type) => {
          const headers: Record<string, string> = { authorization: LICENCE };
          if (scenario) headers.prefer = `scenario=${scenario}`;
          if (type) headers['content-type'] = type;
          const path = op.path.replace('{video_id}', id);
          const r = await mock.fetch(new Request(`${BASE}${path}`, { method: op.method, headers, body: op.method === 'POST' ? JSON.stringify(body) : undefined }));
          await r.arrayBuffer();
        },
      ),
      { numRuns: 300 },
    );
    expect(undeclared(seen)).toEqual([]);
  });
});

describe('Allow is per path', () => {
  const allowOf = (r: Response) => new Set((r.headers.get('allow') ?? '').split(/,\s*/));

  it('OPTIONS lists the methods of that path', async () => {
    const mock = manualMock();
    const options = (path: string) => mock.fetch(new Request(`${BASE}${path}`, { method: 'OPTIONS' }));
    expect(allowOf(await options('/videos'))).toEqual(new Set(['GET', 'HEAD', 'POST', 'OPTIONS']));
    expect(allowOf(await options('/videos/video_1'))).toEqual(new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']));
    expect(allowOf(await options('/videos/video_1/content'))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
    expect(allowOf(await options('/videos/video_1/remix'))).toEqual(new Set(['POST', 'OPTIONS']));
    expect(allowOf(await options('/chat/completions'))).toEqual(new Set(['POST', 'OPTIONS']));
    expect(allowOf(await options('/models'))).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
    expect((await options('/nowhere')).status).toBe(404);
  });

  it('a 405 names the same methods', async () => {
    const mock = manualMock();
    const r = await call(mock, 'POST', '/videos/video_1/content', { body: {} });
    expect((await expectEnvelope(r.clone(), 405)).code).toBe('method_not_allowed');
    expect(allowOf(r)).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
    const d = await mock.fetch(new Request(`${ORIGIN}/sora/v1/models`, { method: 'DELETE', headers: { authorization: LICENCE } }));
    expect(allowOf(d)).toEqual(new Set(['GET', 'HEAD', 'OPTIONS']));
  });
});

describe('one pipeline order for every route: licence, input, scenario, work', () => {
  it('a bad query and a bad body both get their 400 before a scenario answers', async () => {
    const mock = manualMock();
    const limited = { prefer: 'scenario=rate_limited' };
    expect((await expectEnvelope(await call(mock, 'GET', '/videos?limit=0', { headers: limited }), 400)).param).toBe('limit');
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', { body: { model: 'sora_video2' }, headers: limited }), 400)).param).toBe('prompt');
    // Valid input meets the scenario, on reads and generations alike.
    expect((await call(mock, 'GET', '/videos?limit=1', { headers: limited })).status).toBe(429);
    expect((await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'x' }, headers: limited })).status).toBe(429);
    // The licence comes first of all.
    expect((await call(mock, 'GET', '/videos?limit=0', { headers: { ...limited, authorization: '' } })).status).toBe(401);
  });

  it('journal entries name the operation they were routed to', async () => {
    const mock = manualMock();
    await call(mock, 'GET', '/models');
    await call(mock, 'GET', '/videos/video_1');
    await call(mock, 'GET', '/nowhere');
    expect(mock.requests().map((e) => e.operation ?? null)).toEqual(['listModels', 'retrieveVideo', null]);
  });
});
