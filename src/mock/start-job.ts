/**
 * Starting a video job, shared by `POST /videos`, remix and chat completions with a video model: the
 * spec is resolved by the rules, the job stored and announced. Routes do not import each other; what
 * two of them share lives here.
 */
import { digestHex, videoRecipe, type VideoRecipe } from '../media/index.js';
import type { PromptAnalysis } from '../spec/analysis.js';
import type { ModelName } from '../spec/model.js';
import { resolveVideoRequest, type IgnoredParam } from '../spec/rules.js';
import { mediaPath, type RequestContext } from './context.js';
import { HttpError } from './http.js';
import { renderTimeMs } from './jobs.js';
import { FAIL_MIDWAY_AT } from './scenarios.js';
import type { JobMediaPaths, ScenarioName, VideoJob } from './types.js';
import { ruleError } from './validate.js';

/** A new job from a model and its parameters, or a remix of a finished one (its spec is the source's). */
export type NewJobInput = { prompt: string; scenario?: ScenarioName } & (
  | {
      model: ModelName;
      size?: unknown;
      seconds?: unknown;
      watermark?: unknown;
      analysis?: PromptAnalysis;
      inputDigest?: string;
      remixedFrom?: undefined;
    }
  | { remixedFrom: VideoJob }
);

/**
 * The licence a request's jobs belong to: the one the pipeline's licence step recognised. Every route
 * that creates or reads jobs runs behind that step, so its absence is a bug in the mock.
 */
export function ownerOf(ctx: Pick<RequestContext, 'license'>): string {
  if (!ctx.license) throw new Error('no licence on the request context: job routes run behind the licence step');
  return ctx.license.key;
}

/**
 * Resolve the spec by the rules, sign the job's media links, store the job, announce it. Shared by
 * `POST /videos`, remix and chat. The links are signed before the job exists (signing is async, and
 * `mock.jobMedia()` is not), so a stored job always has them.
 */
export async function startVideoJob(ctx: RequestContext, input: NewJobInput): Promise<{ job: VideoJob; ignored: IgnoredParam[] }> {
  let spec;
  let watermark: boolean;
  let ignored: IgnoredParam[] = [];
  let inputDigest: string | undefined;
  if (input.remixedFrom) {
    // A remix keeps its source's size and duration (and so its orientation and quality).
    spec = input.remixedFrom.spec;
    watermark = input.remixedFrom.watermark;
  } else {
    const resolved = resolveVideoRequest({
      model: input.model,
      size: input.size,
      seconds: input.seconds,
      watermark: input.watermark,
      analysis: input.analysis,
    });
    if (!resolved.ok) throw ruleError(resolved.error);
    spec = resolved.spec;
    watermark = resolved.watermark;
    ignored = resolved.ignored;
    inputDigest = input.inputDigest;
  }
  const renderMs = renderTimeMs(spec, { speed: ctx.options.speed, instant: ctx.options.instant, scenario: input.scenario });
  const made = { prompt: input.prompt, spec, watermark, remixedFrom: input.remixedFrom?.id ?? null, ...(inputDigest ? { inputDigest } : {}) };
  const media = await jobMediaPaths(ctx, recipeOfJob(ctx, made));
  const job: VideoJob = {
    id: ctx.ids.next('video_'),
    owner: ownerOf(ctx),
    ...made,
    createdAtMs: ctx.now(),
    renderMs,
    media,
    ...(input.scenario ? { scenario: input.scenario } : {}),
    ...(input.scenario === 'fail_midway' ? { failAt: FAIL_MIDWAY_AT } : {}),
  };
  if (!ctx.jobs.add(job, ctx.now())) {
    // Every stored job still renders: dropping one would lose a job its client is waiting for.
    const waitMs = ctx.jobs.nextFinishInMs(ctx.now());
    throw new HttpError(
      429,
      `The mock holds maxJobs (${ctx.jobs.maxJobs}) video jobs and every one is still rendering; ` +
        'a finished job makes room (the oldest expired ones are evicted first). Retry later.',
      { type: 'rate_limit_error', param: null, code: 'job_limit_reached' },
      Number.isFinite(waitMs) ? { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } : {},
    );
  }
  ctx.emitJob({ type: 'created', job });
  return { job, ignored };
}

/** The recipe of a job's media: what it was made from, not its id or times. */
export function recipeOfJob(
  ctx: Pick<RequestContext, 'options'>,
  job: Pick<VideoJob, 'prompt' | 'spec' | 'watermark' | 'inputDigest' | 'remixedFrom'>,
): VideoRecipe {
  return videoRecipe({
    prompt: job.prompt,
    spec: job.spec,
    seed: ctx.options.seed,
    watermark: job.watermark,
    // A remix depends on its source: a digest of the source id stands in for the source's pixels (a
    // digest, because a recipe's inputDigest is hex: the bare id made links no instance would decode).
    inputDigest: job.inputDigest ?? (job.remixedFrom ? digestHex(`remix\u0000${job.remixedFrom}`) : undefined),
  });
}


/** The signed `files` paths of a job's video, thumbnail and spritesheet (what `mock.jobMedia()` returns). */
async function jobMediaPaths(ctx: RequestContext, recipe: VideoRecipe): Promise<JobMediaPaths> {
  const [video, thumbnail, spritesheet] = await Promise.all(
    (['video', 'thumbnail', 'spritesheet'] as const).map((variant) => mediaPath(ctx, recipe, variant)),
  );
  return { video, thumbnail, spritesheet };
}
