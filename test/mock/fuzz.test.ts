/**
 * Requests that are almost right (valid JSON of the wrong shape, odd headers, odd paths) straight into
 * `mock.fetch`: every refusal is a 4xx JSON envelope, no request makes the mock throw or answer 5xx
 * unless it asked for a 5xx scenario, and the mock keeps serving. The server-level fuzzer in
 * test/e2e sends broken HTTP; this one reaches deeper into the routes, where the shapes matter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { BASE, LICENCE } from './helpers.js';

const json = fc.jsonValue({ maxDepth: 3 });
const imageUrl = fc.oneof(
  fc.string(),
  fc.constantFrom('data:image/png;base64,AAAA', 'data:image/png;base64,', 'data:,x', 'http://203.0.113.1/x.png', 'https://', '//x'),
);
const part = fc.record(
  {
    type: fc.constantFrom('text', 'image_url', 'input_audio'),
    text: json,
    image_url: fc.oneof(json, fc.record({ url: imageUrl })),
  },
  { requiredKeys: [] },
);
const message = fc.record(
  { role: fc.constantFrom('user', 'system', 'assistant', 'tool', 'x'), content: fc.oneof(json, fc.array(part, { maxLength: 3 })) },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.record(
    {
      model: fc.oneof(fc.constantFrom('sora_image', 'sora_video', 'sora_video2', 'sora_video2-hd-15s', 'sora_video2-pro-pro', 'gpt-4o'), json),
      messages: fc.oneof(json, fc.array(message, { maxLength: 3 })),
      prompt: json,
      stream: json,
      stream_options: json,
      n: json,
      size: fc.oneof(json, fc.constantFrom('1x1', '16384x16384', '16385x1', '1024x1024', '0x0', '1e3x1')),
      seconds: json,
      response_format: json,
      watermark: json,
    },
    { requiredKeys: [] },
  ),
  json,
);
const path = fc.constantFrom(
  '/chat/completions',
  '/images/generations',
  '/images/edits',
  '/videos',
  '/videos/video_x/remix',
  '/models',
  '/videos?limit=abc',
  '/videos?after=&order=sideways',
  '/videos/%ZZ',
  '/videos/%2F/content?variant=',
  '/files/%ZZ.png',
  '/files/.png',
  '/files/r1.i.x.mp4',
);
const prefer = fc.option(fc.oneof(fc.constantFrom('scenario=', 'scenario="x"', 'a=b; scenario=moderation_blocked', 'scenario=rate_limited'), fc.string()), {
  nil: undefined,
});
const contentType = fc.constantFrom('application/json', 'text/plain', 'multipart/form-data', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '');

describe('fuzzing mock.fetch', () => {
  it('answers every almost-right request with a JSON envelope or a success, never a crash or an unasked 5xx', async () => {
    const mock = createSoraMock({ instant: true, maxBodyBytes: 100_000 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'DELETE', 'HEAD', 'PUT', 'OPTIONS'), path, body, prefer, contentType, async (method, p, b, pr, ct) => {
        const headers: Record<string, string> = { authorization: LICENCE };
        if (pr !== undefined) headers.prefer = pr;
        if (ct) headers['content-type'] = ct;
        const hasBody = method !== 'GET' && method !== 'HEAD';
        const response = await mock.fetch(new Request(`${BASE}${p}`, { method, headers, body: hasBody ? JSON.stringify(b) : undefined }));
        const text = await response.text();
        const asked5xx = /scenario\s*=\s*"?(server_error|fail_midway)/.test(pr ?? '');
        if (!asked5xx) expect(response.status, `${method} ${p} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400 && method !== 'HEAD') {
          const envelope = JSON.parse(text) as { error: Record<string, unknown> };
          expect(Object.keys(envelope.error).sort()).toEqual(['code', 'message', 'param', 'type']);
          expect(typeof envelope.error.message).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
    const health = await mock.fetch(new Request(`${BASE.replace('/sora/v1', '')}/__sora/health`));
    expect(health.status).toBe(200);
  });
});
