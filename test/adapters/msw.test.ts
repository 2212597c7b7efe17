import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSoraHandlers } from '../../src/adapters/msw.js';
import { createSoraMock } from '../../src/mock/app.js';
import { checkChat, checkImages, checkModelsAndErrors, checkVideos } from '../e2e/flows.js';

const ORIGIN = 'https://sora.test';
const handlers = createSoraHandlers({ instant: true, baseUrl: ORIGIN });
const server = setupServer(...handlers);
const api = `${ORIGIN}/sora/v1`;
const fetchViaMsw = (input: string, init?: RequestInit) => fetch(input, init);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => handlers.mock.reset());
afterAll(() => server.close());

describe('createSoraHandlers in setupServer, with plain fetch', () => {
  it('serves models and error envelopes', () => checkModelsAndErrors(api, fetchViaMsw));
  it('serves chat completions, stream and not, and the media they link', () => checkChat(api, fetchViaMsw));
  it('serves image generations and edits', () => checkImages(api, fetchViaMsw));

  it('serves the video lifecycle, and the mock behind the handlers shows the state', async () => {
    const id = await checkVideos(api, fetchViaMsw);
    const jobs = handlers.mock.jobs().map((j) => j.id);
    expect(jobs).not.toContain(id);
    expect(jobs.length).toBeGreaterThan(0);
    expect(handlers.mock.requests().length).toBeGreaterThan(0);
  });

  it('leaves other origins and paths alone', async () => {
    await expect(fetch('https://other.test/sora/v1/models')).rejects.toThrow();
    await expect(fetch(`${ORIGIN}/elsewhere`)).rejects.toThrow();
  });
});

describe('createSoraHandlers options', () => {
  it('accepts an existing mock and an SDK-style baseUrl with the base path', () => {
    const mock = createSoraMock({ instant: true });
    const wrapped = createSoraHandlers(mock, { baseUrl: `${ORIGIN}/sora/v1` });
    expect(wrapped.mock).toBe(mock);
    expect(wrapped).toHaveLength(2);
  });

  it('rejects a baseUrl that is not a URL or whose path is not the base path, saying what to give', () => {
    expect(() => createSoraHandlers({ baseUrl: 'sora.test' })).toThrow(/baseUrl 'sora\.test' is not an absolute URL/);
    expect(() => createSoraHandlers({ baseUrl: `${ORIGIN}/v1` })).toThrow(/path '\/v1'.*'https:\/\/sora\.test\/sora\/v1'/);
  });

  it('answers on any origin without a baseUrl, and on a custom base path', async () => {
    const anywhere = setupServer(...createSoraHandlers({ instant: true, basePath: '/custom/v9' }));
    server.close();
    anywhere.listen({ onUnhandledRequest: 'error' });
    try {
      const response = await fetch('http://whatever.example:8080/custom/v9/models', {
        headers: { authorization: 'sk-sora-mock' },
      });
      expect(response.status).toBe(200);
      await expect(fetch('http://whatever.example:8080/sora/v1/models')).rejects.toThrow();
    } finally {
      anywhere.close();
      server.listen({ onUnhandledRequest: 'error' });
    }
  });
});
