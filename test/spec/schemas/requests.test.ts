import { parseModelName } from '../../../src/spec/model.js';
import { describe, expect, it } from 'vitest';
import { IMAGE_SIZES, VIDEO_SIZES } from '../../../src/spec/rules.js';
import {
  ChatCompletionRequest,
  ImageEditRequest,
  ImageGenerationRequest,
  ImageSizeEnum,
  VideoContentQuery,
  VideoCreateRequest,
  VideoListQuery,
  VideoRemixRequest,
  VideoSizeEnum,
  imageEditFromForm,
  imageGenerationFromForm,
  videoContentQueryFromParams,
  videoCreateFromForm,
  videoListQueryFromParams,
  videoRemixFromForm,
  zodIssueToError,
} from '../../../src/spec/schemas/index.js';
import type { z } from 'zod';

/** What a model field parses into: the name as sent and its options (parse, don't validate). */
function choice(name: string) {
  const parsed = parseModelName(name);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { name, spec: parsed.model };
}

const PNG = new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], 'cat.png', { type: 'image/png' });
const JPG = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'dog.jpg', { type: 'image/jpeg' });

/** The param of the one error a body gets, or 'ok'. */
function verdict(schema: z.ZodType, body: unknown): string | null {
  const parsed = schema.safeParse(body);
  return parsed.success ? 'ok' : zodIssueToError(parsed.error.issues, body).error.param;
}

function form(entries: Array<[string, string | File]>): FormData {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
}

