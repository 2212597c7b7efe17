/**
 * The client report judges the client from the journal: each rule from a crafted journal, once where
 * the client did it (a finding, counted, with a masked example) and once where a careful client did
 * not (no finding). Then the report over real requests: mock.clientReport() and GET /__sora/client-report.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLIENT_RULES, judgeClient, type ClientRule } from '../../src/mock/client-report.js';
import type { JournalEntry } from '../../src/mock/types.js';
import { call, manualMock } from './helpers.js';

const T0 = Date.UTC(2026, 0, 1);
let nextId = 0;

/** A journal entry as the mock writes one; `at` in ms after T0. */
function entry(at: number, method: string, path: string, status: number, more: Partial<JournalEntry> = {}): JournalEntry {
  return { id: ++nextId, method, path: `/sora/v1${path}`, status, startedAt: T0 + at, durationMs: 1, license: 'sk-…ck', request: { headers: {} }, ...more };
}
const poll = (at: number, status: string, id = 'video_1') => entry(at, 'GET', `/videos/${id}`, 200, { operation: 'retrieveVideo', job: { id, status: status as never } });
const create = (at: number, prompt = 'a fox', status = 200) =>
  entry(at, 'POST', '/videos', status, { operation: 'createVideo', request: { headers: {}, body: { kind: 'json', value: { model: 'sora_video2', prompt } } }, ...(status < 300 ? { job: { id: `video_${at}`, status: 'queued' } } : {}) });
const content = (at: number, status: string, id = 'video_1') =>
  entry(at, 'GET', `/videos/${id}/content`, status === 'completed' ? 200 : 409, {
    operation: 'retrieveVideoContent',
    job: { id, status: status as never },
    ...(status === 'completed' ? {} : { error: { type: 'invalid_request_error', code: 'video_not_ready', param: 'video_id' } }),
  });

const rules = (journal: JournalEntry[], options = {}) => judgeClient(journal, options).findings.map((f) => [f.rule, f.count] as [ClientRule, number]);

