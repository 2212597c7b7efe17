/**
 * Every endpoint of /sora/v1 through the official `openai` SDK against the standalone server, with the
 * downloaded media judged by sora-kit's inspection and by ffprobe.
 */
import { readFileSync } from 'node:fs';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectMedia, type VideoFacts } from '../../src/media/index.js';
import { VIDEO_FPS } from '../../src/spec/rules.js';
import { ffmpegDecodeErrors, ffprobe, rational, toTempFile } from '../helpers/ffmpeg.js';
import { expectOpenAiShape, FIXTURE_JPEG, FIXTURE_PNG, LICENCE, markdownUrls, serve, type Served } from './support.js';

let served: Served;
let client: OpenAI;

beforeAll(async () => {
  served = await serve({ instant: true });
  client = new OpenAI({ apiKey: LICENCE, baseURL: served.api, maxRetries: 0 });
});
afterAll(() => served.server.close());

async function download(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  expect(response.status, url).toBe(200);
  return new Uint8Array(await response.arrayBuffer());
}

async function expectPng(bytes: Uint8Array, size?: { width: number; height: number }) {
  const facts = await inspectMedia(bytes);
  expect(facts).toMatchObject({ kind: 'image', mime: 'image/png' });
  if (size) expect(facts).toMatchObject(size);
  const probe = await ffprobe(toTempFile(bytes, `image-${facts.width}x${facts.height}.png`));
  expect(probe.streams[0]).toMatchObject({ codec_name: 'png', width: facts.width, height: facts.height });
}

async function expectMp4(bytes: Uint8Array, expected: { width: number; height: number; seconds: number }) {
  const facts = (await inspectMedia(bytes)) as VideoFacts;
  expect(facts).toMatchObject({ kind: 'video', codec: 'h264', width: expected.width, height: expected.height });
  expect(facts.durationSeconds).toBeCloseTo(expected.seconds, 1);
  expect(facts.frameRate).toBeCloseTo(VIDEO_FPS, 3);
  const path = toTempFile(bytes, `video-${expected.width}x${expected.height}-${expected.seconds}.mp4`);
  const probe = await ffprobe(path);
  const video = probe.streams.find((s) => s.codec_type === 'video');
  expect(video).toMatchObject({ codec_name: 'h264', width: expected.width, height: expected.height });
  expect(rational(video?.avg_frame_rate)).toBeCloseTo(VIDEO_FPS, 3);
  expect(Number(probe.format.duration)).toBeCloseTo(expected.seconds, 1);
  expect(await ffmpegDecodeErrors(path)).toBe('');
}