describe('chat completion bodies', () => {
  const user = (content: unknown) => ({ model: 'sora_image', messages: [{ role: 'user', content }] });

  it('accepts the seed examples and fills the platform defaults', () => {
    const parsed = ChatCompletionRequest.parse({ ...user('画小猫'), stream: true });
    expect(parsed).toMatchObject({ stream: true, n: 1, watermark: false });
    expect(
      verdict(
        ChatCompletionRequest,
        user([
          { type: 'text', text: '根据图片换个风格' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ]),
      ),
    ).toBe('ok');
  });

  it('tolerates and keeps unknown OpenAI fields (temperature etc.)', () => {
    const parsed = ChatCompletionRequest.parse({ ...user('hi'), temperature: 0.2, max_tokens: 10, user: 'u1' });
    expect(parsed).toMatchObject({ temperature: 0.2, max_tokens: 10 });
  });

  it('takes any model of the grammar, and the platform size, n and watermark', () => {
    const body = { ...user('a cat'), model: 'sora_video2-hd-landscape-15s', size: '1280x720', n: 2, watermark: true, stream_options: { include_usage: true } };
    expect(verdict(ChatCompletionRequest, body)).toBe('ok');
  });

  it.each([
    ['image url of another scheme', user([{ type: 'image_url', image_url: { url: 'ftp://x/a.png' } }]), 'messages.0.content.0.image_url.url'],
    ['data URI that is not base64 image', user([{ type: 'image_url', image_url: { url: 'data:text/plain,hello' } }]), 'messages.0.content.0.image_url.url'],
    ['unknown part type', user([{ type: 'audio', audio: {} }]), 'messages.0.content.0.type'],
    ['content of the wrong type', user(42), 'messages.0.content'],
    ['empty messages', { model: 'sora_image', messages: [] }, 'messages'],
    ['stream not a boolean', { ...user('x'), stream: 'yes' }, 'stream'],
    ['n out of range', { ...user('x'), n: 5 }, 'n'],
    ['size with a zero', { ...user('x'), size: '0x720' }, 'size'],
    ['unknown model', { ...user('x'), model: 'sora_video3' }, 'model'],
    ['missing model', { messages: [{ role: 'user', content: 'x' }] }, 'model'],
    ['unknown role', { model: 'sora_image', messages: [{ role: 'robot', content: 'x' }] }, 'messages.0.role'],
  ])('rejects %s at its path', (_, body, param) => {
    expect(verdict(ChatCompletionRequest, body)).toBe(param);
  });
});

describe('image bodies', () => {
  it('JSON generation: defaults, and only sora_image', () => {
    // response_format stays unset when not sent: the mock's imageResponseFormat decides (url unless configured).
    expect(ImageGenerationRequest.parse({ prompt: 'a cat', model: 'sora_image' })).toEqual({
      prompt: 'a cat',
      model: choice('sora_image'),
      n: 1,
    });
    expect(verdict(ImageGenerationRequest, { prompt: 'a cat', model: 'sora_video2' })).toBe('model');
    expect(verdict(ImageGenerationRequest, { prompt: 'a cat', model: 'sora_image', response_format: 'png' })).toBe('response_format');
    expect(verdict(ImageGenerationRequest, { prompt: '', model: 'sora_image' })).toBe('prompt');
  });

  it.each(['1024x1024', '1x8192', '1536x1024'])('size %s is well formed', (size) => {
    expect(verdict(ImageGenerationRequest, { prompt: 'p', model: 'sora_image', size })).toBe('ok');
  });

  it.each(['0x0', '1024', '1024X1024', '1024x', ' 1024x1024', '-1x5', '1.5x2', '16385x1'])('size %j is rejected', (size) => {
    expect(verdict(ImageGenerationRequest, { prompt: 'p', model: 'sora_image', size })).toBe('size');
  });

  it.each([0, 5, 2.5, '2'])('n = %j is rejected in JSON', (n) => {
    expect(verdict(ImageGenerationRequest, { prompt: 'p', model: 'sora_image', n })).toBe('n');
  });

  it("multipart generation as the seed's curl sends it validates with the same schema", () => {
    const body = imageGenerationFromForm(form([['prompt', '画小猫'], ['model', 'sora_image'], ['n', '3'], ['size', '1024x1536']]));
    expect(body).toEqual({ prompt: '画小猫', model: 'sora_image', n: 3, size: '1024x1536' });
    expect(ImageGenerationRequest.parse(body).n).toBe(3);
  });

  it('a form value that is not a number stays a string so the schema names it', () => {
    const body = imageGenerationFromForm(form([['prompt', 'p'], ['model', 'sora_image'], ['n', 'two']]));
    expect(body.n).toBe('two');
    expect(verdict(ImageGenerationRequest, body)).toBe('n');
  });

  it('a repeated scalar field is reported, not silently resolved', () => {
    const body = imageGenerationFromForm(form([['prompt', 'a'], ['prompt', 'b'], ['model', 'sora_image']]));
    expect(body.prompt).toEqual(['a', 'b']);
    expect(verdict(ImageGenerationRequest, body)).toBe('prompt');
  });

  it('edits collect image[] and image files, in order', () => {
    const body = imageEditFromForm(form([['image[]', PNG], ['prompt', '换一个风格'], ['image', JPG], ['model', 'sora_image']]));
    const parsed = ImageEditRequest.parse(body);
    expect(parsed.image.map((f) => f.name)).toEqual(['cat.png', 'dog.jpg']);
    expect(parsed.prompt).toBe('换一个风格');
  });

  it('edits parsed by Request.formData(), as a Fetch-based server receives them, validate', async () => {
    const sent = form([['image[]', PNG], ['image[]', JPG], ['prompt', 'p'], ['model', 'sora_image'], ['response_format', 'b64_json']]);
    const received = await new Request('http://127.0.0.1/sora/v1/images/edits', { method: 'POST', body: sent }).formData();
    const parsed = ImageEditRequest.parse(imageEditFromForm(received));
    expect(parsed.image.map((f) => [f.name, f.size])).toEqual([['cat.png', 4], ['dog.jpg', 3]]);
    expect(parsed.response_format).toBe('b64_json');
  });

  it('edits without a file, or with text where a file belongs, are rejected at image', () => {
    expect(verdict(ImageEditRequest, imageEditFromForm(form([['prompt', 'p'], ['model', 'sora_image']])))).toBe('image');
    expect(verdict(ImageEditRequest, imageEditFromForm(form([['image[]', 'not a file'], ['prompt', 'p'], ['model', 'sora_image']])))).toBe('image.0');
  });
});

describe('video bodies and queries', () => {
  it('JSON create: video models only, seconds as string or number, watermark default false', () => {
    expect(VideoCreateRequest.parse({ prompt: 'p', model: 'sora_video2' })).toEqual({ prompt: 'p', model: choice('sora_video2'), watermark: false });
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_video2-15s', seconds: '15' })).toBe('ok');
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_video', seconds: 5 })).toBe('ok');
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_image' })).toBe('model');
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_video2', seconds: '12' })).toBe('seconds');
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_video2', watermark: 'no' })).toBe('watermark');
    expect(verdict(VideoCreateRequest, { prompt: 'p', model: 'sora_video2', input_reference: 'https://x/a.png' })).toBe('input_reference');
  });

  it('multipart create as the SDK sends it, with input_reference', () => {
    const body = videoCreateFromForm(
      form([['prompt', 'p'], ['model', 'sora_video2-landscape'], ['seconds', '10'], ['size', '1280x720'], ['watermark', 'true'], ['input_reference', PNG]]),
    );
    const parsed = VideoCreateRequest.parse(body);
    expect(parsed).toMatchObject({ seconds: '10', size: '1280x720', watermark: true });
    expect(parsed.input_reference?.name).toBe('cat.png');
    expect(verdict(VideoCreateRequest, videoCreateFromForm(form([['prompt', 'p'], ['model', 'sora_video2'], ['watermark', 'maybe']])))).toBe('watermark');
  });

  it('remix: prompt required, model optional but validated', () => {
    expect(verdict(VideoRemixRequest, { prompt: '再加一只小狗' })).toBe('ok');
    expect(verdict(VideoRemixRequest, { prompt: '再加一只小狗', model: 'sora_video2' })).toBe('ok');
    expect(verdict(VideoRemixRequest, { prompt: 'x', model: 'sora_video2-hd-hd' })).toBe('model');
    expect(verdict(VideoRemixRequest, videoRemixFromForm(form([['model', 'sora_video2']])))).toBe('prompt');
  });

  it('list query: limit 1..100 from the query string, order asc|desc, defaults', () => {
    expect(VideoListQuery.parse(videoListQueryFromParams(new URLSearchParams('')))).toEqual({ limit: 20, order: 'desc' });
    expect(VideoListQuery.parse(videoListQueryFromParams(new URLSearchParams('after=video_1&limit=100&order=asc')))).toEqual({
      after: 'video_1',
      limit: 100,
      order: 'asc',
    });
    for (const bad of ['limit=0', 'limit=101', 'limit=ten', 'limit=2.5']) {
      expect(verdict(VideoListQuery, videoListQueryFromParams(new URLSearchParams(bad)))).toBe('limit');
    }
    expect(verdict(VideoListQuery, videoListQueryFromParams(new URLSearchParams('order=newest')))).toBe('order');
  });

  it('content query: variant video|thumbnail|spritesheet, default video', () => {
    expect(VideoContentQuery.parse(videoContentQueryFromParams(new URLSearchParams('')))).toEqual({ variant: 'video' });
    expect(VideoContentQuery.parse(videoContentQueryFromParams(new URLSearchParams('variant=spritesheet'))).variant).toBe('spritesheet');
    expect(verdict(VideoContentQuery, videoContentQueryFromParams(new URLSearchParams('variant=poster')))).toBe('variant');
  });
});

describe('response enums follow the rules', () => {
  it('image and video sizes are exactly the sizes the rules produce', () => {
    expect([...ImageSizeEnum.options].sort()).toEqual(Object.values(IMAGE_SIZES).map((s) => s.size).sort());
    const videoSizes = Object.values(VIDEO_SIZES).flatMap((byOrientation) => Object.values(byOrientation).map((s) => s.size));
    expect([...VideoSizeEnum.options].sort()).toEqual(videoSizes.sort());
  });
});
