import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allCanonicalModelNames, isVideoModel, parseModelName } from '../../../src/spec/model.js';
import {
  ChatCompletion,
  ChatCompletionChunk,
  DeletedVideoResource,
  ImagesResponse,
  VIDEO_SECONDS,
  VideoListResource,
  VideoResource,
  VideoSizeEnum,
  VideoStatus,
} from '../../../src/spec/schemas/index.js';
import { officialDocument, officialErrors } from './official.js';

/** Parse with our schema (it must accept the sample), then hand back what our schema outputs. */
function ours<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  return parsed.data as z.output<T>;
}

function requiredKeys(schema: z.ZodType): string[] {
  // An empty registry keeps the schema inline instead of a $ref to its component id.
  const json = z.toJSONSchema(schema, { io: 'output', metadata: z.registry() }) as { required?: string[] };
  return [...(json.required ?? [])].sort();
}

const VIDEO_MODELS = allCanonicalModelNames().filter((name) => {
  const parsed = parseModelName(name);
  return parsed.ok && isVideoModel(parsed.model);
});

const T0 = 1_735_689_600;

function video(overrides: Partial<VideoResource> = {}): VideoResource {
  return {
    id: 'video_0001',
    object: 'video',
    model: 'sora_video2',
    status: 'queued',
    progress: 0,
    created_at: T0,
    completed_at: null,
    expires_at: null,
    prompt: '画小猫',
    size: '720x1280',
    seconds: '10',
    remixed_from_video_id: null,
    error: null,
    ...overrides,
  };
}

const SAMPLE_VIDEOS: Record<string, VideoResource> = {
  queued: video(),
  in_progress: video({ status: 'in_progress', progress: 42 }),
  completed: video({
    status: 'completed',
    progress: 100,
    completed_at: T0 + 12,
    expires_at: T0 + 86_400,
    model: 'sora_video2-landscape-hd-25s-pro',
    size: '1792x1024',
    seconds: '25',
  }),
  failed: video({
    status: 'failed',
    progress: 37,
    error: { code: 'moderation_blocked', message: 'The prompt was blocked by moderation.' },
  }),
  remix: video({ id: 'video_0002', remixed_from_video_id: 'video_0001', model: 'sora_video', seconds: '5' }),
};

describe('our schemas against the official OpenAI shapes', () => {
  it.each(Object.entries(SAMPLE_VIDEOS))('a %s video validates as VideoResource', (_, sample) => {
    expect(officialErrors('VideoResource', ours(VideoResource, sample))).toEqual([]);
  });

  it('a video list and a deleted video validate', () => {
    const list = ours(VideoListResource, {
      object: 'list',
      data: Object.values(SAMPLE_VIDEOS),
      first_id: 'video_0001',
      last_id: 'video_0002',
      has_more: false,
    });
    expect(officialErrors('VideoListResource', list)).toEqual([]);
    const empty = ours(VideoListResource, { object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    expect(officialErrors('VideoListResource', empty)).toEqual([]);
    const deleted = ours(DeletedVideoResource, { id: 'video_0001', object: 'video.deleted', deleted: true });
    expect(officialErrors('DeletedVideoResource', deleted)).toEqual([]);
  });

  it('ImagesResponse with url and with b64_json validates', () => {
    const withUrl = ours(ImagesResponse, {
      created: T0,
      data: [{ url: 'http://127.0.0.1:4010/media/a.png' }, { url: 'http://127.0.0.1:4010/media/b.png' }],
      size: '1536x1024',
      output_format: 'png',
    });
    expect(officialErrors('ImagesResponse', withUrl)).toEqual([]);
    const withB64 = ours(ImagesResponse, { created: T0, data: [{ b64_json: 'iVBORw0KGgo=' }], size: '1024x1536' });
    expect(officialErrors('ImagesResponse', withB64)).toEqual([]);
  });

  it('a chat.completion validates as CreateChatCompletionResponse', () => {
    const completion = ours(ChatCompletion, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: T0,
      model: 'sora_image',
      choices: [
        { index: 0, message: { role: 'assistant', content: '![image](http://127.0.0.1:4010/media/a.png)', refusal: null }, finish_reason: 'stop', logprobs: null },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 12, total_tokens: 15 },
    });
    expect(officialErrors('CreateChatCompletionResponse', completion)).toEqual([]);
  });

  it('every stream chunk, the usage chunk included, validates as CreateChatCompletionStreamResponse', () => {
    const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: T0, model: 'sora_video2' };
    const chunks = [
      { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: { content: 'progress 40%\n' }, finish_reason: null, logprobs: null }], usage: null },
      { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
      { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 30, total_tokens: 33 } },
      { ...base, choices: [{ index: 0, delta: { content: 'no usage requested' }, finish_reason: null }] },
    ];
    for (const chunk of chunks) {
      expect(officialErrors('CreateChatCompletionStreamResponse', ours(ChatCompletionChunk, chunk))).toEqual([]);
    }
  });

  it('the official schemas would catch a drifted object (the check is not vacuous)', () => {
    const { seconds: _seconds, ...withoutSeconds } = SAMPLE_VIDEOS.completed;
    expect(officialErrors('VideoResource', withoutSeconds)).not.toEqual([]);
    expect(officialErrors('VideoResource', { ...SAMPLE_VIDEOS.completed, seconds: 10 })).not.toEqual([]);
    expect(officialErrors('VideoResource', { ...SAMPLE_VIDEOS.completed, size: '1024x1024' })).not.toEqual([]);
  });

  it.each([
    ['VideoResource', VideoResource],
    ['VideoListResource', VideoListResource],
    ['DeletedVideoResource', DeletedVideoResource],
  ] as const)('%s: our required keys equal the official list, and every key of ours is an official one', (name, schema) => {
    const official = officialDocument.components.schemas[name];
    expect(requiredKeys(schema)).toEqual([...(official.required ?? [])].sort());
    expect(Object.keys(official.properties ?? {})).toEqual(expect.arrayContaining(Object.keys(schema.shape)));
  });

  it('our video sizes are exactly the official VideoSize values', () => {
    const official = officialDocument.components.schemas.VideoSize as { enum: string[] };
    expect([...VideoSizeEnum.options].sort()).toEqual([...official.enum].sort());
  });

  it('many generated video objects from our domain validate against the official VideoResource', () => {
    const timestamp = fc.integer({ min: 0, max: 4_102_444_800 });
    const arbitraryVideo = fc
      .record({
        id: fc.stringMatching(/^video_[0-9a-f]{8,32}$/),
        model: fc.constantFrom(...VIDEO_MODELS),
        status: fc.constantFrom(...VideoStatus.options),
        progress: fc.integer({ min: 0, max: 100 }),
        created_at: timestamp,
        finished: fc.option(timestamp, { nil: null }),
        expires: fc.option(timestamp, { nil: null }),
        prompt: fc.option(fc.string({ unit: 'grapheme', maxLength: 200 }), { nil: null }),
        size: fc.constantFrom(...VideoSizeEnum.options),
        seconds: fc.constantFrom(...VIDEO_SECONDS),
        remixed_from_video_id: fc.option(fc.stringMatching(/^video_[0-9a-f]{8}$/), { nil: null }),
        error: fc.option(fc.record({ code: fc.string({ minLength: 1 }), message: fc.string() }), { nil: null }),
      })
      .map(({ finished, expires, ...rest }) => ({ ...rest, object: 'video' as const, completed_at: finished, expires_at: expires }));
    fc.assert(
      fc.property(arbitraryVideo, (candidate) => {
        expect(officialErrors('VideoResource', ours(VideoResource, candidate))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
