/**
 * The validating proxy judges the deployment, never the client: the official SDK and a fuzzing client
 * that sends junk (several mistakes at once, wrong types, malformed escapes, unknown routes) go through
 * `createValidatingProxy` with the registry's judge to the clean mock, and the judge finds nothing, at
 * any severity. A control run against a deployment that answers one mistake wrongly shows the same
 * judge does report (so the zero is not a judge that looks at nothing).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import OpenAI, { toFile } from 'openai';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrafficJudge } from '../../src/conformance/traffic-judge.js';
import { createValidatingProxy, type ValidatingProxy } from '../../src/proxy/index.js';
import { MODEL_OPTIONS } from '../../src/spec/options.js';
import { FIXTURE_PNG, LICENCE, serve, type Served } from '../e2e/support.js';
import { upstream, type Upstream } from './helpers.js';

let served: Served;
let proxy: ValidatingProxy;
let api: string;

beforeAll(async () => {
  served = await serve({ instant: true });
  proxy = createValidatingProxy({ target: served.url, judge: createTrafficJudge({ target: served.url }), fetchMedia: true, shutdownGraceMs: 200 });
  const { url } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  api = `${url}/sora/v1`;
});
afterAll(async () => {
  await proxy.close();
  await served.server.close();
});

/** Values a fuzzing client puts in a field: valid ones, wrong types, empty, malformed, absurd. */
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: -5, max: 10 }),
  fc.boolean(),
  fc.constantFrom('', ' ', 'auto', '1024x1024', '1792x1024', '1024', 'x', '0x0', '99999x1', 'wide', '%E0%A4%A', '<script>'),
  fc.string({ maxLength: 12 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
/** Mostly valid (so requests get through to answers), often not. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: junk, weight: 1 });
/** A model field: mostly one the endpoint takes, else junk or a name the platform refuses. */
const model = (...valid: string[]) =>
  fc.oneof(
    { arbitrary: junk, weight: 1 },
    { arbitrary: fc.constantFrom(...valid), weight: 4 },
    fc.constantFrom('sora_image', 'sora_video2', 'sora_video3', 'sora_image-hd', `sora_video-${MODEL_OPTIONS[0]}`, 'sora_video2-4k', 'SORA_IMAGE', 'gpt-4o'),
  );
const messages = fc.oneof(
  junk,
  { arbitrary: fc.constant([{ role: 'user', content: 'a cat' }]), weight: 4 },
  fc.constant([]),
  fc.constant([{ role: 'user' }]),
  fc.constant([{ role: 'user', content: [{ type: 'text', text: 'a cat' }] }]),
  fc.constant([{ content: 'no role' }]),
);

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | FormData;
}

const auth = { authorization: LICENCE };
const jsonBody = (fields: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)));

const chat = fc.record({ model: model('sora_image', 'sora_video2', 'sora_video2-landscape-hd', 'sora_video2-hd-landscape'), messages, stream: fc.oneof(junk, fc.boolean()), size: junk, n: junk }, { requiredKeys: ['model', 'messages'] })
  .map((f): FuzzRequest => ({ method: 'POST', path: '/chat/completions', headers: { ...auth, 'content-type': 'application/json' }, body: jsonBody(f) }));
const images = fc.record({ model: model('sora_image'), prompt: mostly(fc.constant('a red bicycle')), size: mostly(fc.constantFrom('1024x1024', '1792x1024', 'auto')), n: mostly(fc.constantFrom(1, 2, 4)), response_format: fc.oneof(junk, fc.constantFrom('url', 'b64_json')) }, { requiredKeys: ['model', 'prompt'] })
  .map((f): FuzzRequest => ({ method: 'POST', path: '/images/generations', headers: { ...auth, 'content-type': 'application/json' }, body: jsonBody(f) }));
const videos = fc.record({ model: model('sora_video2', 'sora_video2-landscape', 'sora_video', 'sora_video2-hd-15s'), prompt: mostly(fc.constant('a cat on a boat')), size: junk, seconds: fc.oneof(junk, fc.constantFrom('10', '15', '25', '4', 15)), watermark: fc.oneof(junk, fc.boolean()) }, { requiredKeys: ['model', 'prompt'] })
  .map((f): FuzzRequest => ({ method: 'POST', path: '/videos', headers: { ...auth, 'content-type': 'application/json' }, body: jsonBody(f) }));
