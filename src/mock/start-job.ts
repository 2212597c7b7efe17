/**
 * Starting a video job, shared by `POST /videos`, remix and chat completions with a video model: the
 * spec is resolved by the rules, the job stored and announced. Routes do not import each other; what
 * two of them share lives here.
 */
import { digestHex, encodeRecipe, videoRecipe, type VideoRecipe } from '../media/index.js';
import type { PromptAnalysis } from '../spec/analysis.js';
import type { ModelName } from '../spec/model.js';
import { resolveVideoRequest, type IgnoredParam, type VideoSpec } from '../spec/rules.js';
import { signedMediaPath, type RequestContext } from './context.js';
import { SIGNATURE_LENGTH } from './links.js';
import { HttpError } from './http.js';
import { renderTimeMs } from './timeline.js';
import { FAIL_MIDWAY_AT } from './scenarios.js';
import type { JobMediaPaths, ResolvedSoraMockOptions, ScenarioName, VideoJob } from './types.js';
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
  const made = { prompt: input.prompt, spec: sharedSpec(spec), watermark, remixedFrom: input.remixedFrom?.id ?? null, inputDigest: inputDigest || undefined };
  // Every field set, in one order, so all jobs share one shape (a long-running mock holds maxJobs of them).
  const job: VideoJob = {
    // From the store: replicas sharing one never hand out the same id.
    id: await ctx.jobs.nextId(),
    owner: ownerOf(ctx),
    prompt: made.prompt,
    spec: made.spec,
    watermark: made.watermark,
    inputDigest: made.inputDigest,
    remixedFrom: made.remixedFrom,
    scenario: input.scenario,
    createdAtMs: ctx.now(),
    renderMs,
    failAt: input.scenario === 'fail_midway' ? FAIL_MIDWAY_AT : undefined,
    mediaSignatures: jobMediaSignatures(ctx, encodeRecipe(recipeOfJob(ctx, made))),
  };
  if (!(await ctx.jobs.add(job, ctx.now()))) {
    // Every stored job still renders: dropping one would lose a job its client is waiting for.
    const waitMs = await ctx.jobs.nextFinishInMs(ctx.now());
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
  ctx: { options: Pick<ResolvedSoraMockOptions, 'seed'> },
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


/** The variants a job links to, in the order their signatures are kept. */
const JOB_VARIANTS = ['video', 'thumbnail', 'spritesheet'] as const;

/** The signatures of a job's video, thumbnail and spritesheet links, joined into one flat string. */
function jobMediaSignatures(ctx: RequestContext, recipeText: string): string {
  // join makes one flat string: concatenation would keep a rope of the pieces (and what they were sliced from).
  return JOB_VARIANTS.map((variant) => ctx.signer.sign(variant, recipeText)).join('');
}

/**
 * Specs are values, and a mock holding 100,000 jobs would otherwise hold 100,000 copies of the few
 * there are (one per model, size and duration asked for): jobs share one object per distinct spec.
 * The set is bounded by the model table (the rules only resolve valid specs).
 */
const SPECS = new Map<string, VideoSpec>();
function sharedSpec(spec: VideoSpec): VideoSpec {
  const key = JSON.stringify(spec);
  const shared = SPECS.get(key);
  if (shared) return shared;
  SPECS.set(key, spec);
  return spec;
}

/**
 * A job's signed media links (what `mock.jobMedia()` returns), rebuilt from its recipe and the
 * signatures it keeps: a job holds one short string instead of three ~200-character paths (a
 * long-running mock holds up to maxJobs jobs). Undefined for a job stored without them.
 */
export function jobMediaPaths(options: Pick<ResolvedSoraMockOptions, 'basePath' | 'seed'>, job: VideoJob): JobMediaPaths | undefined {
  const signatures = job.mediaSignatures;
  if (signatures === undefined) return undefined;
  const text = encodeRecipe(recipeOfJob({ options }, job));
  const path = (i: number) => signedMediaPath(options.basePath, text, JOB_VARIANTS[i], signatures.slice(i * SIGNATURE_LENGTH, (i + 1) * SIGNATURE_LENGTH));
  return { video: path(0), thumbnail: path(1), spritesheet: path(2) };
}
