/**
 * Asynchronous video jobs: create (JSON or multipart with `input_reference`), list, retrieve, delete,
 * remix, and content (`variant` video | thumbnail | spritesheet, with Range support).
 */
import { videoRecipe, type VideoRecipe } from '../../media/index.js';
import type { PromptAnalysis } from '../../spec/analysis.js';
import { parseModelName, type ModelName } from '../../spec/model.js';
import { IGNORED_PARAMS_HEADER, formatIgnoredHeader, resolveVideoRequest, type IgnoredParam } from '../../spec/rules.js';
import {
  VideoContentQuery,
  VideoCreateRequest,
  VideoListQuery,
  VideoRemixRequest,
  videoContentQueryFromParams,
  videoCreateFromForm,
  videoListQueryFromParams,
  videoRemixFromForm,
  type DeletedVideoResource,
  type VideoListResource,
} from '../../spec/schemas/index.js';
import { authorize } from '../auth.js';
import { analyse, chooseScenario, type RequestContext, readRequestBody } from '../context.js';
import { HttpError, json } from '../http.js';
import { imageFromFile } from '../inputs.js';
import { FAIL_MIDWAY_AT, jobState, renderTimeMs, videoResource } from '../jobs.js';
import { rejectByScenario, rejectReadByScenario } from '../outcomes.js';
import type { ScenarioName, VideoJob } from '../types.js';
import { ruleError, validate } from '../validate.js';
import { inputDigestOf } from '../../media/index.js';
import { serveMedia } from './media.js';

export interface NewJobInput {
  prompt: string;
  model: ModelName;
  size?: unknown;
  seconds?: unknown;
  watermark?: unknown;
  analysis?: PromptAnalysis;
  inputDigest?: string;
  remixedFrom?: VideoJob;
  scenario?: ScenarioName;
  viaChat: boolean;
}

/** Resolve the spec by the rules, store the job, announce it. Shared by `POST /videos`, remix and chat. */
export function startVideoJob(ctx: RequestContext, input: NewJobInput): { job: VideoJob; ignored: IgnoredParam[] } {
  let spec;
  let watermark: boolean;
  let ignored: IgnoredParam[] = [];
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
  }
  const renderMs = renderTimeMs(spec, { speed: ctx.options.speed, instant: ctx.options.instant, scenario: input.scenario });
  const job: VideoJob = {
    id: ctx.ids.next('video_'),
    prompt: input.prompt,
    spec,
    watermark,
    remixedFrom: input.remixedFrom?.id ?? null,
    createdAtMs: ctx.now(),
    renderMs,
    viaChat: input.viaChat,
    ...(input.inputDigest ? { inputDigest: input.inputDigest } : {}),
    ...(input.scenario ? { scenario: input.scenario } : {}),
    ...(input.scenario === 'fail_midway' ? { failAt: FAIL_MIDWAY_AT } : {}),
  };
  ctx.jobs.add(job);
  ctx.emitJob({ type: 'created', job });
  return { job, ignored };
}

export function recipeOfJob(ctx: Pick<RequestContext, 'options'>, job: VideoJob): VideoRecipe {
  return videoRecipe({
    prompt: job.prompt,
    spec: job.spec,
    seed: ctx.options.seed,
    watermark: job.watermark,
    // A remix depends on its source: the source id stands in for the source's pixels.
    inputDigest: job.inputDigest ?? (job.remixedFrom ? job.remixedFrom : undefined),
  });
}

function ignoredHeaders(ignored: IgnoredParam[]): Record<string, string> {
  return ignored.length > 0 ? { [IGNORED_PARAMS_HEADER]: formatIgnoredHeader(ignored) } : {};
}

function notFound(id: string): HttpError {
  return new HttpError(404, `No video with id '${id.slice(0, 80)}': it does not exist, or it was deleted.`, {
    type: 'invalid_request_error',
    param: 'video_id',
    code: 'video_not_found',
  });
}

function findJob(ctx: RequestContext, id: string): VideoJob {
  const job = ctx.jobs.get(id);
  if (!job) throw notFound(id);
  return job;
}