const edits = fc.record({ model: model('sora_image'), prompt: mostly(fc.constant('make it blue')), size: mostly(fc.constantFrom('1024x1024', 'auto')), n: mostly(fc.constantFrom(1, 2)), image: fc.boolean() }, { requiredKeys: ['model', 'prompt', 'image'] }).map((f): FuzzRequest => {
  const form = new FormData();
  for (const [name, value] of Object.entries(f)) if (name !== 'image' && value !== undefined) form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
  if (f.image) form.append('image[]', new Blob([readFileSync(FIXTURE_PNG)], { type: 'image/png' }), 'input.png');
  return { method: 'POST', path: '/images/edits', headers: auth, body: form };
});
const reads = fc
  .tuple(
    fc.constantFrom('/videos', '/videos/video_nope', '/videos/%E0%A4%A', '/videos/%E0%A4%A/content', '/videos/a%2Fb/remix', '/models', '/no/such/route', '/videos/x/content'),
    fc.dictionary(fc.constantFrom('limit', 'after', 'order', 'variant'), fc.oneof(fc.string({ maxLength: 6 }), fc.integer({ min: -3, max: 200 }).map(String)), { maxKeys: 3 }),
    fc.constantFrom('GET', 'GET', 'DELETE', 'POST'),
  )
  .map(([path, query, method]): FuzzRequest => ({ method, path: `${path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`, headers: auth }));
const raw = fc
  .tuple(fc.constantFrom('/chat/completions', '/images/generations', '/videos'), fc.constantFrom('{"model":1}', '{"model":', 'null', '[]', '"x"', '{"prompt":{}}', '{}'), fc.constantFrom(LICENCE, `Bearer ${LICENCE}`, ''))
  .map(([path, body, authorization]): FuzzRequest => ({ method: 'POST', path, headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' }, body }));

describe('the validating proxy in front of the clean mock', () => {
  it('the official SDK through every operation: no violation', async () => {
    const client = new OpenAI({ apiKey: LICENCE, baseURL: api, maxRetries: 0 });
    await client.models.list();
    await client.chat.completions.create({ model: 'sora_image', messages: [{ role: 'user', content: 'a cat' }] });
    const stream = await client.chat.completions.create({ model: 'sora_video2-landscape', messages: [{ role: 'user', content: 'a cat' }], stream: true });
    for await (const chunk of stream) void chunk;
    await client.images.generate({ model: 'sora_image', prompt: 'a cat', n: 2, size: '1792x1024' });
    await client.images.generate({ model: 'sora_image', prompt: 'a cat', response_format: 'b64_json' });
    await client.images.edit({ model: 'sora_image', prompt: 'blue', image: await toFile(readFileSync(FIXTURE_PNG), 'in.png', { type: 'image/png' }) });
    const video = await client.videos.create({ model: 'sora_video2', prompt: 'a cat', size: '1280x720', seconds: '15' as never });
    let job = await client.videos.retrieve(video.id);
    while (job.status !== 'completed' && job.status !== 'failed') job = await client.videos.retrieve(video.id);
    await (await client.videos.downloadContent(video.id)).arrayBuffer();
    await (await client.videos.downloadContent(video.id, { variant: 'thumbnail' })).arrayBuffer();
    await client.videos.list({ limit: 2, order: 'asc' });
    await client.videos.remix(video.id, { prompt: 'and a dog' });
    await client.videos.delete(video.id);
    await expect(client.videos.retrieve(video.id)).rejects.toMatchObject({ status: 404 });
    await expect(client.videos.create({ model: 'sora_video3' as never, prompt: 'x' })).rejects.toMatchObject({ status: 400 });
    await proxy.settled();
    expect(proxy.report().exchanges).toBeGreaterThan(15);
    expect(proxy.report().violations.map((v) => `${v.check} [${v.severity}] ${v.message}`)).toEqual([]);
  });

  it("a fuzzing client's junk never fails the deployment", async () => {
    const cases = fc.sample(fc.oneof(chat, images, videos, edits, reads, raw), { numRuns: 160, seed: 23 });
    const limit = pLimit(8);
    const statuses = await Promise.all(
      cases.map((c) => limit(async () => (await fetch(`${api}${c.path}`, { method: c.method, headers: c.headers, body: c.body })).status)),
    );
    // The sample does reach both sides: refusals and answers.
    await proxy.settled();
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
    expect(proxy.report().violations.map((v) => `${v.check} [${v.severity}] ${v.method} ${v.url}: ${v.message}`)).toEqual([]);
  });
});

describe('control: the same judge reports a deployment that answers a mistake wrongly', () => {
  let wrong: Upstream;
  let judging: ValidatingProxy;
  beforeAll(async () => {
    // Accepts a chat request without messages (the document requires them) with a completion.
    wrong = await upstream((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1_767_225_600, model: 'sora_image', choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }] }));
    });
    judging = createValidatingProxy({ target: wrong.url, judge: createTrafficJudge({ target: wrong.url }), fetchMedia: false });
    await judging.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await judging.close();
    await wrong.close();
  });

  it('{"model":1} without messages, answered 200: the refusal checks report it', async () => {
    await fetch(`${judging.url}/sora/v1/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"model":1}' });
    await judging.settled();
    const checks = new Set(judging.report().violations.map((v) => v.check));
    expect([...checks]).toEqual(expect.arrayContaining(['errors.required-params', 'errors.unknown-model']));
  });
});
