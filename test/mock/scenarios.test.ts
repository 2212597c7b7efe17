/**
 * Scenarios that act over time (slow, stall, fail_midway) driven by vitest fake timers, and the
 * request-level ones (rate_limited, server_error) on reads. Fake time only: nothing here waits for real.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { SLOW_DELAY_MS } from '../../src/mock/scenarios.js';
import { ChatCompletionChunk, ImagesResponse, VideoResource } from '../../src/spec/schemas/index.js';
import { collectGarbage } from '../helpers/gc.js';
import { BASE, LICENCE, call, expectEnvelope, manualMock, readSse } from './helpers.js';

const user = (content: string) => [{ role: 'user', content }];

/** Starts a request and reports whether it has answered yet, without awaiting it. */
function track(promise: Promise<Response>) {
  const state: { response?: Response } = {};
  const done = promise.then((r) => {
    state.response = r;
    return r;
  });
  return { state, done };
}

/** Reads an SSE body to its end while fake time moves on in steps. */
async function drainWithTimers(response: Response, stepMs = 500, maxSteps = 200): Promise<string> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let finished = false;
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    finished = true;
  })();
  for (let i = 0; i < maxSteps && !finished; i++) await vi.advanceTimersByTimeAsync(stepMs);
  await pump;
  return text;
}

function ssePayloads(raw: string): string[] {
  return raw
    .split('\n\n')
    .flatMap((event) => event.split('\n'))
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6));
}

