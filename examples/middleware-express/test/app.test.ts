import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspectMedia } from 'sora-kit/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const LICENCE = 'sk-sora-mock';
const { app, mock } = createApp({ instant: true });
let server: Server;
let origin = '';

beforeAll(async () => {
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function bytes(url: string): Promise<Uint8Array<ArrayBuffer>> {
  const response = await fetch(url, { headers: { authorization: LICENCE } });
  expect(response.status, url).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

describe('sora-kit/middleware inside an Express app, over real HTTP', () => {
  it('creates a video job, and serves the finished MP4', async () => {
    const created = await fetch(`${origin}/sora/v1/videos`, {
      method: 'POST',
      headers: { authorization: LICENCE, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora_video2-landscape', prompt: 'a red fox' }),
    });
    expect(created.status).toBe(200);
    const video = (await created.json()) as { id: string; status: string; size: string };
    expect(video).toMatchObject({ status: 'completed', size: '1280x720' });
    expect(mock.jobs().map((job) => job.id)).toContain(video.id);

    const mp4 = await bytes(`${origin}/sora/v1/videos/${video.id}/content`);
    expect(await inspectMedia(mp4)).toMatchObject({ kind: 'video', codec: 'h264', width: 1280, height: 720 });
  });

  it('takes a multipart upload intact (images/edits with a PNG it generated first)', async () => {
    const generated = await fetch(`${origin}/sora/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: LICENCE, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sora_image', prompt: 'a red fox', size: '1536x1024' }),
    });
    expect(generated.status).toBe(200);
    const [{ url }] = ((await generated.json()) as { data: { url: string }[] }).data;
    const png = await bytes(url);
    expect(await inspectMedia(png)).toMatchObject({ kind: 'image', format: 'png', width: 1536, height: 1024 });

    const form = new FormData();
    form.append('model', 'sora_image');
    form.append('prompt', 'the same fox at night');
    form.append('image', new Blob([png], { type: 'image/png' }), 'fox.png');
    const edited = await fetch(`${origin}/sora/v1/images/edits`, { method: 'POST', headers: { authorization: LICENCE }, body: form });
    expect(edited.status).toBe(200);
    const [{ url: editedUrl }] = ((await edited.json()) as { data: { url: string }[] }).data;
    // The input's 3:2 shape sets the output's size: the mock saw the uploaded bytes.
    expect(await inspectMedia(await bytes(editedUrl))).toMatchObject({ kind: 'image', width: 1536, height: 1024 });
  });

  it("answers errors in the mock's envelope", async () => {
    const response = await fetch(`${origin}/sora/v1/models`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { message: expect.any(String) } });
  });

  it("lets the app's own routes (and its JSON body parser) through", async () => {
    const response = await fetch(`${origin}/api/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ saved: { text: 'hello' } });
  });
});
