/**
 * The registry of judgments: one rule in one place, the same verdict from either driver, and the
 * tolerance rule (a `should` never fails what OpenAI's own API does).
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../src/conformance/catalogue/index.js';
import type { JudgedExchange, ObservedExchange } from '../../src/conformance/exchange.js';
import { isHtmlAnswer } from '../../src/conformance/judge.js';
import { JUDGMENT_CHECKS } from '../../src/conformance/judgment-checks.js';
import { JudgeMemory, JUDGMENTS, judgeWithRegistry, streamEndProblems } from '../../src/conformance/registry.js';
import { createTrafficJudge } from '../../src/conformance/traffic-judge.js';
import { readChatEvents } from '../../src/conformance/sse.js';
import { matchOperation, operationOfUrl } from '../../src/spec/paths.js';

const ROOT = 'http://gw.test/sora/v1';
const enc = new TextEncoder();
const LICENCE = 'sk-licence';

function observed(method: string, path: string, requestBody: unknown, status: number, responseBody: unknown, extra: { auth?: string | null; type?: string } = {}): ObservedExchange {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (extra.auth !== null) headers.set('authorization', extra.auth ?? LICENCE);
  return {
    request: { method, url: `${ROOT}${path}`, headers, body: requestBody === undefined ? new Uint8Array() : enc.encode(typeof requestBody === 'string' ? requestBody : JSON.stringify(requestBody)) },
    response: { status, headers: new Headers({ 'content-type': extra.type ?? 'application/json' }), body: enc.encode(typeof responseBody === 'string' ? responseBody : JSON.stringify(responseBody)) },
  };
}

const envelope = (param: string | null, code: string | null = 'invalid_value', type = 'invalid_request_error') => ({ error: { message: 'no', type, param, code } });
const COMPLETION = { id: 'c1', object: 'chat.completion', created: 1_767_225_600, model: 'sora_image', choices: [{ index: 0, message: { role: 'assistant', content: '![a](http://cdn.test/a.png)', refusal: null }, finish_reason: 'stop', logprobs: null }] };

async function judgeAll(...exchanges: ObservedExchange[]) {
  const judge = createTrafficJudge({ target: ROOT, now: () => 1_767_225_600_000 });
  const found = [];
  for (const e of exchanges) found.push(...(await judge.observe(e)));
  return found.map((v) => `${v.check} [${v.severity}]`);
}

describe('the registry', () => {
  it('every check it reports has a severity and a cited rule, and some entry reports it', () => {
    for (const [id, meta] of Object.entries(JUDGMENT_CHECKS)) {
      expect(meta.rule.length, id).toBeGreaterThan(5);
      expect(JUDGMENTS.some((j) => (j.reports as readonly string[]).includes(id)), `${id} is reported by an entry`).toBe(true);
    }
    for (const j of JUDGMENTS) for (const id of j.reports) expect(JUDGMENT_CHECKS, id).toHaveProperty([id]);
  });

  it('a check of the catalogue with a registry id reports under the registry severity and rule (one fact)', () => {
    const twins = CATALOGUE.filter((c) => c.id in JUDGMENT_CHECKS);
    expect(twins.length).toBeGreaterThan(30);
    for (const c of twins) {
      const meta = JUDGMENT_CHECKS[c.id as keyof typeof JUDGMENT_CHECKS];
      expect({ id: c.id, severity: c.severity, rule: c.rule }).toEqual({ id: c.id, severity: meta.severity, rule: meta.rule });
    }
    // Every registry id is something a run reports: an ordinary check, or a final one of catalogue/traffic.ts.
    for (const id of Object.keys(JUDGMENT_CHECKS)) expect(CATALOGUE.map((c) => c.id), id).toContain(id);
  });

  it('one matcher for the mock and the judges: a malformed escape is kept, never thrown', () => {
    expect(matchOperation('GET', '/videos/%E0%A4%A')).toEqual({ id: 'retrieveVideo', params: { video_id: '%E0%A4%A' } });
    expect(matchOperation('GET', '/videos/a%20b/content')).toEqual({ id: 'retrieveVideoContent', params: { video_id: 'a b' } });
    expect(operationOfUrl('GET', `${ROOT}/videos/%E0%A4%A`, ROOT)?.id).toBe('retrieveVideo');
    expect(operationOfUrl('GET', 'http://other.test/sora/v1/videos/x', ROOT)).toBeUndefined();
    expect(operationOfUrl('GET', 'not a url', ROOT)).toBeUndefined();
    expect(matchOperation('HEAD', '/videos/x')).toBeUndefined();
  });

  it('judges a percent-encoded path the mock decodes safely, without throwing', async () => {
    expect(await judgeAll(observed('GET', '/videos/%E0%A4%A', undefined, 404, envelope(null, 'video_not_found')))).toEqual([]);
  });
});

describe('tolerance: what OpenAI itself answers passes', () => {
  it("an unknown model answered as OpenAI does (404 model_not_found, param null) is a refusal; the null param is only info", async () => {
    const found = await judgeAll(observed('POST', '/videos', { model: 'sora_video3', prompt: 'x' }, 404, envelope(null, 'model_not_found')));
    expect(found).toEqual(['errors.param-named [info]']);
  });

  it('a 404 without model_not_found for an unknown model is not a refusal', async () => {
    expect(await judgeAll(observed('POST', '/videos', { model: 'sora_video3', prompt: 'x' }, 404, envelope(null, 'not_found')))).toContain('errors.unknown-model [must]');
  });

  it('several mistakes at once: a refusal naming any of them passes ({"model":1} without messages)', async () => {
    expect(await judgeAll(observed('POST', '/chat/completions', { model: 1 }, 400, envelope('model')))).toEqual([]);
    expect(await judgeAll(observed('POST', '/chat/completions', { model: 1 }, 400, envelope('messages')))).toEqual([]);
    // A parameter the request got right is not what a refusal names.
    expect(await judgeAll(observed('POST', '/chat/completions', { model: 1 }, 400, envelope('stream')))).toEqual(['errors.envelope [should]']);
  });

  it('a stream may end with any finish_reason OpenAI gives (stop, length, content_filter), not none', () => {
    const chunk = (finish: string | null, role?: string) =>
      JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: role ? { role, content: '' } : { content: 'x' }, finish_reason: finish }] });
    for (const reason of ['stop', 'length', 'content_filter']) expect(streamEndProblems(readChatEvents([chunk(null, 'assistant'), chunk(reason), '[DONE]']))).toEqual([]);
    expect(streamEndProblems(readChatEvents([chunk(null, 'assistant'), chunk(null), '[DONE]'])).map((p) => p.check)).toEqual(['chat.image.stream.done']);
  });

  it('one definition of an HTML answer: by its type, or by its first bytes under another type', () => {
    expect(isHtmlAnswer('text/html; charset=utf-8', enc.encode('x'))).toBe(true);
    expect(isHtmlAnswer('text/plain', enc.encode('  <!DOCTYPE html><p>502'))).toBe(true);
    expect(isHtmlAnswer('application/json', enc.encode('{"html":"<html>"}'))).toBe(false);
  });

  it('403 for a licence lacking an add-on is not a refused licence; 403 where the same add-on was accepted is', async () => {
    const chatOk = observed('POST', '/chat/completions', { model: 'sora_image', messages: [{ role: 'user', content: 'a' }] }, 200, COMPLETION);
    const noVideos = observed('GET', '/videos', undefined, 403, envelope(null, 'feature_not_enabled', 'permission_error'));
    expect(await judgeAll(chatOk, noVideos)).toEqual([]);
    const refusedChat = observed('POST', '/chat/completions', { model: 'sora_image', messages: [] }, 403, envelope(null, 'forbidden', 'permission_error'));
    expect(await judgeAll(chatOk, refusedChat)).toContain('auth.raw-license [must]');
  });
});

describe('both drivers apply the same registry', () => {
  it('the runner-shaped exchange and the observed one give the same findings', async () => {
    const judged: JudgedExchange = {
      method: 'POST',
      url: `${ROOT}/images/generations`,
      op: matchOperation('POST', '/images/generations'),
      request: { headers: new Headers({ authorization: LICENCE }), fields: { model: 'sora_image', prompt: 'x', n: 9 } },
      status: 200,
      headers: new Headers({ 'content-type': 'application/json' }),
      contentType: 'application/json',
      body: enc.encode(JSON.stringify({ created: 1_767_225_600, data: [{ url: 'http://cdn.test/a.png' }] })),
    };
    const direct = (await judgeWithRegistry(judged, new JudgeMemory(() => 1_767_225_600_000))).map((f) => f.check);
    const proxied = (await judgeAll(observed('POST', '/images/generations', { model: 'sora_image', prompt: 'x', n: 9 }, 200, { created: 1_767_225_600, data: [{ url: 'http://cdn.test/a.png' }] }))).map((s) => s.split(' ')[0]);
    expect(direct).toEqual(['images.n.max']);
    expect(proxied).toEqual(direct);
  });
});

describe('security is part of the contract', () => {
  const ok = { object: 'list', data: [] };
  it('an answer carrying the licence it was sent (a header, the body, a percent-encoded link) fails', async () => {
    const inHeader = observed('GET', '/models', undefined, 200, ok);
    inHeader.response.headers.set('x-debug', `key=${LICENCE}`);
    expect(await judgeAll(inHeader)).toContain('auth.licence-not-echoed [should]');
    const weird = 'sk-a/b+c=d';
    const inLink = observed('GET', '/models', undefined, 200, { ...ok, url: `http://cdn.test/x?k=${encodeURIComponent(weird)}` }, { auth: weird });
    expect(await judgeAll(inLink)).toContain('auth.licence-not-echoed [should]');
  });

  it('a masked licence in a message, or none, passes', async () => {
    expect(await judgeAll(observed('GET', '/videos', undefined, 401, envelope(null, 'invalid_license', 'authentication_error')))).toEqual([]);
    const masked = observed('GET', '/videos', undefined, 401, { error: { message: "Unknown licence 'sk-l…nce'", type: 'authentication_error', param: null, code: 'invalid_license' } });
    expect((await judgeAll(masked)).filter((f) => f.startsWith('auth.licence'))).toEqual([]);
  });
});

describe("the contract judgments are the registry's: the proxy applies them too", () => {
  const job = { id: 'video_1', object: 'video', model: 'sora_video2', status: 'queued', progress: 0, created_at: 1_767_225_000, completed_at: null, expires_at: null, prompt: 'a cat', size: '720x1280', seconds: '10', remixed_from_video_id: null, error: null };
  it('a page over its limit (videos.list.pages), a deleted job still read (videos.relations), a timestamp in milliseconds (objects.consistency)', async () => {
    const page = observed('GET', '/videos?limit=1', undefined, 200, { object: 'list', data: [job, { ...job, id: 'video_2' }], first_id: 'video_1', last_id: 'video_2', has_more: false });
    expect(await judgeAll(page)).toContain('videos.list.pages [should]');
    const deleted = observed('DELETE', '/videos/video_1', undefined, 200, { id: 'video_1', object: 'video.deleted', deleted: true });
    const readAgain = observed('GET', '/videos/video_1', undefined, 200, job);
    expect(await judgeAll(deleted, readAgain)).toContain('videos.relations [should]');
    const millis = observed('POST', '/chat/completions', { model: 'sora_image', messages: [{ role: 'user', content: 'a' }] }, 200, { ...COMPLETION, created: 1_767_225_600_000 });
    expect(await judgeAll(millis)).toContain('objects.consistency [should]');
  });
});

describe('a job observed by exchanges that overlap (the checker runs checks at once; a proxy sees many clients)', () => {
  const video = (status: string, progress: number) => ({
    id: 'video_1',
    object: 'video',
    model: 'sora_video2',
    status,
    progress,
    created_at: 1_767_225_600,
    completed_at: status === 'completed' ? 1_767_225_603 : null,
    expires_at: status === 'completed' ? 1_767_229_203 : null,
    prompt: 'p',
    size: '720x1280',
    seconds: '10',
    remixed_from_video_id: null,
    error: null,
  });
  const at = (exchange: ObservedExchange, sentAt: number, answeredAt: number): ObservedExchange => ({ ...exchange, timing: { sentAt, answeredAt } });
  const poll = (status: string, progress: number, sentAt: number, answeredAt: number) => at(observed('GET', '/videos/video_1', undefined, 200, video(status, progress)), sentAt, answeredAt);
  const content = (sentAt: number, answeredAt: number) => at({ ...observed('GET', '/videos/video_1/content', undefined, 200, ''), response: { status: 200, headers: new Headers({ 'content-type': 'video/mp4' }), body: new Uint8Array(8) } }, sentAt, answeredAt);
  const create = at(observed('POST', '/videos', { model: 'sora_video2', prompt: 'p' }, 200, video('queued', 0)), 0, 10);
  const checks = async (...exchanges: ObservedExchange[]) => (await judgeAll(create, ...exchanges)).filter((c) => /lifecycle|before-completion/.test(c));

  it('an answer that arrives late but was asked for before the newer one was in is no regression', async () => {
    // The in_progress answer came in at 40; the queued one was asked for at 30, before that: either order is the deployment's.
    expect(await checks(poll('in_progress', 20, 25, 40), poll('queued', 0, 30, 45))).toEqual([]);
  });

  it('a status or progress that goes back after a later request was sent is reported', async () => {
    expect(await checks(poll('in_progress', 20, 25, 40), poll('queued', 0, 50, 60))).toEqual(['videos.lifecycle [should]', 'videos.lifecycle [should]']);
  });

  it('content served while a poll asked for after it says the job is not completed is early', async () => {
    expect(await checks(content(20, 30), poll('in_progress', 40, 35, 45))).toEqual(['videos.content.before-completion [info]']);
  });

  it('content after a poll that said in_progress is not early (the job may have completed since), nor with a poll it overlapped', async () => {
    expect(await checks(poll('in_progress', 40, 15, 20), content(25, 30))).toEqual([]);
    expect(await checks(content(20, 30), poll('in_progress', 40, 25, 35))).toEqual([]);
  });

  it('without timing, exchanges are taken in the order they are judged', async () => {
    const bare = async (...exchanges: ObservedExchange[]) => (await judgeAll(...exchanges.map(({ timing: _, ...rest }) => rest))).filter((c) => /lifecycle/.test(c));
    expect(await bare(create, poll('in_progress', 20, 0, 0), poll('queued', 0, 0, 0))).toEqual(['videos.lifecycle [should]', 'videos.lifecycle [should]']);
  });
});
