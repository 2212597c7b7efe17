/** `POST /images/generations` (JSON or multipart) and `POST /images/edits` (multipart with `image[]` / `image`). */
import { imageRecipe, inputDigestOf } from '../../media/index.js';
import { toBase64 } from '../../util/index.js';
import { resolveImageRequest, type Dimensions } from '../../spec/rules.js';
import type { ImagesResponse, ResponseFormat } from '../../spec/schemas/index.js';
import { analyse, mediaUrl, type RequestContext } from '../context.js';
import { json } from '../http.js';
import { imageFromFile } from '../inputs.js';
import { delayByScenario } from '../outcomes.js';
import type { OperationHandler, OperationHandlers } from '../pipeline.js';
import type { ScenarioName } from '../types.js';
import { ruleError } from '../validate.js';

interface ImageJob {
  prompt: string;
  size?: string;
  n: number;
  /** As the request asked, or the instance's `imageResponseFormat` when it did not. */
  responseFormat: ResponseFormat | undefined;
  firstInputImage?: Dimensions;
  inputDigest?: string;
}

async function answer(ctx: RequestContext, job: ImageJob, scenario: ScenarioName | undefined): Promise<Response> {
  const analysis = await analyse(ctx, job.prompt);
  const resolved = resolveImageRequest({ size: job.size, n: job.n, analysis, firstInputImage: job.firstInputImage });
  if (!resolved.ok) throw ruleError(resolved.error);
  await delayByScenario(ctx, scenario);
  const data: ImagesResponse['data'] = [];
  for (let index = 0; index < resolved.n; index++) {
    const recipe = imageRecipe({ prompt: job.prompt, spec: resolved.spec, index, seed: ctx.options.seed, inputDigest: job.inputDigest });
    data.push(
      (job.responseFormat ?? ctx.options.imageResponseFormat) === 'b64_json'
        ? { b64_json: toBase64((await ctx.media.get(recipe, 'image')).bytes) }
        : { url: mediaUrl(ctx, recipe, 'image') },
    );
  }
  const body: ImagesResponse = { created: Math.floor(ctx.now() / 1000), data, size: resolved.spec.size, output_format: 'png' };
  return json(body);
}

export const imageGenerations: OperationHandler<'createImage'> = {
  subject: (_ctx, { body }) => ({ prompt: body.prompt, model: body.model.name }),
  handle: (ctx, { body, scenario }) =>
    answer(ctx, { prompt: body.prompt, size: body.size, n: body.n, responseFormat: body.response_format }, scenario),
};

export const imageEdits: OperationHandler<'createImageEdit'> = {
  subject: (_ctx, { body }) => ({ prompt: body.prompt, model: body.model.name }),
  async handle(ctx, { body, scenario }) {
    const images = [];
    for (const [i, file] of body.image.entries()) images.push(await imageFromFile(file, body.image.length > 1 ? `image[${i}]` : 'image'));
    return answer(
      ctx,
      {
        prompt: body.prompt,
        size: body.size,
        n: body.n,
        responseFormat: body.response_format,
        firstInputImage: images[0].dims,
        inputDigest: inputDigestOf(images.map((img) => img.bytes)),
      },
      scenario,
    );
  },
};

/** This module's operations, by id (the app collects every module's). */
export const imageHandlers = { createImage: imageGenerations, createImageEdit: imageEdits } satisfies Partial<OperationHandlers>;
