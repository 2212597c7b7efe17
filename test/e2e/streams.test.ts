/**
 * Streams under stress: clients that go away mid-stream, a server closed while streams are open, and
 * many concurrent streaming completions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LICENCE, serve, sseData, type Served } from './support.js';

const open: Served[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.server.close()));
});

async function start(...args: Parameters<typeof serve>): Promise<Served> {
  const served = await serve(...args);
  open.push(served);
  return served;
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/** A chat stream that will not finish by itself: a video render that never completes. */
function stalledStream(api: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${api}/chat/completions`, {
    method: 'POST',
    signal,
    headers: { authorization: LICENCE, 'content-type': 'application/json', prefer: 'scenario=stall' },
    body: JSON.stringify({ model: 'sora_video2', stream: true, messages: [{ role: 'user', content: '画小猫' }] }),
  });
}

async function firstBytes(response: Response): Promise<ReadableStreamDefaultReader<Uint8Array>> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const first = await reader.read();
  expect(first.done).toBe(false);
  return reader;
}

describe('streaming chat completions', () => {
  it('a client that disconnects mid-stream leaves no timers behind', async () => {
    const served = await start({});
    const baseline = timers();
    const controller = new AbortController();
    const response = await stalledStream(served.api, controller.signal);
    expect(response.status).toBe(200);
    await firstBytes(response);
    // The stream is waiting on a timer (keep-alive or render progress): that is what must go away.
    // Polled: on a loaded machine the first bytes can reach the client before the server's stream
    // has come round to its first wait.
    await expect.poll(timers, { timeout: 5000 }).toBeGreaterThan(baseline);
    controller.abort();
    await expect.poll(timers, { timeout: 5000 }).toBeLessThanOrEqual(baseline);
    // And the server still serves.
    const next = await fetch(`${served.api}/models`, { headers: { authorization: LICENCE } });
    expect(next.status).toBe(200);
  });

  it('close() ends in-flight streams and resolves', async () => {
    // A grace period longer than the test timeout: close() must end the stream itself, not wait it out.
    const served = await start({}, { shutdownGraceMs: 60_000 });
    const response = await stalledStream(served.api);
    const reader = await firstBytes(response);
    const closed = served.server.close();
    // The stream ends (cleanly or cut) instead of hanging the client.
    const rest = (async () => {
      try {
        while (!(await reader.read()).done);
        return 'ended';
      } catch {
        return 'cut';
      }
    })();
    await closed;
    expect(['ended', 'cut']).toContain(await rest);
    await expect(fetch(`${served.api}/models`)).rejects.toThrow();
  });

  it('completes 100 concurrent streaming sora_image completions correctly', async () => {
    const served = await start({ instant: true });
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const response = await fetch(`${served.api}/chat/completions`, {
          method: 'POST',
          headers: { authorization: LICENCE, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: `小猫 ${i}` }] }),
        });
        return { status: response.status, data: sseData(await response.text()) };
      }),
    );
    for (const { status, data } of results) {
      expect(status).toBe(200);
      expect(data.at(-1)).toBe('[DONE]');
      const last = JSON.parse(data.at(-2) as string) as { choices: { finish_reason: string }[] };
      expect(last.choices[0].finish_reason).toBe('stop');
    }
  });
});
