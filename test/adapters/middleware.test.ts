import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraMiddleware } from '../../src/adapters/middleware.js';
import { checkChat, checkImages, checkVideos } from '../e2e/flows.js';
import { LICENCE } from '../e2e/support.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const httpFetch = (input: string, init?: RequestInit) => fetch(input, init);

describe('createSoraMiddleware in an Express app', () => {
  const middleware = createSoraMiddleware({ instant: true });
  let server: Server;
  let origin: string;

  beforeAll(async () => {
    const app = express();
    app.use(middleware);
    app.use(express.json());
    app.get('/own-route', (_req, res) => {
      res.json({ own: true });
    });
    app.post('/own-route', (req, res) => {
      res.json({ received: req.body as unknown });
    });
    server = createServer(app);
    origin = await listen(server);
  });
  afterAll(() => close(server));

  it('serves the video lifecycle', async () => {
    const id = await checkVideos(`${origin}/sora/v1`, httpFetch);
    expect(middleware.mock.jobs().some((j) => j.id === id)).toBe(false);
  });
  it('serves chat with streams', () => checkChat(`${origin}/sora/v1`, httpFetch));
  it('serves multipart image edits', () => checkImages(`${origin}/sora/v1`, httpFetch));

  it("lets the app's own routes through", async () => {
    const response = await fetch(`${origin}/own-route`);
    expect(await response.json()).toEqual({ own: true });
  });

  it("leaves the body of the app's own requests unread, for the app's body parser", async () => {
    const response = await fetch(`${origin}/own-route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(await response.json()).toEqual({ received: { text: 'hello' } });
  });
});

describe('createSoraMiddleware under plain node:http (connect-style next)', () => {
  it('answers its paths and calls next() for others', async () => {
    const middleware = createSoraMiddleware({ instant: true });
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.statusCode = 418;
        res.end('next');
      }),
    );
    const origin = await listen(server);
    try {
      const models = await fetch(`${origin}/sora/v1/models`, { headers: { authorization: LICENCE } });
      expect(models.status).toBe(200);
      const other = await fetch(`${origin}/elsewhere`);
      expect(other.status).toBe(418);
      expect(await other.text()).toBe('next');
    } finally {
      await close(server);
    }
  });
});
