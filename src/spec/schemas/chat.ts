/**
 * `POST /chat/completions`: OpenAI's body plus the platform's `size`, `n` and `watermark`, and the
 * `chat.completion` / `chat.completion.chunk` responses. Request objects are loose on purpose:
 * OpenAI clients send `temperature`, `user`, `max_tokens` and friends, which the platform ignores.
 */
import { z } from 'zod';
import {
  IMAGE_URL_MAX_LENGTH,
  MAX_CHAT_MESSAGES,
  MAX_CONTENT_PARTS,
  MAX_INPUT_IMAGES,
  MESSAGE_NAME_MAX_LENGTH,
  NParam,
  PROMPT_MAX_LENGTH,
  SizeParam,
  UnixSeconds,
  WatermarkParam,
  modelField,
  requestExamples,
} from './common.js';

// Linear on any input: one host character, then anything but whitespace (a `[^/]+[^\s]*` pair backtracks quadratically).
const HTTP_URL = /^https?:\/\/[^\s/?#][^\s]*$/i;
/** Only base64 data URIs: the seed says "url或者base64", and a percent-encoded image is not an image input anyone sends. */
const DATA_IMAGE_URI = /^data:image\/[a-z0-9.+-]+;base64,[A-Za-z0-9+/]+={0,2}$/i;

export const ImageUrlString = z
  .string({ error: 'an http(s) URL or a base64 data URI string' })
  .superRefine((url, ctx) => {
    // A data URI is bounded by the body limit only; an http(s) URL by IMAGE_URL_MAX_LENGTH.
    if (/^data:/i.test(url) ? DATA_IMAGE_URI.test(url) : url.length <= IMAGE_URL_MAX_LENGTH && HTTP_URL.test(url)) return;
    ctx.addIssue({
      code: 'custom',
      message:
        url.length > IMAGE_URL_MAX_LENGTH && !/^data:/i.test(url)
          ? `an http(s) URL of at most ${IMAGE_URL_MAX_LENGTH} characters, or a base64 data URI`
          : "an http(s) URL or a base64 data URI 'data:image/<type>;base64,<data>'",
    });
  })
  .meta({
    description: `An http(s) URL (at most ${IMAGE_URL_MAX_LENGTH} characters) or a base64 data URI (bounded by the body limit) of the input image.`,
    examples: ['https://example.com/cat.png'],
  });

const PROMPT_TEXT = `a string of at most ${PROMPT_MAX_LENGTH} characters`;

export const ChatTextPart = z.looseObject({
  type: z.literal('text'),
  text: z.string({ error: 'a string' }).max(PROMPT_MAX_LENGTH, { error: PROMPT_TEXT }),
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
    .union(
      [
        z.string().max(PROMPT_MAX_LENGTH, { error: PROMPT_TEXT }),
        z
          .array(ChatContentPart)
          .min(1, { error: 'at least one content part' })
          .max(MAX_CONTENT_PARTS, { error: `at most ${MAX_CONTENT_PARTS} content parts` }),
      ],
      { error: "a string or an array of content parts ({type:'text'} or {type:'image_url'})" },
    )
    .nullable(),
  name: z.string().max(MESSAGE_NAME_MAX_LENGTH, { error: `a string of at most ${MESSAGE_NAME_MAX_LENGTH} characters` }).optional(),
});

/**
 * What a chat request weighs as a prompt: the text of every message (a message's text parts joined
 * by the newline the mock joins them with) and its image parts, over all messages. Reads the raw
 * value defensively: object refinements run even when a message failed its own schema.
 */
export function chatPromptWeight(messages: unknown): { characters: number; images: number } {
  let characters = 0;
  let images = 0;
  if (!Array.isArray(messages)) return { characters, images };
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === 'string') characters += content.length;
    else if (Array.isArray(content)) {
      let texts = 0;
      for (const part of content) {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (p?.type === 'text' && typeof p.text === 'string') {
          characters += p.text.length + (texts > 0 ? 1 : 0);
          texts++;
        } else if (p?.type === 'image_url') images++;
      }
    }
  }
  return { characters, images };
}

export const ChatCompletionRequest = z
  .looseObject({
    model: modelField('any'),
    messages: z
      .array(ChatMessage, { error: 'an array of messages' })
      .min(1, { error: 'a non-empty array of messages' })
      .max(MAX_CHAT_MESSAGES, { error: `an array of at most ${MAX_CHAT_MESSAGES} messages` })
      .superRefine((messages, ctx) => {
        const { characters, images } = chatPromptWeight(messages);
        if (characters > PROMPT_MAX_LENGTH) {
          ctx.addIssue({
            code: 'custom',
            message:
              `at most ${PROMPT_MAX_LENGTH} characters of text over all messages together ` +
              `(a message's text parts joined by newlines); these have ${characters}`,
          });
        }
        if (images > MAX_INPUT_IMAGES) {
          ctx.addIssue({ code: 'custom', message: `at most ${MAX_INPUT_IMAGES} image_url parts over all messages; these have ${images}` });
        }
      }),
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
