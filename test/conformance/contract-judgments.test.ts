/**
 * The pure judgments of contract-judgments.ts, both ways: what breaks the contract is reported, and
 * what OpenAI's own API answers (nullable fields null, a dated snapshot of the model asked for) passes.
 */
import { describe, expect, it } from 'vitest';
import { consistencyProblems as consistencyOf, listPageProblems, sameModel, VideoRelations, type ContractExchange } from '../../src/conformance/contract-judgments.js';
import { operationOfUrl } from '../../src/spec/paths.js';

const API = 'http://127.0.0.1:4010/sora/v1';

/** The judgments over a sequence of exchanges, one at a time in order, as the registry applies them. */
function consistencyProblems(exchanges: ContractExchange[], api: string, now: number): string[] {
  return exchanges.flatMap((e) => {
    const op = operationOfUrl(e.method, e.url, api);
    return op ? consistencyOf(e, op.id, now) : [];
  });
}
function videoRelationProblems(exchanges: ContractExchange[], api: string): string[] {
  const relations = new VideoRelations();
  return exchanges.flatMap((e) => {
    const op = operationOfUrl(e.method, e.url, api);
    return op ? relations.observe(e, op) : [];
  });
}
const NOW = 1_760_000_000_000;
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const exchange = (method: string, path: string, answer: unknown, fields?: Record<string, unknown>, status = 200): ContractExchange => ({
  method,
  url: `${API}${path}`,
  fields,
  status,
  contentType: 'application/json',
  body: json(answer),
});
const completion = (over: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_759_999_000,
  model: 'sora_image',
  choices: [{ index: 0, message: { role: 'assistant', content: 'x', refusal: null }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
  ...over,
});
const chat = (answer: unknown, model = 'sora_image') => exchange('POST', '/chat/completions', answer, { model, messages: [] });

describe('consistencyProblems', () => {
  it('passes a consistent completion, and a dated snapshot of the model asked for (as OpenAI answers)', () => {
    expect(consistencyProblems([chat(completion())], API, NOW)).toEqual([]);
    expect(consistencyProblems([chat(completion({ model: 'gpt-4o-2024-08-06' }), 'gpt-4o')], API, NOW)).toEqual([]);
  });
  it('reports milliseconds, another model, a wrong index and usage that does not add up', () => {
    expect(consistencyProblems([chat(completion({ created: 1_759_999_000_000 }))], API, NOW)[0]).toMatch(/created .* in the future.*milliseconds/);
    expect(consistencyProblems([chat(completion({ model: 'sora_video2' }))], API, NOW)[0]).toMatch(/model 'sora_video2', the request asked for 'sora_image'/);
    expect(consistencyProblems([chat(completion({ choices: [{ ...completion().choices[0], index: 3 }] }))], API, NOW)[0]).toMatch(/index is 3, expected 0/);
    expect(consistencyProblems([chat(completion({ usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 9 } }))], API, NOW)[0]).toMatch(/total_tokens 9/);
  });
  it("judges an images answer's size against the request's aspect, and leaves an absent size alone", () => {
    const answer = (size?: string) => ({ created: 1_759_999_000, data: [{ url: 'http://x/a.png' }], ...(size ? { size } : {}) });
    expect(consistencyProblems([exchange('POST', '/images/generations', answer('1536x1024'), { size: '1792x1024' })], API, NOW)).toEqual([]);
    expect(consistencyProblems([exchange('POST', '/images/generations', answer(), { size: '1792x1024' })], API, NOW)).toEqual([]);
    expect(consistencyProblems([exchange('POST', '/images/generations', answer('1024x1536'), { size: '1792x1024' })], API, NOW)[0]).toMatch(/is 2:3, .* gives 3:2/);
  });
});

const video = (over: Record<string, unknown> = {}) => ({
  id: 'video_1',
  object: 'video',
  model: 'sora_video2',
  status: 'queued',
  progress: 0,
  created_at: 1_759_999_000,
  completed_at: null,
  expires_at: null,
  prompt: 'a cat',
  size: '720x1280',
  seconds: '10',
  remixed_from_video_id: null,
  error: null,
  ...over,
});

