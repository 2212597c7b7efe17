/**
 * Request verification: the journal keeps what each request sent (headers with secrets masked, the
 * body as JSON or as the multipart field list, cut to a preview) and what it got (status, error code
 * and param, scenario and fault, media links, streamed ones too), bounded in count and bytes, and
 * filterable through `mock.requests(query)` and `GET /__sora/requests`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createJournal, BODY_PREVIEW_BYTES } from '../../src/mock/journal.js';
import { maskSecret } from '../../src/mock/mask.js';
import type { JournalEntry } from '../../src/mock/types.js';
import { LICENCE, ORIGIN, call, expectEnvelope, manualMock, readSse } from './helpers.js';

const JPEG = readFileSync(resolve(import.meta.dirname, '../../fixtures/media/image-96x64.jpg'));

describe('what the journal keeps of a request', () => {
  it('the JSON body, and the headers with the licence masked', async () => {
    const mock = manualMock({ instant: true });
    await call(mock, 'POST', '/videos', { body: { model: 'sora_video2-landscape', prompt: 'a fox', seconds: '10' }, headers: { 'x-trace': 't-1' } });
    const [entry] = mock.requests();
    expect(entry.request.body).toEqual({ kind: 'json', value: { model: 'sora_video2-landscape', prompt: 'a fox', seconds: '10' } });
    expect(entry.request.headers).toMatchObject({ 'content-type': 'application/json', 'x-trace': 't-1', authorization: `Bearer ${maskSecret(LICENCE)}` });
    expect(entry.license).toBe(maskSecret(LICENCE));
    expect(JSON.stringify(mock.requests())).not.toContain(LICENCE);
  });

  it('the multipart field list, files as name, type, size and SHA-256', async () => {
    const mock = manualMock();
    const form = new FormData();
    form.append('model', 'sora_image');
    form.append('prompt', 'restyle it');
    form.append('image[]', new Blob([JPEG], { type: 'image/jpeg' }), 'cat.jpg');
    expect((await call(mock, 'POST', '/images/edits', { body: form })).status).toBe(200);
    const [entry] = mock.requests();
    expect(entry.request.body).toEqual({
      kind: 'form',
      fields: [
        { name: 'model', value: 'sora_image' },
        { name: 'prompt', value: 'restyle it' },
        { name: 'image[]', file: { filename: 'cat.jpg', type: 'image/jpeg', size: JPEG.byteLength, sha256: createHash('sha256').update(JPEG).digest('hex') } },
      ],
    });
    expect(entry.media?.map((m) => m.variant)).toEqual(['image']);
  });

  it('works without Web Crypto (a browser page outside a secure context): files digested, links signed', async () => {
    // Such a page has crypto.getRandomValues but no crypto.subtle.
    const { getRandomValues } = await import('node:crypto');
    vi.stubGlobal('crypto', { getRandomValues });
    try {
      expect(globalThis.crypto.subtle).toBeUndefined();
      const mock = manualMock();
      const form = new FormData();
      form.append('model', 'sora_image');
      form.append('prompt', 'restyle it');
      form.append('image[]', new Blob([JPEG], { type: 'image/jpeg' }), 'cat.jpg');
      const response = await call(mock, 'POST', '/images/edits', { body: form });
      expect(response.status).toBe(200);
      const [entry] = mock.requests();
      const fields = entry.request.body?.kind === 'form' ? entry.request.body.fields : [];
      expect(fields[2]).toMatchObject({ file: { sha256: createHash('sha256').update(JPEG).digest('hex') } });
      const url = entry.media?.[0].url as string;
      expect((await mock.fetch(new Request(url))).status).toBe(200);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('cuts a body to its preview: long strings, deep nesting, and the whole', async () => {
    const mock = manualMock();
    const prompt = 'x'.repeat(40_000);
    await call(mock, 'POST', '/images/generations', { body: { model: 'sora_image', prompt } });
    const nested = `${'['.repeat(5000)}"leaf"${']'.repeat(5000)}`;
    await call(mock, 'POST', '/images/generations', { body: `{"model":"sora_image","prompt":"p","extra":${nested}}`, headers: { 'content-type': 'application/json' } });
    await call(mock, 'POST', '/images/generations', { body: { model: 'sora_image', prompt: 'p', many: Array.from({ length: 5000 }, (_, i) => `item-${i}`) } });
    for (const entry of mock.requests()) {
      expect(JSON.stringify(entry.request.body).length).toBeLessThan(BODY_PREVIEW_BYTES + 1024);
    }
    const [long, deep, many] = mock.requests();
    expect((long.request.body as { value: { prompt: string } }).value.prompt).toMatch(/^x{1000,}…\(\d+ more characters\)$/);
    expect(JSON.stringify(deep.request.body)).toContain('…');
    expect(many.request.body).toMatchObject({ kind: 'json', truncated: true });
  });

  it('a body that could not be parsed, as the start of its text', async () => {
    const mock = manualMock();
    const r = await call(mock, 'POST', '/videos', { body: '{"model": "sora_video2", ', headers: { 'content-type': 'application/json' } });
    await expectEnvelope(r, 400);
    expect(mock.requests()[0]).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', code: 'invalid_json', param: null },
      request: { body: { kind: 'text', text: '{"model": "sora_video2", ', size: 25 } },
    });
  });
});

describe('what the journal keeps of the outcome', () => {
  it('error type, code and param, for route, auth and validation errors', async () => {
    const mock = manualMock();
    await call(mock, 'POST', '/videos', { body: { model: 'sora_video3', prompt: 'x' } });
    await call(mock, 'GET', '/videos', { headers: { authorization: '' } });
    await call(mock, 'PUT', '/videos');
    await call(mock, 'GET', '/videos/video_nope');
    expect(mock.requests().map((e) => [e.status, e.error])).toEqual([
      [400, { type: 'invalid_request_error', code: expect.any(String), param: 'model' }],
      [401, { type: 'authentication_error', code: 'missing_license', param: null }],
      [405, { type: 'invalid_request_error', code: 'method_not_allowed', param: null }],
      [404, { type: 'invalid_request_error', code: 'video_not_found', param: 'video_id' }],
    ]);
    await call(mock, 'GET', '/models');
    expect(mock.requests().at(-1)?.error).toBeUndefined();
  });

  it('the media links of a streamed answer, added as they stream, with an event for each change', async () => {
    // `slow` (at speed 100: 30 ms) holds the images back until after the headers went out.
    const mock = manualMock({ speed: 100 });
    const updates: JournalEntry[] = [];
    mock.on('requestUpdated', (entry) => updates.push(entry));
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', stream: true, n: 2, messages: [{ role: 'user', content: 'two foxes' }] },
      headers: { prefer: 'scenario=slow' },
    });
    // The entry is written when the headers are ready, before any link has streamed.
    const entry = mock.requests()[0];
    expect(entry.media).toEqual([]);
    const { data } = await readSse(r);
    const streamed = data.join('');
    expect(entry.media?.map((m) => m.variant)).toEqual(['image', 'image']);
    for (const link of entry.media ?? []) expect(streamed).toContain(link.url);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.at(-1)).toBe(entry);
    expect(mock.requests()[0].media).toHaveLength(2);
  });

  it("a streamed video's link, from chat with a video model", async () => {
    const mock = manualMock({ instant: true });
    const r = await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2', stream: true, messages: [{ role: 'user', content: 'a boat' }] } });
    await readSse(r);
    expect(mock.requests()[0].media?.map((m) => m.variant)).toContain('video');
  });
});

describe('filters', () => {
  async function traffic() {
    const mock = manualMock({ instant: true });
    await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a' } });
    const { id } = (await (await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'b' } })).json()) as { id: string };
    mock.advance(60_000);
    await call(mock, 'GET', `/videos/${id}`);
    await call(mock, 'GET', '/videos/video_missing');
    await call(mock, 'POST', '/videos', { body: { model: 'nope', prompt: 'c' } });
    return { mock, id };
  }

  it('mock.requests({ method, path, status, since })', async () => {
    const { mock, id } = await traffic();
    const t0 = mock.requests()[0].startedAt;
    const paths = (entries: JournalEntry[]) => entries.map((e) => `${e.method} ${e.path} ${e.status}`);
    expect(paths(mock.requests({ method: 'post' }))).toEqual(['POST /sora/v1/videos 200', 'POST /sora/v1/videos 200', 'POST /sora/v1/videos 400']);
    expect(paths(mock.requests({ path: '/sora/v1/videos/:id' }))).toEqual([`GET /sora/v1/videos/${id} 200`, 'GET /sora/v1/videos/video_missing 404']);
    expect(paths(mock.requests({ path: `/sora/v1/videos/${id}` }))).toEqual([`GET /sora/v1/videos/${id} 200`]);
    expect(paths(mock.requests({ status: 404 }))).toEqual(['GET /sora/v1/videos/video_missing 404']);
    expect(paths(mock.requests({ status: '4xx' }))).toEqual(['GET /sora/v1/videos/video_missing 404', 'POST /sora/v1/videos 400']);
    expect(paths(mock.requests({ since: t0 + 60_000, method: 'GET' }))).toEqual([`GET /sora/v1/videos/${id} 200`, 'GET /sora/v1/videos/video_missing 404']);
    expect(mock.requests({ method: 'DELETE' })).toEqual([]);
  });

  it('GET /__sora/requests takes the same filters as query parameters, and refuses bad ones', async () => {
    const { mock } = await traffic();
    const withAdmin = manualMock({ admin: true, instant: true });
    await call(withAdmin, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a' } });
    await call(withAdmin, 'POST', '/videos', { body: { model: 'nope', prompt: 'c' } });
    const get = (q: string) => withAdmin.fetch(new Request(`${ORIGIN}/__sora/requests${q}`));
    const listed = (await (await get('?method=POST&status=4xx&path=/sora/v1/videos')).json()) as { data: JournalEntry[] };
    expect(listed.data.map((e) => [e.status, e.request.body])).toEqual([[400, { kind: 'json', value: { model: 'nope', prompt: 'c' } }]]);
    for (const [q, param] of [['?status=abc', 'status'], ['?since=yesterday', 'since'], ['?colour=red', 'colour'], ['?method=P%20OST', 'method']]) {
      expect((await expectEnvelope(await get(q), 400)).param, q).toBe(param);
    }
    // The message names the value and what is accepted, once ("expected expected" was a message that said it twice).
    expect((await expectEnvelope(await get('?status=4xxx'), 400)).message).toBe(
      `Invalid value for 'status': received "4xxx"; expected a status such as 429 or a class such as '4xx'.`,
    );
    expect((await expectEnvelope(await get('?method=P%20OST'), 400)).message).toBe(`Invalid value for 'method': received "P OST"; expected an HTTP method such as POST.`);
    expect((await expectEnvelope(await get('?since=yesterday'), 400)).message).toBe(
      `Invalid value for 'since': received "yesterday"; expected a mock-clock time in milliseconds since the epoch.`,
    );
    const fault = await withAdmin.fetch(
      new Request(`${ORIGIN}/__sora/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scenario: 'rate_limited', route: 'videos' }) }),
    );
    expect((await expectEnvelope(fault, 400)).message).toMatch(/^Invalid value for 'route': received "videos"; expected 'METHOD \/path' under the base path/);
    expect(mock.requests().length).toBe(5);
  });
});

describe('bounds', () => {
  const entry = (id: number, bodyChars: number): JournalEntry => ({
    id,
    method: 'POST',
    path: '/sora/v1/videos',
    status: 200,
    startedAt: id,
    durationMs: 1,
    request: { headers: {}, body: { kind: 'text', text: 'x'.repeat(bodyChars), size: bodyChars } },
  });

  it('evicts the oldest entries past the byte bound, not only past the count', () => {
    const journal = createJournal({ count: 1000, bytes: 100_000 });
    for (let i = 1; i <= 100; i++) journal.add(entry(i, 8000));
    const kept = journal.list();
    expect(kept.length).toBeLessThan(14);
    expect(kept.length).toBeGreaterThan(5);
    expect(kept.at(-1)?.id).toBe(100);
    expect(kept.map((e) => e.id)).toEqual(kept.map((_, i) => 100 - kept.length + 1 + i));
  });

  it('evicts past the count', () => {
    const journal = createJournal({ count: 3 });
    for (let i = 1; i <= 10; i++) journal.add(entry(i, 10));
    expect(journal.list().map((e) => e.id)).toEqual([8, 9, 10]);
  });
});
