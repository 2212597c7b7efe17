/**
 * The asynchronous video jobs: `POST /videos`, `GET /videos`, `GET|DELETE /videos/{video_id}`,
 * `POST /videos/{video_id}/remix`, `GET /videos/{video_id}/content`. The video object mirrors the
 * official VideoResource field for field (a test compares the required lists), with the platform's
 * durations: `seconds` is a string as in OpenAI's API.
 */
import { z } from 'zod';
import { ALL_VIDEO_SECONDS, type VideoSeconds } from '../model.js';
import { VIDEO_SIZES, type VideoSize } from '../rules.js';
import { PromptParam, SizeParam, UnixSeconds, UploadedFile, VIDEO_ID_MAX_LENGTH, WatermarkParam, modelField, requestExamples } from './common.js';

type NonEmpty<T> = readonly [T, ...T[]];

/** Every duration the platform renders (the model table: sora_video 5 s; sora_video2 10 s default, 15 s, 25 s), as text. */
export const VIDEO_SECONDS = ALL_VIDEO_SECONDS.map((s) => `${s}` as const) as unknown as NonEmpty<`${VideoSeconds}`>;

/**
 * `seconds` in a request: a string as the official SDK sends it, or the same number as JSON clients
 * write it. Whether it agrees with the model is the rules' business (the model wins).
 */
export const VideoSecondsParam = z
  .union([z.enum(VIDEO_SECONDS), z.literal(ALL_VIDEO_SECONDS)], { error: `one of ${VIDEO_SECONDS.map((s) => `'${s}'`).join(', ')}` })
  .meta({ description: 'Clip duration in seconds. The model options decide when they say otherwise.', examples: ['10'] });

export const VideoCreateRequest = z
  .object({
    prompt: PromptParam,
    model: modelField('video'),
    size: SizeParam.optional(),
    seconds: VideoSecondsParam.optional(),
    watermark: WatermarkParam,
    input_reference: UploadedFile.optional().meta({
      description: 'Optional reference image (multipart/form-data only) that guides generation.',
    }),
  })
  .meta({
    id: 'VideoCreateRequest',
    ...requestExamples([{ prompt: '画小猫', model: 'sora_video2' }, { prompt: 'a cat', model: 'sora_video2-landscape-hd', seconds: '15' }]),
  });

export const VideoRemixRequest = z
  .object({
    prompt: PromptParam,
    // The seed's remix example sends a model; the official API takes none. Accepted, and validated if given.
    model: modelField('video').optional(),
  })
  .meta({ id: 'VideoRemixRequest', ...requestExamples([{ prompt: '再加一只小狗', model: 'sora_video2' }]) });

export const VIDEO_LIST_LIMIT_MAX = 100;

export const VideoListQuery = z.object({
  after: z
    .string({ error: 'a video id string' })
    .min(1, { error: 'a video id' })
    .max(VIDEO_ID_MAX_LENGTH, { error: `a video id of at most ${VIDEO_ID_MAX_LENGTH} characters` })
    .optional()
    .meta({
    description: 'Identifier of the last item of the previous page.',
  }),
  limit: z
    .int({ error: `an integer from 1 to ${VIDEO_LIST_LIMIT_MAX}` })
    .min(1, { error: `an integer from 1 to ${VIDEO_LIST_LIMIT_MAX}` })
    .max(VIDEO_LIST_LIMIT_MAX, { error: `an integer from 1 to ${VIDEO_LIST_LIMIT_MAX}` })
    .default(20)
    .meta({ description: 'Number of videos to return.' }),
  order: z
    .enum(['asc', 'desc'], { error: "one of 'asc', 'desc'" })
    .default('desc')
    .meta({ description: 'Sort order by creation time.' }),
});

export const VideoContentVariant = z
  .enum(['video', 'thumbnail', 'spritesheet'], { error: "one of 'video', 'thumbnail', 'spritesheet'" })
  .meta({ id: 'VideoContentVariant', description: 'video: MP4 (video/mp4); thumbnail: WebP (image/webp); spritesheet: JPEG (image/jpeg).' });

export const VideoContentQuery = z.object({ variant: VideoContentVariant.default('video') });

export const VideoIdParams = z.object({
  video_id: z
    .string()
    .min(1)
    .max(VIDEO_ID_MAX_LENGTH, { error: `a video id of at most ${VIDEO_ID_MAX_LENGTH} characters` })
    .meta({ description: 'The identifier of the video.', examples: ['video_123'] }),
});

export const VideoStatus = z.enum(['queued', 'in_progress', 'completed', 'failed']).meta({ id: 'VideoStatus' });

/** The sizes the rules produce (VIDEO_SIZES in rules.ts). */
export const VideoSizeEnum = z
  .enum(Object.values(VIDEO_SIZES).flatMap((byOrientation) => Object.values(byOrientation).map((s) => s.size)) as unknown as NonEmpty<VideoSize>)
  .meta({ id: 'VideoSize' });

export const VideoError = z
  .object({ code: z.string(), message: z.string() })
  .meta({ id: 'VideoError', description: 'Why generation failed.' });

export const VideoResource = z
  .object({
    id: z.string(),
    object: z.literal('video'),
    model: z.string().meta({ description: 'The model name of the request, in canonical spelling.' }),
    status: VideoStatus,
    progress: z.int().min(0).max(100),
    created_at: UnixSeconds,
    completed_at: UnixSeconds.nullable(),
    expires_at: UnixSeconds.nullable(),
    prompt: z.string().nullable(),
    size: VideoSizeEnum,
    seconds: z.enum(VIDEO_SECONDS),
    remixed_from_video_id: z.string().nullable(),
    error: VideoError.nullable(),
  })
  .meta({
    id: 'VideoResource',
    examples: [
      {
        id: 'video_0123456789abcdef',
        object: 'video',
        model: 'sora_video2',
        status: 'completed',
        progress: 100,
        created_at: 1735689600,
        completed_at: 1735689612,
        expires_at: 1735776000,
        prompt: '画小猫',
        size: '720x1280',
        seconds: '10',
        remixed_from_video_id: null,
        error: null,
      },
    ],
  });

export const VideoListResource = z
  .object({
    object: z.literal('list'),
    data: z.array(VideoResource),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  })
  .meta({ id: 'VideoListResource' });

export const DeletedVideoResource = z
  .object({ id: z.string(), object: z.literal('video.deleted'), deleted: z.literal(true) })
  .meta({ id: 'DeletedVideoResource' });

export type VideoSecondsValue = (typeof VIDEO_SECONDS)[number];
export type VideoCreateRequest = z.infer<typeof VideoCreateRequest>;
export type VideoRemixRequest = z.infer<typeof VideoRemixRequest>;
export type VideoListQuery = z.infer<typeof VideoListQuery>;
export type VideoContentVariant = z.infer<typeof VideoContentVariant>;
export type VideoContentQuery = z.infer<typeof VideoContentQuery>;
export type VideoStatus = z.infer<typeof VideoStatus>;
export type VideoError = z.infer<typeof VideoError>;
export type VideoResource = z.infer<typeof VideoResource>;
export type VideoListResource = z.infer<typeof VideoListResource>;
export type DeletedVideoResource = z.infer<typeof DeletedVideoResource>;