describe('chat completions through the OpenAI SDK', () => {
  it('answers sora_image with markdown links to real PNGs (non-stream)', async () => {
    const completion = await client.chat.completions.create({
      model: 'sora_image',
      messages: [{ role: 'user', content: '画小猫' }],
    });
    expectOpenAiShape('CreateChatCompletionResponse', completion);
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0].finish_reason).toBe('stop');
    const urls = markdownUrls(completion.choices[0].message.content ?? '');
    expect(urls).toHaveLength(1);
    await expectPng(await download(urls[0]));
  });

  it('streams sora_image with OpenAI framing, usage on request, and n images', async () => {
    const stream = await client.chat.completions.create({
      model: 'sora_image',
      messages: [{ role: 'user', content: '画两只小猫' }],
      stream: true,
      stream_options: { include_usage: true },
      n: 2,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    for (const chunk of chunks) expectOpenAiShape('CreateChatCompletionStreamResponse', chunk);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const withChoices = chunks.filter((c) => c.choices.length > 0);
    expect(withChoices.at(-1)?.choices[0].finish_reason).toBe('stop');
    const usage = chunks.at(-1);
    expect(usage?.choices).toEqual([]);
    expect(usage?.usage?.total_tokens).toBeGreaterThan(0);
    const text = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
    const urls = markdownUrls(text);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls.slice(0, 2)) await expectPng(await download(url));
  });

  it('makes a real video job from a video model and links its MP4 (stream)', async () => {
    const before = new Set((await client.videos.list()).data.map((v) => v.id));
    const stream = await client.chat.completions.create({
      model: 'sora_video2-landscape',
      messages: [{ role: 'user', content: '一只小猫在草地上奔跑' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const created = (await client.videos.list()).data.filter((v) => !before.has(v.id));
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ status: 'completed', size: '1280x720', seconds: '10' });
    expect(text).toContain(created[0].id);
    const mp4 = markdownUrls(text).find((u) => !u.endsWith('.png') && !u.includes('thumbnail'));
    expect(mp4).toBeDefined();
    await expectMp4(await download(mp4 as string), { width: 1280, height: 720, seconds: 10 });
  });
});

describe('images through the OpenAI SDK', () => {
  it('generates n images as URLs at the size asked for', async () => {
    const response = await client.images.generate({ model: 'sora_image', prompt: '画小猫', n: 2, size: '1536x1024' });
    expectOpenAiShape('ImagesResponse', response);
    expect(response.data).toHaveLength(2);
    const [a, b] = await Promise.all((response.data ?? []).map((d) => download(d.url as string)));
    await expectPng(a, { width: 1536, height: 1024 });
    await expectPng(b, { width: 1536, height: 1024 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('returns b64_json when asked', async () => {
    const response = await client.images.generate({ model: 'sora_image', prompt: '画小猫', response_format: 'b64_json' });
    expectOpenAiShape('ImagesResponse', response);
    const b64 = response.data?.[0].b64_json;
    expect(typeof b64).toBe('string');
    await expectPng(Buffer.from(b64 as string, 'base64'));
  });

  it('edits two uploaded images', async () => {
    const response = await client.images.edit({
      model: 'sora_image',
      prompt: '换一个风格',
      image: [
        await toFile(readFileSync(FIXTURE_JPEG), 'example.jpg', { type: 'image/jpeg' }),
        await toFile(readFileSync(FIXTURE_PNG), 'example.png', { type: 'image/png' }),
      ],
    });
    expectOpenAiShape('ImagesResponse', response);
    expect(response.data).toHaveLength(1);
    await expectPng(await download(response.data?.[0].url as string));
  });
});

describe('videos through the OpenAI SDK', () => {
  it('creates, retrieves, lists, remixes, downloads every variant and deletes', async () => {
    const video = await client.videos.create({ model: 'sora_video2', prompt: '画小猫' });
    expectOpenAiShape('VideoResource', video);
    expect(video).toMatchObject({ object: 'video', model: 'sora_video2', size: '720x1280', seconds: '10' });

    const retrieved = await client.videos.retrieve(video.id);
    expectOpenAiShape('VideoResource', retrieved);
    expect(retrieved).toMatchObject({ id: video.id, status: 'completed', progress: 100 });
    expect(retrieved.completed_at).toBeGreaterThanOrEqual(retrieved.created_at);
    expect(retrieved.expires_at).toBeGreaterThan(retrieved.completed_at as number);

    const page = await client.videos.list();
    expect(page.data.map((v) => v.id)).toContain(video.id);
    expectOpenAiShape('VideoListResource', await (await client.videos.list().asResponse()).json());

    const mp4 = new Uint8Array(await (await client.videos.downloadContent(video.id)).arrayBuffer());
    await expectMp4(mp4, { width: 720, height: 1280, seconds: 10 });
    const thumbnail = await client.videos.downloadContent(video.id, { variant: 'thumbnail' });
    expect(thumbnail.headers.get('content-type')).toMatch(/^image\/webp/);
    expect(await inspectMedia(new Uint8Array(await thumbnail.arrayBuffer()))).toMatchObject({ kind: 'image', format: 'webp' });
    const sprites = await client.videos.downloadContent(video.id, { variant: 'spritesheet' });
    expect(sprites.headers.get('content-type')).toMatch(/^image\/jpeg/);
    expect(await inspectMedia(new Uint8Array(await sprites.arrayBuffer()))).toMatchObject({ kind: 'image', format: 'jpeg' });

    const remix = await client.videos.remix(video.id, { prompt: '再加一只小狗' });
    expectOpenAiShape('VideoResource', remix);
    expect(remix).toMatchObject({ remixed_from_video_id: video.id, size: video.size, seconds: video.seconds });
    expect(remix.id).not.toBe(video.id);

    const deleted = await client.videos.delete(video.id);
    expectOpenAiShape('DeletedVideoResource', deleted);
    expect(deleted).toEqual({ id: video.id, object: 'video.deleted', deleted: true });
    await expect(client.videos.retrieve(video.id)).rejects.toMatchObject({ status: 404 });
  });

  it('reports SDK-visible errors with the OpenAI envelope', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-not-a-licence', baseURL: served.api, maxRetries: 0 });
    await expect(wrong.videos.list()).rejects.toMatchObject({ status: 401, error: { message: expect.any(String) } });
    await expect(client.videos.create({ model: 'sora_video3', prompt: 'x' })).rejects.toMatchObject({
      status: 400,
      error: { message: expect.stringContaining('sora_video3') },
    });
  });
});