export async function createVideo(ctx: RequestContext): Promise<Response> {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  const parsed = await readRequestBody(ctx, { maxBytes: ctx.options.maxBodyBytes, accept: ['json', 'form'] });
  const body = validate(VideoCreateRequest, parsed.kind === 'json' ? parsed.value : videoCreateFromForm(parsed.form));
  const parsedModel = parseModelName(body.model);
  // The schema already checked the grammar; this narrows the type.
  if (!parsedModel.ok) throw new HttpError(400, parsedModel.error.message, { param: 'model', code: 'invalid_model' });
  const scenario = chooseScenario(ctx, body.prompt, body.model);
  rejectByScenario(scenario);
  const reference = body.input_reference ? await imageFromFile(body.input_reference, 'input_reference') : undefined;
  const analysis = await analyse(ctx, body.prompt);
  const { job, ignored } = startVideoJob(ctx, {
    prompt: body.prompt,
    model: parsedModel.model,
    size: body.size,
    seconds: body.seconds,
    watermark: body.watermark,
    analysis,
    inputDigest: reference ? inputDigestOf([reference.bytes]) : undefined,
    scenario,
    viaChat: false,
  });
  return json(videoResource(job, ctx.now(), ctx.options.retentionSeconds), 200, ignoredHeaders(ignored));
}

export function listVideos(ctx: RequestContext): Response {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  rejectReadByScenario(ctx);
  const query = validate(VideoListQuery, videoListQueryFromParams(ctx.url.searchParams));
  const ordered = ctx.jobs.all();
  if (query.order === 'desc') ordered.reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((j) => j.id === query.after);
    if (at < 0) {
      throw new HttpError(400, `Invalid 'after' '${query.after.slice(0, 80)}': no video with that id in this list.`, {
        type: 'invalid_request_error',
        param: 'after',
        code: 'invalid_value',
      });
    }
    start = at + 1;
  }
  const page = ordered.slice(start, start + query.limit);
  const now = ctx.now();
  const body: VideoListResource = {
    object: 'list',
    data: page.map((j) => videoResource(j, now, ctx.options.retentionSeconds)),
    first_id: page[0]?.id ?? null,
    last_id: page.at(-1)?.id ?? null,
    has_more: start + page.length < ordered.length,
  };
  return json(body);
}

export function retrieveVideo(ctx: RequestContext, params: Record<string, string>): Response {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  rejectReadByScenario(ctx);
  return json(videoResource(findJob(ctx, params.video_id), ctx.now(), ctx.options.retentionSeconds));
}

export function deleteVideo(ctx: RequestContext, params: Record<string, string>): Response {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  rejectReadByScenario(ctx);
  const job = ctx.jobs.delete(params.video_id);
  if (!job) throw notFound(params.video_id);
  ctx.emitJob({ type: 'deleted', job });
  const body: DeletedVideoResource = { id: job.id, object: 'video.deleted', deleted: true };
  return json(body);
}

export async function remixVideo(ctx: RequestContext, params: Record<string, string>): Promise<Response> {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  const source = findJob(ctx, params.video_id);
  const parsed = await readRequestBody(ctx, { maxBytes: ctx.options.maxBodyBytes, accept: ['json', 'form'] });
  const body = validate(VideoRemixRequest, parsed.kind === 'json' ? parsed.value : videoRemixFromForm(parsed.form));
  const state = jobState(source, ctx.now());
  if (state.status !== 'completed') {
    throw new HttpError(409, `Video '${source.id}' is ${state.status}; only a completed video can be remixed.`, {
      type: 'invalid_request_error',
      param: 'video_id',
      code: 'video_not_ready',
    });
  }
  const scenario = chooseScenario(ctx, body.prompt, source.spec.model);
  rejectByScenario(scenario);
  const model = parseModelName(source.spec.model);
  if (!model.ok) throw new Error(`stored job has an invalid model ${source.spec.model}`);
  const { job } = startVideoJob(ctx, { prompt: body.prompt, model: model.model, remixedFrom: source, scenario, viaChat: false });
  return json(videoResource(job, ctx.now(), ctx.options.retentionSeconds));
}

export async function videoContent(ctx: RequestContext, params: Record<string, string>): Promise<Response> {
  authorize(ctx.request, ctx.options.licenses, 'videos');
  rejectReadByScenario(ctx);
  const job = findJob(ctx, params.video_id);
  const query = validate(VideoContentQuery, videoContentQueryFromParams(ctx.url.searchParams));
  const now = ctx.now();
  const view = videoResource(job, now, ctx.options.retentionSeconds);
  if (view.status !== 'completed') {
    throw new HttpError(409, `Video '${job.id}' is ${view.status} (progress ${view.progress}%); its content exists once it is completed.`, {
      type: 'invalid_request_error',
      param: 'video_id',
      code: view.status === 'failed' ? 'video_failed' : 'video_not_ready',
    });
  }
  if (view.expires_at !== null && Math.floor(now / 1000) >= view.expires_at) {
    throw new HttpError(410, `The content of video '${job.id}' expired at ${new Date(view.expires_at * 1000).toISOString()}.`, {
      type: 'invalid_request_error',
      param: 'video_id',
      code: 'video_expired',
    });
  }
  return serveMedia(ctx, recipeOfJob(ctx, job), query.variant, { cacheControl: 'private, max-age=3600' });
}
