/**
 * The API flows every transport must carry the same way (msw in-process, the Node server, the Express
 * middleware): one function, run by each adapter's test with that adapter's `fetch`.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { inspectMedia, type VideoFacts } from '../../src/media/index.js';
import { allCanonicalModelNames } from '../../src/spec/model.js';
import { expectErrorEnvelope, expectOpenAiShape, FIXTURE_JPEG, FIXTURE_PNG, LICENCE, markdownUrls, sseData } from './support.js';

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

const auth = { authorization: `Bearer ${LICENCE}` };
const json = { ...auth, 'content-type': 'application/json' };

async function bytesOf(fetchImpl: Fetch, url: string, init?: RequestInit): Promise<{ response: Response; bytes: Uint8Array }> {
  const response = await fetchImpl(url, init);
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function expectImageUrl(fetchImpl: Fetch, url: string): Promise<void> {
  const { response, bytes } = await bytesOf(fetchImpl, url);
  expect(response.status, url).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^image\/png/);
  expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
  expect(await inspectMedia(bytes)).toMatchObject({ kind: 'image', mime: 'image/png' });
}

export async function checkModelsAndErrors(api: string, fetchImpl: Fetch): Promise<void> {
  const models = await fetchImpl(`${api}/models`, { headers: auth });
  expect(models.status).toBe(200);
  const list = (await models.json()) as { object: string; data: { id: string }[] };
  expect(list.object).toBe('list');
  expect(list.data.map((m) => m.id).sort()).toEqual(allCanonicalModelNames().sort());

  const anonymous = await fetchImpl(`${api}/videos`);
  expect(anonymous.status).toBe(401);
  expectErrorEnvelope(await anonymous.json());

  const unknown = await fetchImpl(`${api}/no-such-endpoint`, { headers: auth });
  expect(unknown.status).toBe(404);
  expectErrorEnvelope(await unknown.json());

  const wrongMethod = await fetchImpl(`${api}/images/generations`, { method: 'GET', headers: auth });
  expect(wrongMethod.status).toBe(405);
  expectErrorEnvelope(await wrongMethod.json());

  const badJson = await fetchImpl(`${api}/chat/completions`, { method: 'POST', headers: json, body: '{"model":' });
  expect(badJson.status).toBe(400);
  expectErrorEnvelope(await badJson.json());
}

export async function checkChat(api: string, fetchImpl: Fetch): Promise<void> {
  const plain = await fetchImpl(`${api}/chat/completions`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ model: 'sora_image', messages: [{ role: 'user', content: '画小猫' }] }),
  });
  expect(plain.status).toBe(200);
  const completion = (await plain.json()) as { choices: { message: { content: string } }[] };
  expectOpenAiShape('CreateChatCompletionResponse', completion);
  const [imageUrl] = markdownUrls(completion.choices[0].message.content);
  await expectImageUrl(fetchImpl, imageUrl);

  const streamed = await fetchImpl(`${api}/chat/completions`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ model: 'sora_image', stream: true, messages: [{ role: 'user', content: '画小猫' }] }),
  });
  expect(streamed.status).toBe(200);
  expect(streamed.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const data = sseData(await streamed.text());
  expect(data.at(-1)).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[] });
  for (const chunk of chunks) expectOpenAiShape('CreateChatCompletionStreamResponse', chunk);
  expect(chunks[0].choices[0].delta.role).toBe('assistant');
  expect(chunks.at(-1)?.choices[0].finish_reason).toBe('stop');
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  expect(markdownUrls(text).length).toBeGreaterThan(0);
}

export async function checkImages(api: string, fetchImpl: Fetch): Promise<void> {
  const generated = await fetchImpl(`${api}/images/generations`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ model: 'sora_image', prompt: '画小猫', n: 2, size: '1024x1536' }),
  });
  expect(generated.status).toBe(200);
  const images = (await generated.json()) as { data: { url: string }[] };
  expectOpenAiShape('ImagesResponse', images);
  expect(images.data).toHaveLength(2);
  const facts = await inspectMedia((await bytesOf(fetchImpl, images.data[0].url)).bytes);
  expect(facts).toMatchObject({ kind: 'image', width: 1024, height: 1536 });

  // The seed's own form: multipart with quoted values.
  const form = new FormData();
  form.append('prompt', '画小猫');
  form.append('model', 'sora_image');
  const multipart = await fetchImpl(`${api}/images/generations`, { method: 'POST', headers: auth, body: form });
  expect(multipart.status).toBe(200);
  expectOpenAiShape('ImagesResponse', await multipart.json());

  const edit = new FormData();
  edit.append('image[]', new Blob([readFileSync(FIXTURE_JPEG)], { type: 'image/jpeg' }), 'a.jpg');
  edit.append('image[]', new Blob([readFileSync(FIXTURE_PNG)], { type: 'image/png' }), 'b.png');
  edit.append('prompt', '换一个风格');
  edit.append('model', 'sora_image');
  const edited = await fetchImpl(`${api}/images/edits`, { method: 'POST', headers: auth, body: edit });
  expect(edited.status).toBe(200);
  const editedBody = (await edited.json()) as { data: { url: string }[] };
  expectOpenAiShape('ImagesResponse', editedBody);
  await expectImageUrl(fetchImpl, editedBody.data[0].url);

  const notAnImage = new FormData();
  notAnImage.append('image[]', new Blob(['GIF89a? not really'], { type: 'image/png' }), 'fake.png');
  notAnImage.append('prompt', 'x');
  notAnImage.append('model', 'sora_image');
  const rejected = await fetchImpl(`${api}/images/edits`, { method: 'POST', headers: auth, body: notAnImage });
  expect(rejected.status).toBe(400);
  expectErrorEnvelope(await rejected.json());
}

/** Requires a mock created with `instant: true`. Returns the id of the (deleted) video. */
export async function checkVideos(api: string, fetchImpl: Fetch): Promise<string> {
  const created = await fetchImpl(`${api}/videos`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ model: 'sora_video2', prompt: '画小猫' }),
  });
  expect(created.status).toBe(200);
  const video = (await created.json()) as { id: string; size: string; seconds: string };
  expectOpenAiShape('VideoResource', video);

  const got = await fetchImpl(`${api}/videos/${video.id}`, { headers: auth });
  const job = (await got.json()) as { status: string };
  expectOpenAiShape('VideoResource', job);
  expect(job.status).toBe('completed');

  const listed = await fetchImpl(`${api}/videos`, { headers: auth });
  const list = (await listed.json()) as { data: { id: string }[] };
  expectOpenAiShape('VideoListResource', list);
  expect(list.data.map((v) => v.id)).toContain(video.id);

  const { response: content, bytes: mp4 } = await bytesOf(fetchImpl, `${api}/videos/${video.id}/content`, { headers: auth });
  expect(content.status).toBe(200);
  expect(content.headers.get('content-type')).toMatch(/^video\/mp4/);
  const facts = (await inspectMedia(mp4)) as VideoFacts;
  expect(facts).toMatchObject({ kind: 'video', codec: 'h264', width: 720, height: 1280 });
  expect(facts.durationSeconds).toBeCloseTo(10, 1);

  // Browsers seek with Range requests; the slice must be exactly those bytes of the same file.
  const { response: partial, bytes: slice } = await bytesOf(fetchImpl, `${api}/videos/${video.id}/content`, {
    headers: { ...auth, range: 'bytes=100-199' },
  });
  expect(partial.status).toBe(206);
  expect(partial.headers.get('content-range')).toBe(`bytes 100-199/${mp4.length}`);
  expect(Buffer.from(slice).equals(Buffer.from(mp4.subarray(100, 200)))).toBe(true);

  const remixed = await fetchImpl(`${api}/videos/${video.id}/remix`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ prompt: '再加一只小狗', model: 'sora_video2' }),
  });
  expect(remixed.status).toBe(200);
  const remix = (await remixed.json()) as { remixed_from_video_id: string; size: string; seconds: string };
  expectOpenAiShape('VideoResource', remix);
  expect(remix).toMatchObject({ remixed_from_video_id: video.id, size: video.size, seconds: video.seconds });

  const deleted = await fetchImpl(`${api}/videos/${video.id}`, { method: 'DELETE', headers: auth });
  const deletedBody = await deleted.json();
  expectOpenAiShape('DeletedVideoResource', deletedBody);
  expect(deletedBody).toEqual({ id: video.id, object: 'video.deleted', deleted: true });
  expect((await fetchImpl(`${api}/videos/${video.id}`, { headers: auth })).status).toBe(404);
  return video.id;
}
