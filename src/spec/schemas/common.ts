/**
 * Field schemas shared by several endpoints. Every constraint carries a message phrased as "what is
 * accepted" (a noun phrase): `zodIssueToError` wraps it into "Invalid 'param': received X; expected
 * <phrase>.", so the wording of an accepted value lives next to the rule that enforces it.
 */
import { z } from 'zod';
import { BASE_MODELS, BASE_MODEL_TABLE, OPTION_BASE, OPTION_FIELDS, isVideoModel, parseModelName, type ModelName } from '../model.js';
import { IMAGE_COUNT_DEFAULT, IMAGE_COUNT_MAX, IMAGE_COUNT_MIN, MAX_DIMENSION, parseSize } from '../rules.js';
import { describeValue } from '../describe.js';
import { MODEL_NAME_MAX_LENGTH, PROMPT_MAX_LENGTH, SIZE_MAX_LENGTH } from '../limits.js';

// Every bound of the request schemas, from the one table of limits.
export * from '../limits.js';

/** Which model names an endpoint takes: chat takes any, images only `sora_image`, videos only video models. */
export type ModelKind = 'any' | 'image' | 'video';

const MODEL_EXAMPLES: Record<ModelKind, string[]> = {
  any: ['sora_image', 'sora_video2-landscape-hd'],
  image: ['sora_image'],
  video: ['sora_video2', 'sora_video2-landscape-hd-15s'],
};

/** The options as the table groups them: `portrait | landscape, hd, 15s | 25s, pro`. */
const OPTION_GRAMMAR = OPTION_FIELDS.map((f) => f.rows.map((row) => row.option).join(' | ')).join(', ');
const OPTIONS_RULE = `options joined with '-' in any order, each at most once: ${OPTION_GRAMMAR}.`;
/** The other video bases, with their fixed duration: `sora_video (5 s, no options)`. */
const FIXED_VIDEO_BASES = BASE_MODEL_TABLE.flatMap((row) =>
  row.kind === 'video' && !row.takesOptions ? [`${row.base} (${row.seconds} s, no options)`] : [],
).join(', ');

const MODEL_DESCRIPTIONS: Record<ModelKind, string> = {
  any: `A platform model name: one of ${BASE_MODELS.join(', ')}; ${OPTION_BASE} takes ${OPTIONS_RULE}`,
  image: 'The image model: sora_image (takes no options).',
  video: `A video model: ${FIXED_VIDEO_BASES} or ${OPTION_BASE} with ${OPTIONS_RULE}`,
};

/**
 * Examples of a request body as clients send it (the input side). zod leaves `examples` out of the
 * input rendering of a schema whose output differs (a parsed model), so they go on the rendered
 * schema through zod-openapi's `override`.
 */
export function requestExamples(examples: readonly Record<string, unknown>[]) {
  return { override: { examples } };
}

/** A model name as handlers get it: the name as sent (echoed in answers) and its parsed options. */
export interface ModelChoice {
  name: string;
  spec: ModelName;
}

/**
 * A model-name field parsed by the grammar into a `ModelChoice` (parse, don't validate: no handler
 * reads the name again). A transform rather than an enum: the grammar accepts options in any order,
 * and its own message (with a suggestion for near misses) is the most precise thing we can tell the
 * client. The issue's `params.code` becomes the envelope's `code`. Documents render the input side: a
 * string.
 */
export function modelField(kind: ModelKind) {
  return z
    .string({ error: 'a model name string' })
    // Checked first and alone (abort): the grammar's near-miss search must never see a 40 MB name.
    .max(MODEL_NAME_MAX_LENGTH, { error: `a model name of at most ${MODEL_NAME_MAX_LENGTH} characters`, abort: true })
    .meta({ description: MODEL_DESCRIPTIONS[kind], examples: MODEL_EXAMPLES[kind] })
    .transform((name, ctx): ModelChoice => {
      const parsed = parseModelName(name);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: parsed.error.message, params: { code: 'invalid_model' } });
        return z.NEVER;
      }
      const video = isVideoModel(parsed.model);
      if (kind === 'image' && video) {
        ctx.addIssue({
          code: 'custom',
          message: `Model ${describeValue(name)} is a video model; this endpoint accepts only sora_image.`,
          params: { code: 'invalid_model' },
        });
      } else if (kind === 'video' && !video) {
        ctx.addIssue({
          code: 'custom',
          message: `Model ${describeValue(name)} is an image model; this endpoint accepts only video models (sora_video, sora_video2[-options]).`,
          params: { code: 'invalid_model' },
        });
      }
      return { name, spec: parsed.model };
    });
}

/**
 * The platform's `size`, checked by the rules' own `parseSize` so the schema and the rules can never
 * disagree on what a size is; the pattern is only there to document the shape in OpenAPI.
 */
export const SizeParam = z
  .string({ error: "a string 'WxH'" })
  .max(SIZE_MAX_LENGTH, { error: `a size 'WxH' of at most ${SIZE_MAX_LENGTH} characters`, abort: true })
  .superRefine((value, ctx) => {
    if (!parseSize(value).ok) {
      ctx.addIssue({ code: 'custom', message: `a size 'WxH' with positive integers W and H up to ${MAX_DIMENSION}, e.g. '1024x1536'` });
    }
  })
  .meta({
    pattern: '^[0-9]+x[0-9]+$',
    description:
      `\`widthxheight\` with positive integers up to ${MAX_DIMENSION}. Images: W = H gives 1:1, W > H gives 3:2, ` +
      'otherwise 2:3. Videos: W > H gives landscape, otherwise portrait. Model options win over size.',
    examples: ['1024x1024', '1280x720'],
  });

const N_ACCEPTED = `an integer from ${IMAGE_COUNT_MIN} to ${IMAGE_COUNT_MAX}`;

/** `n`: how many image variants (bounds and default from the rules). */
export const NParam = z
  .int({ error: N_ACCEPTED })
  .min(IMAGE_COUNT_MIN, { error: N_ACCEPTED })
  .max(IMAGE_COUNT_MAX, { error: N_ACCEPTED })
  .default(IMAGE_COUNT_DEFAULT)
  .meta({ description: `Number of image variants to generate, ${IMAGE_COUNT_MIN}..${IMAGE_COUNT_MAX}.`, examples: [2] });

/** `watermark`: keep the video watermark (the seed: default false). */
export const WatermarkParam = z
  .boolean({ error: 'a boolean (true or false)' })
  .default(false)
  .meta({ description: 'Keep the platform watermark on generated videos.' });

export const PromptParam = z
  .string({ error: 'a non-empty string' })
  .min(1, { error: 'a non-empty string' })
  .max(PROMPT_MAX_LENGTH, { error: `a string of at most ${PROMPT_MAX_LENGTH} characters` });

/** Unix time in whole seconds, as OpenAI reports every timestamp. */
export const UnixSeconds = z.int().nonnegative().meta({ description: 'Unix timestamp (seconds).', examples: [1735689600] });

/**
 * An uploaded file. `z.file()` checks `instanceof File`, which is what `Request.formData()` yields in
 * Node >= 20 and in browsers; its JSON Schema is `format: binary`, which OpenAPI 3.1 tools expect.
 */
export const UploadedFile = z.file({ error: 'a file upload (multipart/form-data)' });