describe('time-based scenarios', () => {
  afterEach(() => vi.useRealTimers());

  it('slow: an image request answers only after the slow delay, scaled by speed', async () => {
    vi.useFakeTimers();
    for (const speed of [1, 4]) {
      const mock = createSoraMock({ speed });
      const { state, done } = track(
        call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image' }, headers: { prefer: 'scenario=slow' } }),
      );
      await vi.advanceTimersByTimeAsync(SLOW_DELAY_MS / speed - 1);
      expect(state.response, `speed ${speed}`).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      const r = await done;
      expect(r.status).toBe(200);
      expect(ImagesResponse.parse(await r.json()).data).toHaveLength(1);
      expect(mock.requests().at(-1)?.scenario).toBe('slow');
    }
  });

  it('slow: a video job renders ten times longer than without the scenario', async () => {
    const mock = manualMock();
    const body = { prompt: 'x', model: 'sora_video2' };
    const normal = await (await call(mock, 'POST', '/videos', { body })).json();
    const slow = await (await call(mock, 'POST', '/videos', { body, headers: { prefer: 'scenario=slow' } })).json();
    const status = async (id: string) => VideoResource.parse(await (await call(mock, 'GET', `/videos/${id}`)).json()).status;
    mock.advance(3_000);
    expect(await status(normal.id)).toBe('completed');
    expect(await status(slow.id)).toBe('in_progress');
    mock.advance(26_999);
    expect(await status(slow.id)).toBe('in_progress');
    mock.advance(1);
    expect(await status(slow.id)).toBe('completed');
  });

  it('fail_midway: an image request fails with 500 generation_failed after half the slow delay', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const { state, done } = track(
      call(mock, 'POST', '/images/generations', { body: { prompt: 'x', model: 'sora_image' }, headers: { prefer: 'scenario=fail_midway' } }),
    );
    await vi.advanceTimersByTimeAsync(SLOW_DELAY_MS / 2 - 1);
    expect(state.response).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const error = await expectEnvelope(await done, 500);
    expect(error).toMatchObject({ type: 'server_error', code: 'generation_failed' });
  });

  it('fail_midway: a streamed sora_image answer ends with an in-band error and [DONE], never with stop', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=fail_midway' },
    });
    expect(r.status).toBe(200);
    const data = ssePayloads(await drainWithTimers(r));
    expect(data.at(-1)).toBe('[DONE]');
    expect(JSON.parse(data.at(-2) as string).error).toMatchObject({ type: 'server_error', code: 'generation_failed' });
    const chunks = data.slice(0, -2).map((d) => ChatCompletionChunk.parse(JSON.parse(d)));
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.every((c) => c.choices[0].finish_reason === null)).toBe(true);
  });

  it('slow: a streamed sora_image answer sends keep-alive comments while it waits, then the links', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=slow' },
    });
    const raw = await drainWithTimers(r);
    expect(raw).toContain(': keep-alive\n\n');
    const data = ssePayloads(raw);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => ChatCompletionChunk.parse(JSON.parse(d)));
    expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toMatch(/!\[[^\]]*\]\(http[^)]+\.png\)/);
  });

  it('stall: an image request waits until the client aborts, then leaves no timer behind', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const client = new AbortController();
    const { state, done } = track(
      mock.fetch(
        new Request(`${BASE}/images/generations`, {
          method: 'POST',
          headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
          body: JSON.stringify({ prompt: 'x', model: 'sora_image' }),
          signal: client.signal,
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(state.response).toBeUndefined();
    client.abort();
    expect((await expectEnvelope(await done, 408)).code).toBe('request_timeout');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stall: a non-streamed video chat waits until the client aborts, with no timer left', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const client = new AbortController();
    const { state, done } = track(
      mock.fetch(
        new Request(`${BASE}/chat/completions`, {
          method: 'POST',
          headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
          body: JSON.stringify({ model: 'sora_video2', messages: user('x') }),
          signal: client.signal,
        }),
      ),
    );
    // Starting the job signs its media links with Web Crypto, which no fake timer moves: wait for it in real time.
    await vi.waitFor(() => expect(mock.jobs()).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(state.response).toBeUndefined();
    expect(mock.jobs()[0]).toMatchObject({ status: 'in_progress' });
    client.abort();
    expect((await expectEnvelope(await done, 408)).code).toBe('request_timeout');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stall: a stream whose request is aborted ends for a reader still listening, with no timer left', async () => {
    vi.useFakeTimers();
    const mock = createSoraMock();
    const client = new AbortController();
    const r = await mock.fetch(
      new Request(`${BASE}/chat/completions`, {
        method: 'POST',
        headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
        body: JSON.stringify({ model: 'sora_video2', messages: user('x'), stream: true }),
        signal: client.signal,
      }),
    );
    const reader = (r.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    let ended = false;
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      ended = true;
    })();
    await vi.waitFor(() => expect(mock.jobs()).toHaveLength(1));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(ended).toBe(false);
    client.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    await pump;
    expect(ended).toBe(true);
    expect(text).toContain(': keep-alive');
    expect(text).not.toContain('[DONE]');
    expect(vi.getTimerCount()).toBe(0);
  });

  // Node's Request follows the signal it was built with through a WeakRef (nodejs/undici#3644): a
  // caller that keeps its AbortController but drops the Request must still get its answer after a GC.
  for (const [path, body] of [
    ['/images/generations', { prompt: 'x', model: 'sora_image' }],
    ['/chat/completions', { model: 'sora_video2', messages: user('x') }],
  ] as const) {
    it(`stall: ${path} answers the abort of a caller that holds only its AbortController, across garbage collections`, async () => {
      const client = new AbortController();
      // Built in a frame of its own, so nothing here keeps the Request (nor the mock) reachable.
      const pending = ((): Promise<Response> =>
        createSoraMock().fetch(
          new Request(`${BASE}${path}`, {
            method: 'POST',
            headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
            body: JSON.stringify(body),
            signal: client.signal,
          }),
        ))();
      const { state, done } = track(pending);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(state.response).toBeUndefined();
      for (let i = 0; i < 3; i++) {
        collectGarbage();
        await new Promise((resolve) => setImmediate(resolve));
      }
      client.abort();
      const answered = await Promise.race([done, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 2_000))]);
      expect(answered).toBeInstanceOf(Response);
      expect((await expectEnvelope(answered as Response, 408)).code).toBe('request_timeout');
    });
  }

  it('picks scenarios by config rule on the model, and the Prefer header wins over rules', async () => {
    const mock = manualMock({ scenarios: [{ model: 'sora_video2-hd', scenario: 'fail_midway' }, { prompt: '^boom', scenario: 'server_error' }] });
    const hd = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2-hd' } })).json();
    const sd = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } })).json();
    mock.advance(60_000);
    expect(await (await call(mock, 'GET', `/videos/${hd.id}`)).json()).toMatchObject({ status: 'failed', error: { code: 'generation_failed' } });
    expect(await (await call(mock, 'GET', `/videos/${sd.id}`)).json()).toMatchObject({ status: 'completed' });
    expect((await expectEnvelope(await call(mock, 'POST', '/videos', { body: { prompt: 'BOOM now', model: 'sora_video2' } }), 500)).code).toBe('internal_error');
    const overridden = await call(mock, 'POST', '/videos', { body: { prompt: 'boom', model: 'sora_video2' }, headers: { prefer: 'scenario=rate_limited' } });
    expect(overridden.status).toBe(429);
  });

  it('rejects an invalid scenario rule when the mock is created', () => {
    expect(() => createSoraMock({ scenarios: [{ prompt: '(', scenario: 'stall' }] })).toThrow(/scenarios\[0\]\.prompt/);
  });
});

