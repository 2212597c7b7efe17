/**
 * The inspector over real HTTP: the page, its state and its event stream, what it hides, how it
 * follows jobs on the mock's clock, and how it ends on shutdown.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { maskSecret } from '../../src/mock/mask.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createSoraServer, type SoraServer } from '../../src/adapters/node.js';
import type { InspectorJob, InspectorRequest, InspectorSnapshot } from '../../src/mock/inspector/index.js';
import { loadServeConfig } from '../../src/cli/config.js';
import { createSoraMock } from '../../src/mock/app.js';
import { inspectMedia } from '../../src/media/index.js';
import type { SoraMockOptions } from '../../src/mock/types.js';

const SECRET = 'team-secret-key-0123456789';
const servers: SoraServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: SoraMockOptions = {}, inspector = true): Promise<{ server: SoraServer; url: string }> {
  const server = createSoraServer(createSoraMock({ licenses: [{ key: SECRET, features: ['chat', 'images', 'videos'] }], ...options, inspector }));
  servers.push(server);
  const { url } = await server.listen();
  return { server, url };
}

/** An open event stream: events as they arrive, and a way to wait for one that matches. */
function events(url: string) {
  const controller = new AbortController();
  const received: EventSourceMessage[] = [];
  const waiters: { match: (e: EventSourceMessage) => boolean; done: (e: EventSourceMessage) => void }[] = [];
  let ended = false;
  const parser = createParser({
    onEvent(event) {
      received.push(event);
      for (const w of [...waiters]) {
        if (w.match(event)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.done(event);
        }
      }
    },
  });
  const finished = (async () => {
    const response = await fetch(`${url}/__sora/inspector/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
    ended = true;
  })();
  const next = (match: (e: EventSourceMessage) => boolean): Promise<EventSourceMessage> => {
    const seen = received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((done) => waiters.push({ match, done }));
  };
  return { received, next, finished, ended: () => ended, close: () => controller.abort() };
}

const api = (url: string, path: string, body?: unknown) =>
  fetch(`${url}/sora/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('the inspector page', () => {
  it('is served at / as a self-contained HTML page under a strict CSP', async () => {
    const { url } = await start();
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await response.text();
    expect(html).toContain('<title>sora-kit inspector</title>');
    expect(html).toContain('/__sora/inspector/events');
    // Nothing loaded from elsewhere: no absolute URLs in src/href attributes, no external scripts.
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?https?:/i);
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect((await fetch(`${url}/__sora/inspector`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('answers wrong methods and unknown inspector paths with JSON errors', async () => {
    const { url } = await start();
    const post = await fetch(`${url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await post.json()) as object).toMatchObject({ error: { code: 'method_not_allowed' } });
    const unknown = await fetch(`${url}/__sora/inspector/nope`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()) as object).toMatchObject({ error: { code: 'unknown_route', message: expect.stringContaining('/__sora/inspector/nope') } });
  });

  it('is not there unless asked for: / is then the mock own JSON 404', async () => {
    const { url } = await start({}, false);
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(404);
    expect((await response.json()) as object).toMatchObject({ error: { code: 'unknown_route' } });
    expect((await fetch(`${url}/__sora/inspector/state`)).status).toBe(404);
  });

  it('serves the favicon browsers ask for (a PNG), which enters no journal as a 404', async () => {
    const { server, url } = await start();
    const icon = await fetch(`${url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
    const bytes = new Uint8Array(await icon.arrayBuffer());
    expect(await inspectMedia(bytes)).toMatchObject({ kind: 'image', format: 'png', width: 32, height: 32 });
    // The same bytes every time, and HEAD tells their length.
    expect(new Uint8Array(await (await fetch(`${url}/favicon.ico`)).arrayBuffer())).toEqual(bytes);
    expect((await fetch(`${url}/favicon.ico`, { method: 'HEAD' })).headers.get('content-length')).toBe(String(bytes.length));
    expect(server.mock.requests()).toEqual([]);
    // Same-origin only, like the page: another site cannot embed it.
    expect((await fetch(`${url}/favicon.ico`, { headers: { origin: 'http://elsewhere.test' } })).status).toBe(403);
  });

  it('never enters the request journal, and never shadows the API or the health endpoint', async () => {
    const { server, url } = await start();
    await fetch(`${url}/`);
    await fetch(`${url}/__sora/inspector/state`);
    expect((await fetch(`${url}/__sora/health`)).status).toBe(200);
    expect((await api(url, '/models')).status).toBe(200);
    expect(server.mock.requests().map((r) => r.path)).toEqual(['/__sora/health', '/sora/v1/models']);
  });
});

describe('the inspector state and events', () => {
  it('masks every licence key, in the state, the page and the events', async () => {
    const { url } = await start();
    const stream = events(url);
    await stream.next((e) => e.event === 'snapshot');
    expect((await api(url, '/models')).status).toBe(200);
    const event = await stream.next((e) => e.event === 'request');
    const state = await (await fetch(`${url}/__sora/inspector/state`)).text();
    const page = await (await fetch(`${url}/`)).text();
    stream.close();
    for (const text of [state, page, ...stream.received.map((e) => e.data)]) expect(text).not.toContain(SECRET);
    expect((JSON.parse(event.data) as InspectorRequest).license).toBe(maskSecret(SECRET));
    const snapshot = JSON.parse(state) as InspectorSnapshot;
    expect(snapshot.licenses).toEqual([{ key: maskSecret(SECRET), features: ['chat', 'images', 'videos'] }]);
    expect(snapshot.devLicense).toBeNull();
    expect(maskSecret(SECRET)).not.toContain(SECRET.slice(6, -2));
  });

  it('names the dev licence only when it is the one in force, and lists scenarios and rules', async () => {
    const server = createSoraServer({ scenarios: [{ prompt: 'rain', scenario: 'rate_limited' }] }, { inspector: true });
    servers.push(server);
    const { url } = await server.listen();
    const snapshot = (await (await fetch(`${url}/__sora/inspector/state`)).json()) as InspectorSnapshot;
    expect(snapshot.devLicense).toBe('sk-sora-mock');
    expect(snapshot.apiUrl).toBe(`${url}/sora/v1`);
    expect(snapshot.scenarios.map((s) => s.name)).toEqual(['moderation_blocked', 'rate_limited', 'server_error', 'slow', 'stall', 'fail_midway']);
    expect(snapshot.scenarioRules).toEqual([{ prompt: 'rain', scenario: 'rate_limited' }]);
  });

  it('sends a snapshot, then each request with the media it linked to', async () => {
    const { url } = await start();
    const stream = events(url);
    const snapshot = JSON.parse((await stream.next((e) => e.event === 'snapshot')).data) as InspectorSnapshot;
    expect(snapshot.requests).toEqual([]);

    const generated = await api(url, '/images/generations', { model: 'sora_image', prompt: 'a lighthouse', size: '1536x1024', n: 2 });
    expect(generated.status).toBe(200);
    const event = JSON.parse((await stream.next((e) => e.event === 'request')).data) as InspectorRequest;
    stream.close();
    expect(event).toMatchObject({ method: 'POST', path: '/sora/v1/images/generations', status: 200 });
    expect(event.media).toHaveLength(2);
    for (const media of event.media) {
      expect(media.variant).toBe('image');
      const image = await fetch(`${url}${media.path}`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/png');
    }
  });

  it('shows the run-time faults in force, live, and which fault shaped a request', async () => {
    const { server, url } = await start();
    const stream = events(url);
    await stream.next((e) => e.event === 'snapshot');
    const handle = server.mock.faults.add({ scenario: 'rate_limited', times: 1, route: 'GET /models' });
    const added = JSON.parse((await stream.next((e) => e.event === 'faults')).data) as { faults: { id: string; remaining: number }[] };
    expect(added.faults).toEqual([expect.objectContaining({ id: handle.id, scenario: 'rate_limited', route: 'GET /models', remaining: 1 })]);
    expect(((await (await fetch(`${url}/__sora/inspector/state`)).json()) as InspectorSnapshot).faults).toEqual(added.faults);

    expect((await api(url, '/models')).status).toBe(429);
    const request = JSON.parse((await stream.next((e) => e.event === 'request' && JSON.parse(e.data).status === 429)).data) as InspectorRequest;
    expect(request).toMatchObject({ scenario: 'rate_limited', fault: { id: handle.id, scenario: 'rate_limited' }, error: { code: 'rate_limit_exceeded' } });
    await stream.next((e) => e.event === 'faults' && (JSON.parse(e.data) as { faults: unknown[] }).faults.length === 0);
    stream.close();
  });

  it('sends a streamed answer again once its media links arrived', async () => {
    const { url } = await start({ speed: 100 });
    const stream = events(url);
    await stream.next((e) => e.event === 'snapshot');
    const r = await fetch(`${url}/sora/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json', prefer: 'scenario=slow' },
      body: JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: 'a heron' }] }),
    });
    await r.text();
    const withMedia = await stream.next((e) => e.event === 'request' && (JSON.parse(e.data) as InspectorRequest).media.length > 0);
    stream.close();
    const entry = JSON.parse(withMedia.data) as InspectorRequest;
    expect(entry).toMatchObject({ method: 'POST', path: '/sora/v1/chat/completions', status: 200 });
    expect(entry.media.map((m) => m.variant)).toEqual(['image']);
    expect(entry.request.body).toMatchObject({ kind: 'json', value: { model: 'sora_image' } });
  });

  it('pushes job progress as the mock clock moves, and the media once completed', async () => {
    let clock = Date.UTC(2026, 10, 24);
    const { server, url } = await start({ clock: { now: () => clock } });
    const stream = events(url);
    await stream.next((e) => e.event === 'snapshot');
    const created = await api(url, '/videos', { model: 'sora_video2-landscape', prompt: 'a paper boat' });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const jobsOf = (e: EventSourceMessage) => (e.event === 'jobs' ? (JSON.parse(e.data) as { jobs: InspectorJob[] }).jobs.find((j) => j.id === id) : undefined);

    const first = jobsOf(await stream.next((e) => jobsOf(e) !== undefined))!;
    expect(first.status).toBe('queued');
    expect(first.media).toBeUndefined();

    clock += 1500; // 10 s SD video renders in 3 s
    const halfway = jobsOf(await stream.next((e) => (jobsOf(e)?.progress ?? 0) > 0))!;
    expect(halfway.status).toBe('in_progress');
    expect(halfway.progress).toBeGreaterThan(first.progress);

    server.mock.advance(5000);
    const done = jobsOf(await stream.next((e) => jobsOf(e)?.status === 'completed'))!;
    stream.close();
    expect(done.progress).toBe(100);
    expect(done.media).toEqual({
      video: expect.stringMatching(/^\/sora\/v1\/files\/.+\.mp4\?via=inspector$/),
      thumbnail: expect.stringMatching(/\.webp\?via=inspector$/),
    });
    const video = await fetch(`${url}${done.media!.video}`);
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toBe('video/mp4');
    // The same bytes as the licensed download.
    const content = await api(url, `/videos/${id}/content`);
    expect(Buffer.from(await video.arrayBuffer()).equals(Buffer.from(await content.arrayBuffer()))).toBe(true);

    // The inspector's own media loads are in the mock's journal, but not among the requests it shows.
    expect(server.mock.requests().some((r) => r.path === done.media!.video)).toBe(true);
    const state = (await (await fetch(`${url}/__sora/inspector/state`)).json()) as InspectorSnapshot;
    expect(state.requests.map((r) => r.path)).toEqual([`/sora/v1/videos/${id}/content`, '/sora/v1/videos']);
  });

  it('ends open event streams when the server closes', async () => {
    const server = createSoraServer(createSoraMock({ inspector: true }), { shutdownGraceMs: 60_000 });
    const { url } = await server.listen();
    const stream = events(url);
    await stream.next((e) => e.event === 'snapshot');
    await server.close();
    await stream.finished;
    expect(stream.ended()).toBe(true);
  });
});

describe('the inspector setting of sora-kit serve', () => {
  it('is on by default and turned off by --no-inspector, SORA_MOCK_INSPECTOR or the config file', async () => {
    expect((await loadServeConfig({ env: {} })).inspector).toBe(true);
    expect((await loadServeConfig({ env: {}, flags: { inspector: false } })).inspector).toBe(false);
    const fromEnv = await loadServeConfig({ env: { SORA_MOCK_INSPECTOR: 'off' } });
    expect(fromEnv.inspector).toBe(false);
    expect(fromEnv.sources.inspector).toBe('env');
    await expect(loadServeConfig({ env: { SORA_MOCK_INSPECTOR: 'maybe' } })).rejects.toThrow(/SORA_MOCK_INSPECTOR.*maybe/);
  });
});

describe('the client report panel', () => {
  it('the page has the panel, and its data route answers mock.clientReport() behind the inspector\'s host guard', async () => {
    const { server, url } = await start({ instant: true });
    const page = await (await fetch(`${url}/`)).text();
    expect(page).toContain('id="client-report"');
    const auth = { authorization: `Bearer ${SECRET}` };
    const video = (await (await fetch(`${url}/sora/v1/videos`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora_video2', prompt: 'a fox' }) })).json()) as { id: string };
    for (let i = 0; i < 2; i++) await fetch(`${url}/sora/v1/videos/${video.id}`, { headers: auth });
    const report = await (await fetch(`${url}/__sora/inspector/client-report`)).json();
    expect(report).toEqual(server.mock.clientReport());
    expect(report.findings.map((f: { rule: string }) => f.rule)).toEqual(['polls-after-finished', 'never-fetches-content']);
    const foreign = await fetch(`${url}/__sora/inspector/client-report`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
  });
});