describe('videoRelationProblems', () => {
  const create = exchange('POST', '/videos', video(), { prompt: 'a cat', model: 'sora_video2' });
  it('passes a job read back as created, with a prompt withheld (null) in one answer', () => {
    expect(videoRelationProblems([create, exchange('GET', '/videos/video_1', video({ prompt: null, status: 'completed', progress: 100 }))], API)).toEqual([]);
  });
  it('reports a rewritten prompt, a changed model, an error on a live job, and expires_at before created_at', () => {
    expect(videoRelationProblems([exchange('POST', '/videos', video({ prompt: 'a dog' }), { prompt: 'a cat' })], API)[0]).toMatch(/prompt 'a dog', the request sent 'a cat'/);
    expect(videoRelationProblems([create, exchange('GET', '/videos/video_1', video({ model: 'sora_video' }))], API)[0]).toMatch(/model "sora_video"/);
    expect(videoRelationProblems([exchange('GET', '/videos/video_1', video({ error: { code: 'x', message: 'y' } }))], API)[0]).toMatch(/error .* status is queued/);
    expect(videoRelationProblems([exchange('GET', '/videos/video_1', video({ expires_at: 1_759_998_000 }))], API)[0]).toMatch(/expires_at .* before created_at/);
  });
  it('reports a deleted job that is still listed or read', () => {
    const deleted = exchange('DELETE', '/videos/video_1', { id: 'video_1', object: 'video.deleted', deleted: true });
    expect(videoRelationProblems([create, deleted, exchange('GET', '/videos?limit=100', { object: 'list', data: [video()], first_id: 'video_1', last_id: 'video_1', has_more: false })], API)[0]).toMatch(/lists video_1, deleted before/);
    expect(videoRelationProblems([create, deleted, exchange('GET', '/videos/video_1/content', {})], API)[0]).toMatch(/was deleted/);
    expect(videoRelationProblems([create, deleted, exchange('GET', '/videos/video_1', { error: {} }, undefined, 404)], API)).toEqual([]);
  });
  it("reports a remix that does not keep its source's size", () => {
    const remix = exchange('POST', '/videos/video_1/remix', video({ id: 'video_2', size: '1280x720', remixed_from_video_id: 'video_1' }), { prompt: 'a cat' });
    expect(videoRelationProblems([create, remix], API)[0]).toMatch(/has size '1280x720', its source video_1 '720x1280'/);
  });
});

describe('listPageProblems', () => {
  const items = [video({ id: 'b', created_at: 20 }), video({ id: 'a', created_at: 10 })];
  it('passes a page in order with its ends named, or null (nullable)', () => {
    expect(listPageProblems({ data: items, first_id: 'b', last_id: 'a' }, { limit: 2 })).toEqual([]);
    expect(listPageProblems({ data: items, first_id: null, last_id: null }, {})).toEqual([]);
  });
  it('reports a page over its limit, out of order, or with wrong ends', () => {
    expect(listPageProblems({ data: items, first_id: 'b', last_id: 'a' }, { limit: 1 })[0]).toMatch(/limit=1, but the page has 2/);
    expect(listPageProblems({ data: items, first_id: 'b', last_id: 'a' }, { order: 'asc' })[0]).toMatch(/order=asc/);
    expect(listPageProblems({ data: items, first_id: 'a', last_id: 'b' }, {})).toHaveLength(2);
  });
});

describe('sameModel', () => {
  it('takes the same name in any option order, and a dated snapshot', () => {
    expect(sameModel('sora_video2-hd-landscape', 'sora_video2-landscape-hd')).toBe(true);
    expect(sameModel('gpt-4o', 'gpt-4o-2024-08-06')).toBe(true);
    expect(sameModel('sora_image', 'sora_video2')).toBe(false);
  });
});
