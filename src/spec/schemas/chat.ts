/**
 * `POST /chat/completions`: OpenAI's body plus the platform's `size`, `n` and `watermark`, and the
 * `chat.completion` / `chat.completion.chunk` responses. Request objects are loose on purpose:
 * OpenAI clients send `temperature`, `user`, `max_tokens` and friends, which the platform ignores.
 */
import { z } from 'zod';
import { NParam, SizeParam, UnixSeconds, WatermarkParam, modelField, requestExamples } from './common.js';

const HTTP_URL = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
/** Only base64 data URIs: the seed says "url或者base64", and a percent-encoded image is not an image input anyone sends. */
const DATA_IMAGE_URI = /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+={0,2}$/i;

export const ImageUrlString = z
  .string({ error: 'an http(s) URL or a base64 data URI string' })
  .refine((url) => HTTP_URL.test(url) || DATA_IMAGE_URI.test(url), {
    error: "an http(s) URL or a base64 data URI 'data:image/<type>;base64,<data>'",
  })
  .meta({ description: 'An http(s) URL or a base64 data URI of the input image.', examples: ['https://example.com/cat.png'] });

export const ChatTextPart = z.looseObject({
  type: z.literal('text'),
  text: z.string({ error: 'a string' }),
});

export const ChatImagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({
    url: ImageUrlString,
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});

export const ChatContentPart = z.discriminatedUnion('type', [ChatTextPart, ChatImagePart]);

export const ChatMessage = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  // Assistant turns replayed by clients may carry `content: null` (with tool calls); only user text matters here.
  content: z
    .union([z.string(), z.array(ChatContentPart).min(1, { error: 'at least one content part' })], {
      error: "a string or an array of content parts ({type:'text'} or {type:'image_url'})",
    })
    .nullable(),
  name: z.string().optional(),
});

export const ChatCompletionRequest = z
  .looseObject({
    model: modelField('any'),
    messages: z
      .array(ChatMessage, { error: 'an array of messages' })
      .min(1, { error: 'a non-empty array of messages' }),
    stream: z.boolean({ error: 'a boolean (true or false)' }).default(false),
    stream_options: z
      .looseObject({ include_usage: z.boolean({ error: 'a boolean (true or false)' }).optional() })
      .nullable()
      .optional(),
    size: SizeParam.optional(),
    n: NParam,
    watermark: WatermarkParam,
  })
  .meta({
    id: 'ChatCompletionRequest',
    description: 'OpenAI chat completion body; unknown OpenAI fields (temperature, max_tokens, ...) are accepted and ignored.',
    ...requestExamples([
      { model: 'sora_image', messages: [{ role: 'user', content: '画小猫' }], stream: true },
      {
        model: 'sora_image',
        stream: true,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '根据图片换个风格' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      },
    ]),
  });

export const CompletionUsage = z
  .object({
    prompt_tokens: z.int().nonnegative(),
    completion_tokens: z.int().nonnegative(),
    total_tokens: z.int().nonnegative(),
  })
  .meta({ id: 'CompletionUsage' });

export const FinishReason = z.enum(['stop', 'length', 'content_filter']);

export const ChatCompletion = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion'),
    created: UnixSeconds,
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.int().nonnegative(),
        message: z.object({
          role: z.literal('assistant'),
          content: z.string().nullable(),
          refusal: z.string().nullable(),
        }),
        finish_reason: FinishReason,
        logprobs: z.null(),
      }),
    ),
    usage: CompletionUsage.optional(),
  })
  .meta({
    id: 'ChatCompletion',
    examples: [
      {
        id: 'chatcmpl-0123456789abcdef',
        object: 'chat.completion',
        created: 1735689600,
        model: 'sora_image',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: '![image](http://127.0.0.1:4010/media/example.png)', refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 4, completion_tokens: 20, total_tokens: 24 },
      },
    ],
  });

export const ChatCompletionChunk = z
  .object({
    id: z.string(),
    object: z.literal('chat.completion.chunk'),
    created: UnixSeconds,
    model: z.string(),
    choices: z.array(
      z.object({
        index: z.int().nonnegative(),
        delta: z.object({
          role: z.literal('assistant').optional(),
          content: z.string().nullable().optional(),
        }),
        finish_reason: FinishReason.nullable(),
        logprobs: z.null().optional(),
      }),
    ),
    // Absent unless `stream_options.include_usage`; then null on every chunk but the last, whose choices are empty.
    usage: CompletionUsage.nullable().optional(),
  })
  .meta({
    id: 'ChatCompletionChunk',
    description:
      'One server-sent event `data: <chunk>`; the first delta carries the role, the last choice chunk has ' +
      '`finish_reason: "stop"`, an optional usage chunk follows, and the stream ends with `data: [DONE]`.',
  });

export type ChatImagePart = z.infer<typeof ChatImagePart>;
export type ChatTextPart = z.infer<typeof ChatTextPart>;
export type ChatContentPart = z.infer<typeof ChatContentPart>;
export type ChatMessage = z.infer<typeof ChatMessage>;
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;
export type ChatCompletionRequestInput = z.input<typeof ChatCompletionRequest>;
export type CompletionUsage = z.infer<typeof CompletionUsage>;
export type ChatCompletion = z.infer<typeof ChatCompletion>;
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;
