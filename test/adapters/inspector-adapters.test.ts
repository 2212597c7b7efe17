/**
 * The inspector is routes of the mock's table (src/mock/inspector), so msw and the Express middleware
 * serve it as the Node server does, guarded by the same flow: another origin is refused, the journal
 * leaves its own requests out.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraMiddleware } from '../../src/adapters/middleware.js';
import { createSoraHandlers } from '../../src/adapters/msw.js';
import type { InspectorSnapshot } from '../../src/mock/inspector/index.js';

const ORIGIN = 'http://inspected.test';
const KEY = 'sk-sora-mock';

async function expectInspector(origin: string, requests: () => number) {
  const page = await fetch(`${origin}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await page.text()).toContain('<title>sora-kit inspector</title>');
  expect((await fetch(`${origin}/sora/v1/models`, { headers: { authorization: KEY } })).status).toBe(200);
  const state = await fetch(`${origin}/__sora/inspector/state`);
  expect(state.status).toBe(200);
  const snapshot = (await state.json()) as InspectorSnapshot;
  expect(snapshot.requests.map((r) => r.path)).toEqual(['/sora/v1/models']);
  const foreign = await fetch(`${origin}/__sora/inspector/state`, { headers: { origin: 'https://evil.example' } });
  expect(foreign.status).toBe(403);
  expect(((await foreign.json()) as { error: { code: string } }).error.code).toBe('cross_origin_refused');
  // The inspector's own requests stay out of the journal it shows.
  expect(requests()).toBe(1);
}

describe('the inspector through msw', () => {
  const handlers = createSoraHandlers({ instant: true, baseUrl: ORIGIN, inspector: true });
  const server = setupServer(...handlers);
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => {
    server.close();
    handlers.mock.close();
  });

  it('serves the page and its data, refuses other origins, journals only the API', async () => {
    await expectInspector(ORIGIN, () => handlers.mock.requests().length);
  });
});

describe('the inspector through the Express middleware', () => {
  const middleware = createSoraMiddleware({ instant: true, inspector: true });
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    const app = express();
    app.use(middleware);
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    middleware.mock.close();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('serves the page and its data, refuses other origins, journals only the API', async () => {
    await expectInspector(origin, () => middleware.mock.requests().length);
  });
});
