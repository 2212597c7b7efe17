/**
 * The request flow is one ordered list of steps (src/mock/steps.ts, pipeline.ts; CONTRIBUTING.md,
 * "The request flow"): these tests read the order a request runs through, where a refusal stops it,
 * and the interface adapters use (mock.answer, onSettled).
 */
import { describe, expect, it } from 'vitest';
import { createSoraMock } from '../../src/mock/app.js';
import { compose, type Step } from '../../src/mock/flow.js';
import type { JournalEntry } from '../../src/mock/types.js';

const SHARED = ['journal', 'head', 'cors', 'surface', 'network', 'route', 'errors'];
const OPERATION = ['licence', 'input', 'scenario', 'handler'];
const KEY = 'sk-sora-mock';

function traced(options: Parameters<typeof createSoraMock>[0] = {}) {
  const steps: string[] = [];
  const mock = createSoraMock({ instant: true, ...options, onStep: (step) => steps.push(step) });
  return { mock, steps };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  new Request(`http://mock.test/sora/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('the request flow', () => {
  it('a POST /videos runs the shared steps, then its operation\'s: licence, input, scenario, handler', async () => {
    const { mock, steps } = traced();
    const response = await mock.fetch(post('/videos', { model: 'sora_video2', prompt: 'a lighthouse at dusk' }));
    expect(response.status).toBe(200);
    expect(steps).toEqual([...SHARED, ...OPERATION]);
  });

  it('a refusal ends the flow where it is made: no licence stops at licence, an unknown route at route, a bad body at input', async () => {
    const { mock, steps } = traced();
    const noLicence = await mock.fetch(new Request('http://mock.test/sora/v1/videos', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }));
    expect(noLicence.status).toBe(401);
    expect(steps).toEqual([...SHARED, 'licence']);
    steps.length = 0;
    expect((await mock.fetch(new Request('http://mock.test/sora/v1/nowhere'))).status).toBe(404);
    expect(steps).toEqual(SHARED.slice(0, SHARED.indexOf('route') + 1));
    steps.length = 0;
    expect((await mock.fetch(post('/videos', { model: 'sora_video2' }))).status).toBe(400);
    expect(steps).toEqual([...SHARED, 'licence', 'input']);
  });

  it('an admin route runs the token and body-type guards before its handler; health has no guard', async () => {
    const { mock, steps } = traced({ admin: true, adminToken: 'tok' });
    const refused = await mock.fetch(new Request('http://mock.test/__sora/state'));
    expect(refused.status).toBe(401);
    expect(steps).toEqual([...SHARED, 'token']);
    steps.length = 0;
    const state = await mock.fetch(new Request('http://mock.test/__sora/state', { headers: { authorization: 'Bearer tok' } }));
    expect(state.status).toBe(200);
    expect(steps).toEqual([...SHARED, 'token', 'json-only', 'handler']);
    steps.length = 0;
    expect((await mock.fetch(new Request('http://mock.test/__sora/health'))).status).toBe(200);
    expect(steps).toEqual([...SHARED, 'handler']);
  });

  it('a read answered from memory is answered synchronously through the whole flow', async () => {
    const { mock } = traced();
    const created = (await (await mock.fetch(post('/videos', { model: 'sora_video2', prompt: 'rain on a window' }))).json()) as { id: string };
    const poll = mock.answer(new Request(`http://mock.test/sora/v1/videos/${created.id}`, { headers: { authorization: KEY } }));
    expect(poll).toBeInstanceOf(Response);
    expect((poll as Response).status).toBe(200);
  });

  it('onSettled hands the adapter the journal entry once, before the answer comes back, with the network fault to enact', async () => {
    const { mock } = traced();
    const settled: JournalEntry[] = [];
    const request = new Request('http://mock.test/sora/v1/models', { headers: { authorization: KEY, prefer: 'network=reset;bytes=10' } });
    const answer = mock.answer(request, { onSettled: (entry) => settled.push(entry) });
    expect(settled).toHaveLength(1);
    await answer;
    expect(settled).toHaveLength(1);
    expect(settled[0]).toBe(mock.requests().at(-1));
    expect(settled[0].network).toMatchObject({ kind: 'reset', bytes: 10 });
  });

  it('a listening server\'s Host rule guards the mock\'s own surface in the flow (and only there)', async () => {
    const { mock, steps } = traced({ admin: true });
    const hostAllowed = (host: string | undefined) => host === '127.0.0.1:4010';
    const rebound = await mock.answer(new Request('http://attacker.example:4010/__sora/state', { headers: { host: 'attacker.example:4010' } }), { hostAllowed });
    expect(rebound.status).toBe(403);
    expect(((await rebound.json()) as { error: { code: string } }).error.code).toBe('host_not_allowed');
    expect(steps).toEqual(SHARED.slice(0, SHARED.indexOf('surface') + 1));
    const api = await mock.answer(new Request('http://attacker.example:4010/sora/v1/models', { headers: { host: 'attacker.example:4010', authorization: KEY } }), { hostAllowed });
    expect(api.status).toBe(200);
  });
});

describe('compose', () => {
  const step = (name: string, log: string[]): Step<object> => ({ name, run: (ctx, next) => (log.push(name), next(ctx)) });

  it('runs the steps in order, then `last`; stays synchronous while every step is', () => {
    const log: string[] = [];
    const seen: string[] = [];
    const run = compose([step('a', log), step('b', log)], (name) => seen.push(name), () => new Response('done'));
    const answer = run({});
    expect(answer).toBeInstanceOf(Response);
    expect(log).toEqual(['a', 'b']);
    expect(seen).toEqual(['a', 'b']);
  });

  it('a flow whose last step calls next has no answer: it throws rather than answering nothing', () => {
    expect(() => compose([step('a', [])])({})).toThrow(/ran past its last step/);
  });
});