describe('scenarios on reads', () => {
  it('answers rate_limited and server_error on list, retrieve, content, delete and models', async () => {
    const mock = manualMock({ instant: true });
    const { id } = await (await call(mock, 'POST', '/videos', { body: { prompt: 'x', model: 'sora_video2' } })).json();
    const reads: Array<[string, string]> = [
      ['GET', '/videos'],
      ['GET', `/videos/${id}`],
      ['GET', `/videos/${id}/content`],
      ['DELETE', `/videos/${id}`],
      ['GET', '/models'],
    ];
    for (const [method, path] of reads) {
      const limited = await call(mock, method, path, { headers: { prefer: 'scenario=rate_limited' } });
      expect(limited.headers.get('retry-after'), path).toMatch(/^\d+$/);
      expect((await expectEnvelope(limited, 429)).code).toBe('rate_limit_exceeded');
      expect(mock.requests().at(-1)).toMatchObject({ status: 429, scenario: 'rate_limited' });
      expect((await expectEnvelope(await call(mock, method, path, { headers: { prefer: 'scenario=server_error' } }), 500)).type).toBe('server_error');
      expect((await expectEnvelope(await call(mock, method, path, { headers: { prefer: 'scenario=nope' } }), 400)).param).toBe('Prefer');
    }
    // The video survived the refused DELETEs; scenarios that need work to spoil do nothing on a read.
    const stalled = await call(mock, 'GET', `/videos/${id}`, { headers: { prefer: 'scenario=stall' } });
    expect(VideoResource.parse(await stalled.json()).status).toBe('completed');
  });

  it('checks the licence before the scenario', async () => {
    const mock = manualMock();
    const r = await mock.fetch(new Request(`${BASE}/videos`, { headers: { prefer: 'scenario=rate_limited' } }));
    expect((await expectEnvelope(r, 401)).code).toBe('missing_license');
  });
});

describe('stream framing under scenarios', () => {
  it('refuses before streaming: a rate-limited streamed chat is a plain 429, not an event stream', async () => {
    const mock = manualMock();
    const r = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_image', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=rate_limited' },
    });
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await expectEnvelope(r, 429)).type).toBe('rate_limit_error');
    const moderated = await call(mock, 'POST', '/chat/completions', {
      body: { model: 'sora_video2', messages: user('x'), stream: true },
      headers: { prefer: 'scenario=moderation_blocked' },
    });
    expect((await expectEnvelope(moderated, 400)).code).toBe('moderation_blocked');
    expect(mock.jobs()).toHaveLength(0);
    // A stream that is allowed to start frames normally (guards against the checks above passing vacuously).
    const ok = await readSse(await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: user('x'), stream: true } }));
    expect(ok.data.at(-1)).toBe('[DONE]');
  });
});
