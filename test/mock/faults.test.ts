/**
 * Run-time faults: a test steers the running mock (`mock.faults`, `/__sora/faults`) without changing
 * the client under test. Each form: times, route (with :id), model, removal, precedence, reset.
 */
import { describe, expect, it } from 'vitest';
import { ORIGIN, call, expectEnvelope, manualMock } from './helpers.js';

const video = (model = 'sora_video2', prompt = 'a fox') => ({ model, prompt });

describe('mock.faults', () => {
  it('times: the next POST /videos answers 429 once, then everything is normal', async () => {
    const mock = manualMock({ instant: true });
    const handle = mock.faults.add({ scenario: 'rate_limited', times: 1, route: 'POST /videos' });
    expect(handle.id).toMatch(/^fault_/);
    expect(mock.faults.list()).toEqual([expect.objectContaining({ id: handle.id, remaining: 1, hits: 0 })]);

    // Other routes are untouched while it waits.
    expect((await call(mock, 'GET', '/models')).status).toBe(200);
    expect((await call(mock, 'POST', '/images/generations', { body: { model: 'sora_image', prompt: 'x' } })).status).toBe(200);

    const first = await call(mock, 'POST', '/videos', { body: video() });
    expect((await expectEnvelope(first, 429)).code).toBe('rate_limit_exceeded');
    expect(first.headers.get('retry-after')).toBe('2');
    expect(mock.faults.list()).toEqual([]); // retired after its one time
    expect(handle.remove()).toBe(false);

    expect((await call(mock, 'POST', '/videos', { body: video() })).status).toBe(200);
    expect(mock.requests().map((r) => [r.path, r.status, r.fault?.id ?? null])).toEqual([
      ['/sora/v1/models', 200, null],
      ['/sora/v1/images/generations', 200, null],
      ['/sora/v1/videos', 429, handle.id],
      ['/sora/v1/videos', 200, null],
    ]);
  });

  it('times: n counts matching requests only', async () => {
    const mock = manualMock({ instant: true });
    mock.faults.add({ scenario: 'server_error', times: 2, route: 'POST /videos' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await call(mock, 'POST', '/videos', { body: video() })).status);
      statuses.push((await call(mock, 'GET', '/videos')).status);
    }
    expect(statuses).toEqual([500, 200, 500, 200, 200, 200]);
  });

  it('route: ":id" segments match any id, and only that route', async () => {
    const mock = manualMock({ instant: true });
    const created = (await (await call(mock, 'POST', '/videos', { body: video() })).json()) as { id: string };
    mock.faults.add({ scenario: 'server_error', route: 'GET /videos/:id' });
    expect((await call(mock, 'GET', '/videos')).status).toBe(200);
    expect((await call(mock, 'GET', `/videos/${created.id}/content`)).status).toBe(200);
    expect((await expectEnvelope(await call(mock, 'GET', `/videos/${created.id}`), 500)).type).toBe('server_error');
    expect((await expectEnvelope(await call(mock, 'GET', '/videos/video_other'), 500)).type).toBe('server_error');
    // HEAD is answered by GET, so a GET fault covers it too.
    expect((await call(mock, 'HEAD', `/videos/${created.id}`)).status).toBe(500);
  });

  it('route: a bare path matches every method; no route matches every route', async () => {
    const mock = manualMock({ instant: true });
    const any = mock.faults.add({ scenario: 'rate_limited', route: '/videos' });
    expect((await call(mock, 'GET', '/videos')).status).toBe(429);
    expect((await call(mock, 'POST', '/videos', { body: video() })).status).toBe(429);
    any.remove();
    mock.faults.add({ scenario: 'rate_limited', times: 2 });
    expect((await call(mock, 'GET', '/models')).status).toBe(429);
    expect((await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_image', messages: [{ role: 'user', content: 'x' }] } })).status).toBe(429);
    expect((await call(mock, 'GET', '/models')).status).toBe(200);
  });

  it('model: only requests for that model', async () => {
    const mock = manualMock({ instant: true });
    mock.faults.add({ scenario: 'moderation_blocked', model: 'sora_video2-hd' });
    expect((await call(mock, 'POST', '/videos', { body: video('sora_video2') })).status).toBe(200);
    const blocked = await expectEnvelope(await call(mock, 'POST', '/videos', { body: video('sora_video2-hd') }), 400);
    expect(blocked.code).toBe('moderation_blocked');
    // Chat with the same model name meets it too; reads have no model and never do.
    const chat = await call(mock, 'POST', '/chat/completions', { body: { model: 'sora_video2-hd', messages: [{ role: 'user', content: 'x' }] } });
    expect((await expectEnvelope(chat, 400)).code).toBe('moderation_blocked');
    expect((await call(mock, 'GET', '/videos')).status).toBe(200);
  });

  it('job scenarios: a slow fault shapes the next video job, and polls do not spend it', async () => {
    const mock = manualMock();
    const fault = mock.faults.add({ scenario: 'stall', times: 1 });
    expect((await call(mock, 'GET', '/videos')).status).toBe(200);
    expect(fault.fault.hits).toBe(0);
    const stalled = (await (await call(mock, 'POST', '/videos', { body: video() })).json()) as { id: string };
    expect(fault.fault).toMatchObject({ hits: 1, remaining: 0 });
    const normal = (await (await call(mock, 'POST', '/videos', { body: video() })).json()) as { id: string };
    mock.advance(3_600_000);
    expect(((await (await call(mock, 'GET', `/videos/${stalled.id}`)).json()) as { status: string }).status).toBe('in_progress');
    expect(((await (await call(mock, 'GET', `/videos/${normal.id}`)).json()) as { status: string }).status).toBe('completed');
  });

  it('removal: handle.remove(), faults.remove(id) and faults.clear()', async () => {
    const mock = manualMock();
    const a = mock.faults.add({ scenario: 'server_error', route: 'GET /models' });
    const b = mock.faults.add({ scenario: 'rate_limited', route: 'GET /models' });
    expect(mock.faults.list().map((f) => f.id)).toEqual([a.id, b.id]);
    expect(a.remove()).toBe(true);
    expect(a.remove()).toBe(false);
    expect((await call(mock, 'GET', '/models')).status).toBe(429);
    expect(mock.faults.remove(b.id)).toBe(true);
    expect(mock.faults.remove(b.id)).toBe(false);
    expect((await call(mock, 'GET', '/models')).status).toBe(200);
    mock.faults.add({ scenario: 'server_error' });
    mock.faults.add({ scenario: 'server_error' });
    expect(mock.faults.clear()).toBe(2);
    expect((await call(mock, 'GET', '/models')).status).toBe(200);
  });

  it('precedence: Prefer header > faults, newest first > config rules', async () => {
    const mock = manualMock({ instant: true, scenarios: [{ prompt: 'blocked', scenario: 'moderation_blocked' }] });
    const older = mock.faults.add({ scenario: 'server_error', times: 1, route: 'POST /videos' });
    const newer = mock.faults.add({ scenario: 'rate_limited', times: 1, route: 'POST /videos' });

    // The header wins, and the faults are not spent on it.
    const byHeader = await call(mock, 'POST', '/videos', { body: video('sora_video2', 'blocked'), headers: { prefer: 'scenario=fail_midway' } });
    expect(byHeader.status).toBe(200);
    expect(mock.requests().at(-1)).toMatchObject({ scenario: 'fail_midway' });
    expect(mock.requests().at(-1)?.fault).toBeUndefined();
    expect(mock.faults.list().map((f) => f.hits)).toEqual([0, 0]);

    // Then the newest fault, then the older one, then the rule.
    expect((await call(mock, 'POST', '/videos', { body: video('sora_video2', 'blocked') })).status).toBe(429);
    expect(mock.requests().at(-1)?.fault).toEqual({ id: newer.id, scenario: 'rate_limited' });
    expect((await call(mock, 'POST', '/videos', { body: video('sora_video2', 'blocked') })).status).toBe(500);
    expect(mock.requests().at(-1)?.fault).toEqual({ id: older.id, scenario: 'server_error' });
    const byRule = await expectEnvelope(await call(mock, 'POST', '/videos', { body: video('sora_video2', 'blocked') }), 400);
    expect(byRule.code).toBe('moderation_blocked');
    expect(mock.requests().at(-1)).toMatchObject({ scenario: 'moderation_blocked' });
    expect(mock.requests().at(-1)?.fault).toBeUndefined();
  });

  it('reset() clears them and restarts their ids; an old handle cannot remove a new fault', () => {
    const mock = manualMock();
    const old = mock.faults.add({ scenario: 'server_error' });
    mock.reset();
    expect(mock.faults.list()).toEqual([]);
    const fresh = mock.faults.add({ scenario: 'rate_limited' });
    expect(fresh.id).toBe(old.id);
    expect(old.remove()).toBe(false);
    expect(mock.faults.list()).toHaveLength(1);
  });

  it('refuses a malformed fault naming the field', () => {
    const mock = manualMock();
    expect(() => mock.faults.add({ scenario: 'nope' as never })).toThrow(/scenario/);
    expect(() => mock.faults.add({ scenario: 'slow', times: 0 })).toThrow(/times/);
    expect(() => mock.faults.add({ scenario: 'slow', route: 'PUT videos' })).toThrow(/route/);
  });
});

describe('/__sora/faults', () => {
  const admin = (mock: ReturnType<typeof manualMock>, method: string, path = '', body?: string, type = 'application/json') =>
    mock.fetch(new Request(`${ORIGIN}/__sora/faults${path}`, { method, ...(body !== undefined ? { body, headers: { 'content-type': type } } : {}) }));

  it('adds, lists, fires, deletes one and deletes all', async () => {
    const mock = manualMock({ admin: true, instant: true });
    const added = await admin(mock, 'POST', '', JSON.stringify({ scenario: 'rate_limited', times: 1, route: 'POST /videos' }));
    expect(added.status).toBe(201);
    const fault = (await added.json()) as { id: string; scenario: string; remaining: number };
    expect(fault).toMatchObject({ object: 'fault', id: expect.stringMatching(/^fault_/), scenario: 'rate_limited', times: 1, route: 'POST /videos', remaining: 1, hits: 0 });
    expect(await (await admin(mock, 'GET')).json()).toEqual({ object: 'list', data: [expect.objectContaining({ id: fault.id })] });

    expect((await call(mock, 'POST', '/videos', { body: video() })).status).toBe(429);
    expect((await call(mock, 'POST', '/videos', { body: video() })).status).toBe(200);
    expect(await (await admin(mock, 'GET')).json()).toEqual({ object: 'list', data: [] });

    const second = (await (await admin(mock, 'POST', '', JSON.stringify({ scenario: 'server_error' }))).json()) as { id: string };
    expect(await (await admin(mock, 'DELETE', `/${second.id}`)).json()).toEqual({ object: 'fault', id: second.id, deleted: true });
    expect((await expectEnvelope(await admin(mock, 'DELETE', `/${second.id}`), 404)).code).toBe('fault_not_found');

    await admin(mock, 'POST', '', JSON.stringify({ scenario: 'server_error' }));
    await admin(mock, 'POST', '', JSON.stringify({ scenario: 'slow' }));
    expect(await (await admin(mock, 'DELETE')).json()).toEqual({ object: 'list', deleted: 2 });
    expect((await call(mock, 'GET', '/models')).status).toBe(200);
  });

  it('answers bad bodies with the envelope naming the field', async () => {
    const mock = manualMock({ admin: true });
    const cases: [string, string][] = [
      ['{"scenario":"nope"}', 'scenario'],
      ['{}', 'scenario'],
      ['{"scenario":"slow","times":0}', 'times'],
      ['{"scenario":"slow","times":"2"}', 'times'],
      ['{"scenario":"slow","route":"PUT /videos"}', 'route'],
      ['{"scenario":"slow","model":""}', 'model'],
      ['{"scenario":"slow","colour":"red"}', 'colour'],
    ];
    for (const [body, param] of cases) {
      const error = await expectEnvelope(await admin(mock, 'POST', '', body), 400);
      expect(error.param, body).toBe(param);
    }
    expect((await expectEnvelope(await admin(mock, 'POST', '', '{"scenario":'), 400)).code).toBe('invalid_json');
    expect(mock.faults.list()).toEqual([]);
  });

  it('exist only with admin on', async () => {
    const mock = manualMock();
    expect((await expectEnvelope(await admin(mock, 'GET'), 404)).code).toBe('unknown_route');
    expect((await expectEnvelope(await admin(mock, 'POST', '', '{"scenario":"slow"}'), 404)).code).toBe('unknown_route');
  });
});
