/**
 * The Vercel AI SDK against sora-kit's server, as an app that uses the SDK would call the platform:
 * `openai.chat(...)` for the chat models (the platform has no Responses API, which `openai(...)` uses),
 * `openai.image(...)` for images, and the mock's `imageResponseFormat: 'b64_json'` for the SDK's image
 * edit, which sends no `response_format` and reads `b64_json` (`sora-kit serve --image-response-format b64_json`).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { generateImage, streamText } from 'ai';
import { inspectMedia } from 'sora-kit/media';
import { createSoraServer } from 'sora-kit/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LINK = /\]\((https?:\/\/[^)]+)\)/;

async function started(options: Parameters<typeof createSoraServer>[0]) {
  const server = createSoraServer(options);
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, openai: createOpenAI({ apiKey: 'sk-sora-mock', baseURL: `${url}/sora/v1` }) };
}

const decoded = async (url: string) => inspectMedia(new Uint8Array(await (await fetch(url)).arrayBuffer()));

describe('the Vercel AI SDK against sora-kit', () => {
  // Speed 20: a 10 s video renders in 150 ms, so the video stream shows its progress without a long wait.
  let sora: Awaited<ReturnType<typeof started>>;
  beforeAll(async () => {
    sora = await started({ speed: 20, imageResponseFormat: 'b64_json' });
  });
  afterAll(() => sora.server.close());

  it('generates an image of the size asked for', async () => {
    const { image } = await generateImage({ model: sora.openai.image('sora_image'), prompt: 'a red fox', size: '1536x1024' });
    expect(await inspectMedia(image.uint8Array)).toMatchObject({ kind: 'image', format: 'png', width: 1536, height: 1024 });
  });

  it('edits an image: the answer takes the input image shape', async () => {
    const { image: input } = await generateImage({ model: sora.openai.image('sora_image'), prompt: 'a red fox', size: '1024x1536' });
    const { image } = await generateImage({ model: sora.openai.image('sora_image'), prompt: { text: 'as a watercolour', images: [input.uint8Array] } });
    expect(await inspectMedia(image.uint8Array)).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1536 });
  });

  it('streams a sora_image chat whose text links a PNG', async () => {
    const result = streamText({ model: sora.openai.chat('sora_image'), prompt: 'a red fox' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    const [, url] = LINK.exec(text) ?? [];
    expect(await decoded(url)).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1024 });
  });

  it("streams a video model's progress, then the link of the MP4 it names", async () => {
    const result = streamText({ model: sora.openai.chat('sora_video2-landscape'), prompt: 'a red fox' });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    const text = deltas.join('');
    expect(text).toContain('Progress: 100%');
    expect(deltas.filter((d) => d.includes('Progress:')).length).toBeGreaterThan(1);
    const [, url] = LINK.exec(text) ?? [];
    const video = await decoded(url);
    expect(video).toMatchObject({ kind: 'video', width: 1280, height: 720 });
    if (video.kind === 'video') expect(video.durationSeconds).toBeCloseTo(10, 0);
  });
});

describe('why the image edit needs the setting', () => {
  let sora: Awaited<ReturnType<typeof started>>;
  beforeAll(async () => {
    sora = await started({ instant: true }); // url answers, as the platform
  });
  afterAll(() => sora.server.close());

  it('against the default (url) the SDK finds no b64_json in the edit answer and fails', async () => {
    const { image: input } = await generateImage({ model: sora.openai.image('sora_image'), prompt: 'a red fox' }); // sends b64_json itself
    const edit = generateImage({ model: sora.openai.image('sora_image'), prompt: { text: 'as a watercolour', images: [input.uint8Array] } });
    await expect(edit).rejects.toThrow(/Invalid JSON response/);
    const [sent] = sora.server.mock.requests({ method: 'POST', path: '/sora/v1/images/edits' });
    const body = sent.request.body;
    const fields = body?.kind === 'form' ? body.fields.map((f) => f.name) : [];
    expect(fields).toContain('image');
    expect(fields).not.toContain('response_format');
  });
});
