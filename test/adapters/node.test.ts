import { connect } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSoraServer, type AccessLogEntry } from '../../src/adapters/node.js';
import { createSoraMock } from '../../src/mock/app.js';
import { checkChat, checkImages, checkModelsAndErrors, checkVideos } from '../e2e/flows.js';
import { expectErrorEnvelope, expectOpenAiShape, LICENCE, serve, type Served } from '../e2e/support.js';

let served: Served;
const log: AccessLogEntry[] = [];

beforeAll(async () => {
  served = await serve({ instant: true }, { onResponse: (entry) => log.push(entry) });
});
afterAll(() => served.server.close());

/** Send raw bytes and read until the server closes the connection. */
function raw(url: string, payload: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(payload));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('createSoraServer through supertest', () => {
  it('serves models, videos and their content with ranges', async () => {
    const agent = request(served.url);
    const models = await agent.get('/sora/v1/models').set('Authorization', LICENCE).expect(200);
    expect(models.body.object).toBe('list');

    const created = await agent
      .post('/sora/v1/videos')
      .set('Authorization', `Bearer ${LICENCE}`)
      .send({ model: 'sora_video2-landscape-15s', prompt: '画小猫' })
      .expect(200)
      .expect('content-type', /application\/json/);
    expectOpenAiShape('VideoResource', created.body);
    expect(created.body).toMatchObject({ size: '1280x720', seconds: '15' });

    const full = await agent
      .get(`/sora/v1/videos/${created.body.id}/content`)
      .set('Authorization', LICENCE)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200)
      .expect('content-type', /video\/mp4/);
    const length = (full.body as Buffer).length;
    expect(Number(full.headers['content-length'])).toBe(length);
    expect(full.headers['accept-ranges']).toBe('bytes');

    const tail = await agent
      .get(`/sora/v1/videos/${created.body.id}/content`)
      .set('Authorization', LICENCE)
      .set('Range', 'bytes=-10')
      .expect(206);
    expect(tail.headers['content-range']).toBe(`bytes ${length - 10}-${length - 1}/${length}`);
  });

  it('answers bad input with the JSON envelope and never HTML', async () => {
    const agent = request(served.url);
    const noAuth = await agent.post('/sora/v1/videos').send({ model: 'sora_video2', prompt: 'x' }).expect(401);
    expectErrorEnvelope(noAuth.body);
    const badModel = await agent
      .post('/sora/v1/videos')
      .set('Authorization', LICENCE)
      .send({ model: 'sora_video2-square', prompt: 'x' })
      .expect(400);
    expectErrorEnvelope(badModel.body, 'sora_video2-square');
    const notFound = await agent.get('/nowhere').expect(404);
    expectErrorEnvelope(notFound.body);
  });
});

describe('the same flows with fetch over real HTTP', () => {
  const httpFetch = (input: string, init?: RequestInit) => fetch(input, init);
  it('models and errors', () => checkModelsAndErrors(served.api, httpFetch));
  it('chat', () => checkChat(served.api, httpFetch));
  it('images', () => checkImages(served.api, httpFetch));
  it('videos', () => checkVideos(served.api, httpFetch));
});

describe('transport-level behaviour', () => {
  it('answers unparsable HTTP with a JSON 400 instead of an empty reply', async () => {
    const reply = await raw(served.url, 'THIS IS NOT HTTP\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const body = reply.slice(reply.indexOf('\r\n\r\n') + 4);
    expectErrorEnvelope(JSON.parse(body));
  });

  it('logs each request once with its status', async () => {
    const before = log.length;
    await fetch(`${served.api}/models`, { headers: { authorization: LICENCE } });
    await expect.poll(() => log.length).toBe(before + 1);
    expect(log.at(-1)).toMatchObject({ method: 'GET', url: '/sora/v1/models', status: 200, aborted: false });
  });

  it('tells a port already in use by its error code', async () => {
    const port = Number(new URL(served.url).port);
    const second = createSoraServer({});
    await expect(second.listen({ port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await second.close();
  });

  it('accepts an existing mock and exposes it', async () => {
    const mock = createSoraMock({ instant: true });
    const server = createSoraServer(mock);
    expect(server.mock).toBe(mock);
    const { url } = await server.listen();
    expect(server.url).toBe(url);
    const response = await fetch(`${url}/sora/v1/models`, { headers: { authorization: LICENCE } });
    expect(response.status).toBe(200);
    expect(mock.requests().length).toBe(1);
    await server.close();
    await server.close();
  });
});
