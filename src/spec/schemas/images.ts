/**
 * `POST /images/generations` (multipart as the seed's curl sends it, JSON as the `openai` SDK does)
 * and `POST /images/edits` (multipart, files under `image[]` or `image`), answered by ImagesResponse.
 */
import { z } from 'zod';
import type { ImageSize } from '../rules.js';
import { MAX_INPUT_IMAGES, NParam, PromptParam, SizeParam, UnixSeconds, UploadedFile, modelField, requestExamples } from './common.js';

export const IMAGE_RESPONSE_FORMATS = ['url', 'b64_json'] as const;

/** The platform answers `url` when the request names none; the mock's `imageResponseFormat` option may say otherwise, so the schema leaves it unset. */
export const ResponseFormat = z
  .enum(IMAGE_RESPONSE_FORMATS, { error: "one of 'url', 'b64_json'" })
  .optional()
  .meta({ default: 'url', description: 'Return image URLs on the server, or the PNG bytes base64-encoded.' });

const imageFields = {
  prompt: PromptParam,
  model: modelField('image'),
  size: SizeParam.optional(),
  n: NParam,
  response_format: ResponseFormat,
};

export const ImageGenerationRequest = z.object(imageFields).meta({
  id: 'ImageGenerationRequest',
  ...requestExamples([{ prompt: '画小猫', model: 'sora_image' }, { prompt: 'a cat', model: 'sora_image', size: '1536x1024', n: 2 }]),
});

/** OpenAI's limit on input images, kept so clients get the same answer here and there (the limit of every input-image list). */
export const MAX_EDIT_IMAGES = MAX_INPUT_IMAGES;

export const ImageEditRequest = z
  .object({
    image: z
      .array(UploadedFile, { error: 'one or more image files' })
      .min(1, { error: "one or more image files under 'image[]' or 'image'" })
      .max(MAX_EDIT_IMAGES, { error: `at most ${MAX_EDIT_IMAGES} image files` })
      .meta({ description: "Input images, sent as repeated `image[]` (the SDK) or `image` form fields." }),
    ...imageFields,
  })
  .meta({ id: 'ImageEditRequest' });

/** The sizes the rules produce (IMAGE_SIZES in rules.ts; a test keeps the two equal). */
export const ImageSizeEnum = z.enum(['1024x1024', '1536x1024', '1024x1536'] as const satisfies readonly ImageSize[]);

export const GeneratedImage = z
  .union([
    z.object({ url: z.url(), revised_prompt: z.string().optional() }),
    z.object({ b64_json: z.string(), revised_prompt: z.string().optional() }),
  ])
  .meta({ id: 'GeneratedImage', description: 'One image: its URL, or its PNG bytes in base64 (per `response_format`).' });

export const ImagesResponse = z
  .object({
    created: UnixSeconds,
    data: z.array(GeneratedImage),
    size: ImageSizeEnum.optional(),
    output_format: z.enum(['png', 'webp', 'jpeg']).optional(),
  })
  .meta({
    id: 'ImagesResponse',
    examples: [
      { created: 1735689600, data: [{ url: 'http://127.0.0.1:4010/media/example.png' }], size: '1024x1024', output_format: 'png' },
    ],
  });

export type ResponseFormat = z.infer<typeof ResponseFormat>;
export type ImageGenerationRequest = z.infer<typeof ImageGenerationRequest>;
export type ImageEditRequest = z.infer<typeof ImageEditRequest>;
export type GeneratedImage = z.infer<typeof GeneratedImage>;
export type ImagesResponse = z.infer<typeof ImagesResponse>;
