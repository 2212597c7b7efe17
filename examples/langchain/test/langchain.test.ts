/**
 * LangChain JS against sora-kit's server: `ChatOpenAI` for the chat models (it calls
 * `/chat/completions`; the platform has no Responses API, so leave `useResponsesApi` off) and
 * `DallEAPIWrapper` for `/images/generations`, each pointed at the platform's base URL.
 */
import { ChatOpenAI, DallEAPIWrapper } from '@langchain/openai';
import { inspectMedia } from 'sora-kit/media';
import { createSoraServer } from 'sora-kit/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LICENCE = 'sk-sora-mock';
const LINK = /\]\((https?:\/\/[^)]+)\)/;
// Speed 20: a 10 s video renders in 150 ms, so the video stream shows its progress without a long wait.
const server = createSoraServer({ speed: 20 });
let baseURL = '';
beforeAll(async () => {
  baseURL = `${(await server.listen({ port: 0, host: '127.0.0.1' })).url}/sora/v1`;
});
afterAll(() => server.close());

const chat = (model: string) => new ChatOpenAI({ model, apiKey: LICENCE, configuration: { baseURL } });
const decoded = async (url: string) => inspectMedia(new Uint8Array(await (await fetch(url)).arrayBuffer()));
const textOf = (content: unknown) => (typeof content === 'string' ? content : JSON.stringify(content));

describe('LangChain JS against sora-kit', () => {
  it('generates an image with DallEAPIWrapper (a URL by default, base64 when asked)', async () => {
    const images = new DallEAPIWrapper({ model: 'sora_image', apiKey: LICENCE, baseUrl: baseURL });
    const url = await images.invoke('a red fox');
    expect(await decoded(url)).toMatchObject({ kind: 'image', format: 'png', width: 1024, height: 1024 });
    const b64 = new DallEAPIWrapper({ model: 'sora_image', apiKey: LICENCE, baseUrl: baseURL, dallEResponseFormat: 'b64_json', size: '1792x1024' });
    // The platform's landscape image is 3:2 (1536x1024) whatever wider size is asked.
    const bytes = new Uint8Array(Buffer.from(await b64.invoke('a red fox'), 'base64'));
    expect(await inspectMedia(bytes)).toMatchObject({ kind: 'image', format: 'png', width: 1536, height: 1024 });
  });

  it('answers a sora_image chat with a link to a PNG', async () => {
    const message = await chat('sora_image').invoke('a red fox');
    const [, url] = LINK.exec(textOf(message.content)) ?? [];
    expect(await decoded(url)).toMatchObject({ kind: 'image', format: 'png' });
  });

  it("streams a video model's progress, then the link of the MP4 it names", async () => {
    const chunks: string[] = [];
    for await (const chunk of await chat('sora_video2-portrait-15s').stream('a red fox')) chunks.push(textOf(chunk.content));
    const text = chunks.join('');
    expect(text).toContain('Progress: 100%');
    expect(chunks.filter((c) => c.includes('Progress:')).length).toBeGreaterThan(1);
    const [, url] = LINK.exec(text) ?? [];
    const video = await decoded(url);
    expect(video).toMatchObject({ kind: 'video', width: 720, height: 1280 });
    if (video.kind === 'video') expect(video.durationSeconds).toBeCloseTo(15, 0);
  });
});