describe('client report rules (crafted journals)', () => {
  it('polls-too-fast: polls under a second apart; a poll a second apart is fine; the threshold follows --speed', () => {
    const fast = [poll(0, 'queued'), poll(200, 'in_progress'), poll(400, 'in_progress'), poll(1400, 'completed'), content(1500, 'completed')];
    expect(rules(fast)).toEqual([['polls-too-fast', 2]]);
    const sane = [poll(0, 'queued'), poll(1000, 'in_progress'), poll(2500, 'completed'), content(2600, 'completed')];
    expect(rules(sane)).toEqual([]);
    // At speed 5 the platform's second is 200 ms of the mock: 200 ms apart is fine, 100 ms is not.
    expect(rules(fast, { speed: 5 })).toEqual([]);
    expect(rules([poll(0, 'queued'), poll(100, 'queued'), poll(300, 'completed'), content(400, 'completed')], { speed: 5 })).toEqual([['polls-too-fast', 1]]);
  });

  it('retry-before-retry-after: a retry 500 ms after a 429 that said 2 s; 2 s later is fine', () => {
    const limited = entry(0, 'POST', '/videos', 429, { retryAfter: 2, error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null }, scenario: 'rate_limited' });
    expect(rules([limited, create(500)])).toEqual([['retry-before-retry-after', 1]]);
    expect(rules([limited, create(2000)])).toEqual([]);
  });

  it('retry-without-backoff: a retry 10 ms after a 500; 500 ms later is a backoff', () => {
    const failed = entry(0, 'GET', '/videos/video_1', 500, { scenario: 'server_error' });
    expect(rules([failed, poll(10, 'completed'), content(2000, 'completed')])).toEqual([['retry-without-backoff', 1]]);
    expect(rules([failed, poll(500, 'completed'), content(2000, 'completed')])).toEqual([]);
  });

  it('polls-after-finished: polls after one showed completed (or failed); stopping there is fine', () => {
    expect(rules([poll(0, 'completed'), poll(1000, 'completed'), poll(2000, 'completed'), content(3000, 'completed')])).toEqual([['polls-after-finished', 2]]);
    expect(rules([poll(0, 'failed', 'video_2'), poll(1500, 'failed', 'video_2')])).toEqual([['polls-after-finished', 1]]);
    expect(rules([poll(0, 'in_progress'), poll(1500, 'failed', 'video_2')])).toEqual([]);
  });

  it('content-before-completion: content of a job still rendering; content of a completed one is fine', () => {
    expect(rules([content(0, 'in_progress'), poll(1000, 'completed'), content(2000, 'completed')])).toEqual([['content-before-completion', 1]]);
    expect(rules([poll(0, 'completed'), content(100, 'completed')])).toEqual([]);
  });

  it('never-fetches-content: a job seen completed and never downloaded; downloading it is fine', () => {
    expect(rules([poll(0, 'in_progress'), poll(1500, 'completed')])).toEqual([['never-fetches-content', 1]]);
    expect(rules([poll(0, 'in_progress'), poll(1500, 'completed'), content(1600, 'completed')])).toEqual([]);
  });

  it('duplicate-create: the same create twice in 10 s after the first was accepted; after a refusal, or a different prompt, it is not', () => {
    expect(rules([create(0), create(3000)]).filter(([r]) => r === 'duplicate-create')).toEqual([['duplicate-create', 1]]);
    expect(rules([create(0, 'a fox', 500), create(3000)]).filter(([r]) => r === 'duplicate-create')).toEqual([]);
    expect(rules([create(0, 'a fox'), create(3000, 'a cat')]).filter(([r]) => r === 'duplicate-create')).toEqual([]);
    expect(rules([create(0), create(20_000)]).filter(([r]) => r === 'duplicate-create')).toEqual([]);
  });

  it('licence-in-url: a licence in the query is found and masked in the example; a plain query is fine', () => {
    const report = judgeClient([entry(0, 'GET', '/models?api_key=sk-sora-mock&limit=2', 200)], { licenses: ['sk-sora-mock'] });
    expect(report.findings.map((f) => f.rule)).toEqual(['licence-in-url']);
    expect(report.findings[0].example.path).not.toContain('sk-sora-mock');
    expect(report.findings[0].example.path).toContain('limit=2');
    expect(judgeClient([entry(0, 'GET', '/videos?limit=2&order=desc', 200)], { licenses: ['sk-sora-mock'] }).findings).toEqual([]);
  });

  it('refused-request: each distinct refusal counted; refusals a scenario provoked are not the client\'s', () => {
    const bad = (at: number, param: string) => entry(at, 'POST', '/videos', 400, { operation: 'createVideo', error: { type: 'invalid_request_error', code: 'invalid_value', param } });
    const report = judgeClient([bad(0, 'seconds'), bad(10, 'seconds'), bad(20, 'size'), entry(30, 'GET', '/models', 401, { error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } })]);
    expect(report.findings.map((f) => [f.rule, f.count, f.detail])).toEqual([
      ['refused-request', 2, expect.stringContaining('param seconds')],
      ['refused-request', 1, expect.stringContaining('param size')],
      ['refused-request', 1, expect.stringContaining('401 invalid_api_key')],
    ]);
    const moderated = entry(0, 'POST', '/videos', 400, { scenario: 'moderation_blocked', error: { type: 'invalid_request_error', code: 'moderation_blocked', param: 'prompt' } });
    expect(rules([moderated])).toEqual([]);
  });

  it('the mock\'s own surface (/__sora/*) is not the client\'s API use', () => {
    expect(judgeClient([{ ...entry(0, 'GET', '', 200), path: '/__sora/requests?token=sk-x' }]).findings).toEqual([]);
  });

  it('every rule of the table has its crafted case in this file (a new rule needs one)', () => {
    const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
    for (const rule of CLIENT_RULES) expect(source, rule).toContain(`it('${rule}: `);
  });
});

describe('the report over real requests', () => {
  it('mock.clientReport() and GET /__sora/client-report judge what the client sent', async () => {
    const mock = manualMock({ admin: true });
    const created = (await (await call(mock, 'POST', '/videos', { body: { model: 'sora_video2', prompt: 'a fox' } })).json()) as { id: string };
    for (let i = 0; i < 3; i++) await call(mock, 'GET', `/videos/${created.id}`);
    await call(mock, 'GET', `/videos/${created.id}/content`);
    const report = mock.clientReport();
    expect(report.requests).toBe(5);
    expect(report.findings.map((f) => [f.rule, f.count])).toEqual([
      ['polls-too-fast', 2],
      ['content-before-completion', 1],
    ]);
    expect(report.findings[0].example).toMatchObject({ method: 'GET', path: `/sora/v1/videos/${created.id}`, status: 200 });
    const viaHttp = await mock.fetch(new Request('http://127.0.0.1:4010/__sora/client-report'));
    expect(viaHttp.status).toBe(200);
    expect(await viaHttp.json()).toEqual(report);
  });

  it('GET /__sora/client-report is admin surface: absent without admin, guarded by the token', async () => {
    expect((await manualMock().fetch(new Request('http://127.0.0.1:4010/__sora/client-report'))).status).toBe(404);
    const guarded = manualMock({ admin: true, adminToken: 'tok-123456' });
    expect((await guarded.fetch(new Request('http://127.0.0.1:4010/__sora/client-report'))).status).toBe(401);
    expect((await guarded.fetch(new Request('http://127.0.0.1:4010/__sora/client-report', { headers: { authorization: 'Bearer tok-123456' } }))).status).toBe(200);
  });
});
