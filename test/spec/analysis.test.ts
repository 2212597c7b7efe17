import fc from 'fast-check';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shapedPrompt } from '../../src/arbitraries/index.js';
import { analyzePrompt, analyzePromptHeuristic, PROMPT_ANALYSIS_JSON_SCHEMA } from '../../src/spec/analysis.js';

describe('heuristic prompt analysis', () => {
  it.each([
    ['画一只小猫，横屏', { orientation: 'landscape', matched: ['横屏'] }],
    ['竖屏视频，海边日落', { orientation: 'portrait', matched: ['竖屏'] }],
    ['正方形头像', { aspect: '1:1', matched: ['正方形'] }],
    ['方形的图标', { aspect: '1:1', matched: ['方形'] }],
    ['vertical video of a waterfall', { orientation: 'portrait', matched: ['vertical'] }],
    ['horizontal banner', { orientation: 'landscape', matched: ['horizontal'] }],
    ['a widescreen shot of mountains', { orientation: 'landscape', matched: ['widescreen'] }],
    ['16:9 cinematic city', { aspect: '16:9', orientation: 'landscape', matched: ['16:9'] }],
    ['海报，比例9:16', { aspect: '9:16', orientation: 'portrait', matched: ['9:16'] }],
    ['16比9的画面', { aspect: '16:9', orientation: 'landscape', matched: ['16比9'] }],
    ['4：3 photo', { aspect: '4:3', orientation: 'landscape', matched: ['4：3'] }],
    ['a 1:1 avatar', { aspect: '1:1', matched: ['1:1'] }],
    ['a 3x4 print', { aspect: '3:4', orientation: 'portrait', matched: ['3x4'] }],
  ] as const)('%s', (prompt, expected) => {
    expect(analyzePromptHeuristic(prompt)).toEqual(expected);
  });

  it('decides nothing for prompts without shape words', () => {
    for (const prompt of ['画小猫', 'a cat on a windowsill', '画一个长方形桌子', 'meeting at 12:30', 'version 2.3:4', '']) {
      expect(analyzePromptHeuristic(prompt), prompt).toEqual({ matched: [] });
    }
  });

  it('a ratio beats a shape word, and the orientation follows the ratio', () => {
    expect(analyzePromptHeuristic('竖屏 16:9')).toEqual({ aspect: '16:9', orientation: 'landscape', matched: ['16:9'] });
    expect(analyzePromptHeuristic('widescreen, 9:16')).toEqual({ aspect: '9:16', orientation: 'portrait', matched: ['9:16'] });
  });

  it('an explicit format beats the bare nouns landscape / portrait / square', () => {
    expect(analyzePromptHeuristic('a portrait of a man in landscape format')).toMatchObject({ orientation: 'landscape' });
    expect(analyzePromptHeuristic('a landscape painting, vertical')).toMatchObject({ orientation: 'portrait', matched: ['vertical'] });
    expect(analyzePromptHeuristic('a town square, 横屏')).toMatchObject({ orientation: 'landscape', matched: ['横屏'] });
  });

  it('bare nouns decide when nothing stronger is present', () => {
    expect(analyzePromptHeuristic('a mountain landscape')).toEqual({ orientation: 'landscape', matched: ['landscape'] });
    expect(analyzePromptHeuristic('portrait of an old sailor')).toEqual({ orientation: 'portrait', matched: ['portrait'] });
  });

  it('contradicting signals of the strongest kind decide nothing', () => {
    expect(analyzePromptHeuristic('横屏 还是 竖屏')).toEqual({ matched: [] });
    expect(analyzePromptHeuristic('16:9 or 9:16')).toEqual({ matched: [] });
    expect(analyzePromptHeuristic('vertical and horizontal stripes')).toEqual({ matched: [] });
  });

  it('agreeing signals all count as matched', () => {
    expect(analyzePromptHeuristic('横屏 widescreen')).toEqual({ orientation: 'landscape', matched: ['横屏', 'widescreen'] });
  });

  it('reads the one shape word of any shaped prompt, Chinese or English, before or after the subject', () => {
    fc.assert(
      fc.property(shapedPrompt(), ({ prompt, expected: { word, ...expected } }) => {
        const result = analyzePromptHeuristic(prompt);
        expect(result).toEqual({ ...expected, matched: [word] });
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => void analyzePromptHeuristic(s)));
  });
});

describe('analyzePrompt modes', () => {
  it('off decides nothing, even for a shaped prompt', async () => {
    expect(await analyzePrompt('横屏', { mode: 'off' })).toEqual({ matched: [], source: 'off' });
  });

  it('heuristic reads words', async () => {
    expect(await analyzePrompt('竖屏', { mode: 'heuristic' })).toEqual({ orientation: 'portrait', matched: ['竖屏'], source: 'heuristic' });
  });

  it('openai without options falls back', async () => {
    expect(await analyzePrompt('横屏', { mode: 'openai' })).toMatchObject({ orientation: 'landscape', source: 'fallback' });
  });
});

describe('openai prompt analysis against a mocked endpoint', () => {
  const BASE = 'http://openai.test/v1';
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  const options = { mode: 'openai' as const, openai: { baseUrl: BASE, apiKey: 'sk-test', timeoutMs: 2_000 } };

  function completion(content: string | null, refusal: string | null = null) {
    return HttpResponse.json({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content, refusal } }],
    });
  }

  it('sends a Structured Outputs request and uses the answer', async () => {
    let seen: { body: any; auth: string | null } | undefined;
    server.use(
      http.post(`${BASE}/chat/completions`, async ({ request }) => {
        seen = { body: await request.json(), auth: request.headers.get('authorization') };
        return completion(JSON.stringify({ orientation: 'landscape', aspect: null }));
      }),
    );
    // The prompt says portrait, so a landscape answer proves the endpoint decided, not the heuristic.
    const result = await analyzePrompt('竖屏的小猫', options);
    expect(result).toEqual({ orientation: 'landscape', matched: [], source: 'openai' });
    expect(seen?.auth).toBe('Bearer sk-test');
    expect(seen?.body.model).toBe('gpt-4o-mini');
    expect(seen?.body.messages.at(-1)).toEqual({ role: 'user', content: '竖屏的小猫' });
    expect(seen?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'prompt_shape', strict: true, schema: PROMPT_ANALYSIS_JSON_SCHEMA },
    });
    expect(seen?.body.response_format.json_schema.schema).toMatchObject({
      type: 'object',
      required: ['orientation', 'aspect'],
      additionalProperties: false,
    });
  });

  it('an aspect answer decides the orientation too; a trailing slash in baseUrl is fine; the model is configurable', async () => {
    let model: unknown;
    server.use(
      http.post(`${BASE}/chat/completions`, async ({ request }) => {
        model = ((await request.json()) as { model: unknown }).model;
        return completion(JSON.stringify({ orientation: 'landscape', aspect: '9:16' }));
      }),
    );
    const result = await analyzePrompt('a cat', { mode: 'openai', openai: { ...options.openai, baseUrl: `${BASE}/`, model: 'gpt-4.1' } });
    expect(result).toEqual({ aspect: '9:16', orientation: 'portrait', matched: [], source: 'openai' });
    expect(model).toBe('gpt-4.1');
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const fetchSpy: typeof fetch = async (input, init) => {
      calls.push(String(input));
      return new Response(JSON.stringify({ choices: [{ message: { content: JSON.stringify({ orientation: null, aspect: '1:1' }) } }] }), { status: 200 });
    };
    const result = await analyzePrompt('a cat', { mode: 'openai', openai: { baseUrl: 'http://elsewhere.test/v1', apiKey: 'k', fetch: fetchSpy } });
    expect(calls).toEqual(['http://elsewhere.test/v1/chat/completions']);
    expect(result).toEqual({ aspect: '1:1', matched: [], source: 'openai' });
  });

  const failures: Array<[string, () => Response | Promise<Response>, RegExp]> = [
    ['HTTP 500', () => HttpResponse.json({ error: { message: 'boom' } }, { status: 500 }), /HTTP 500/],
    ['HTTP 401', () => HttpResponse.json({ error: { message: 'bad key' } }, { status: 401 }), /HTTP 401/],
    ['network error', () => HttpResponse.error(), /network error/],
    ['timeout', async () => {
      await delay('infinite');
      return completion('{}');
    }, /timeout/],
    ['refusal', () => completion(null, "I can't help with that."), /refusal/],
    ['non-JSON body', () => new HttpResponse('<html>gateway</html>', { status: 200, headers: { 'content-type': 'text/html' } }), /not JSON/],
    ['not a chat completion', () => HttpResponse.json({ hello: 'world' }), /not a chat completion/],
    ['empty content', () => completion(null), /empty answer/],
    ['content not JSON', () => completion('landscape, I think'), /answer is not JSON/],
    ['schema mismatch: unknown value', () => completion(JSON.stringify({ orientation: 'diagonal', aspect: null })), /schema/],
    ['schema mismatch: extra key', () => completion(JSON.stringify({ orientation: 'landscape', aspect: null, confidence: 1 })), /schema/],
    ['schema mismatch: missing key', () => completion(JSON.stringify({ orientation: 'landscape' })), /schema/],
  ];
  it.each(failures)('falls back to the heuristic on %s', async (_label, respond, reason) => {
    server.use(http.post(`${BASE}/chat/completions`, respond));
    const timeoutMs = _label === 'timeout' ? 50 : 2_000;
    const result = await analyzePrompt('横屏的小猫', { mode: 'openai', openai: { ...options.openai, timeoutMs } });
    expect(result).toMatchObject({ orientation: 'landscape', matched: ['横屏'], source: 'fallback' });
    expect(result.fallbackReason).toMatch(reason);
  });
});
