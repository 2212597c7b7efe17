/**
 * Asynchronous video jobs: create (JSON or multipart with `input_reference`), list, retrieve, delete,
 * remix, and content (`variant` video | thumbnail | spritesheet, with Range support). The pipeline has
 * checked the licence, parsed and validated the input and chosen the scenario before these run.
 */
import { inputDigestOf } from '../../media/index.js';
import { IGNORED_PARAMS_HEADER, describeValue, formatIgnoredHeader, type IgnoredParam } from '../../spec/rules.js';
import type { DeletedVideoResource, VideoListResource } from '../../spec/schemas/index.js';
import { analyse, type RequestContext } from '../context.js';
import { HttpError, json, jsonText } from '../http.js';
import type { GoneJob } from '../jobs.js';
import { imageFromFile } from '../inputs.js';
import { andThen, type MaybePromise } from '../jobs.js';
import { jobState, videoResource } from '../timeline.js';
import type { OperationHandler, OperationHandlers } from '../pipeline.js';
import { ownerOf, recipeOfJob, startVideoJob } from '../start-job.js';
import type { VideoJob } from '../types.js';
import { serveMedia } from '../serve-media.js';

function ignoredHeaders(ignored: IgnoredParam[]): Record<string, string> {
  return ignored.length > 0 ? { [IGNORED_PARAMS_HEADER]: formatIgnoredHeader(ignored) } : {};
}

/**
 * No such video for this licence. Another licence's video gets the very same answer as one never
 * created, so ids reveal nothing across licences (OpenAI scopes videos to a project the same way).
 */
function notFound(id: string, param = 'video_id'): HttpError {
  return new HttpError(404, `No video with id ${describeValue(id)}: it does not exist, or it was deleted.`, {
    type: 'invalid_request_error',
    param,
    code: 'video_not_found',
  });
}

/**
 * No video with this id for this licence: 404, saying why when the store evicted it to stay within
 * `maxJobs` (`video_expired` when its retention had ended, `video_evicted` when it had not), else
 * `video_not_found`. Another licence's evicted job is `video_not_found` too.
 */
function missing(ctx: RequestContext, id: string, param = 'video_id'): MaybePromise<never> {
  return andThen(ctx.jobs.goneJob(id, ownerOf(ctx)), (gone) => {
    throw gone ? goneError(ctx, id, gone, param) : notFound(id, param);
  });
}

function goneError(ctx: RequestContext, id: string, gone: GoneJob, param: string): HttpError {
  const shown = describeValue(id);
  const cap = `the mock keeps at most maxJobs (${ctx.jobs.maxJobs}) video jobs`;
  const message =
    gone.reason === 'expired'
      ? `Video ${shown} expired at ${new Date(gone.expiresAtMs).toISOString()} and was evicted (${cap}, expired ones first); it is gone.`
      : `Video ${shown} was evicted before its retention ended (it would have expired at ${new Date(gone.expiresAtMs).toISOString()}): ` +
        `${cap}, and with none expired it dropped the oldest finished ones. It is gone.`;
  return new HttpError(404, message, { type: 'invalid_request_error', param, code: gone.reason === 'expired' ? 'video_expired' : 'video_evicted' });
}

/** The request's licence's job with this id, handed to `use`; 404 otherwise. */
function withJob<T>(ctx: RequestContext, id: string, use: (job: VideoJob) => MaybePromise<T>): MaybePromise<T> {
  return andThen(ctx.jobs.get(id, ownerOf(ctx)), (job) => (job ? use(job) : missing(ctx, id)));
}

export const createVideo: OperationHandler<'createVideo'> = {
  subject: (_ctx, { body }) => ({ prompt: body.prompt, model: body.model.name }),
  async handle(ctx, { body, scenario }) {
    const reference = body.input_reference ? await imageFromFile(body.input_reference, 'input_reference') : undefined;
    const analysis = await analyse(ctx, body.prompt);
    const { job, ignored } = await startVideoJob(ctx, {
      prompt: body.prompt,
      model: body.model.spec,
      size: body.size,
      seconds: body.seconds,
      watermark: body.watermark,
      analysis,
      inputDigest: reference ? inputDigestOf([reference.bytes]) : undefined,
      scenario,
    });
    const view = videoResource(job, ctx.now(), ctx.options.retentionSeconds);
    ctx.job = { id: job.id, status: view.status };
    return json(view, 200, ignoredHeaders(ignored));
  },
};

export const listVideos: OperationHandler<'listVideos'> = {
  handle(ctx, { query }) {
    // O(page): the store walks this licence's jobs from the cursor, never the whole list.
    return andThen(ctx.jobs.page(ownerOf(ctx), { order: query.order === 'desc' ? 'desc' : 'asc', after: query.after, limit: query.limit }), (found) => {
      // A cursor names a video of this licence's list; any other id is a 404, like a lookup (and a gone
      // one says so: the client's place in the list went with it).
      if (!found) return missing(ctx, query.after as string, 'after');
      const page = found.jobs;
      const now = ctx.now();
      const body: VideoListResource = {
        object: 'list',
        data: page.map((j) => videoResource(j, now, ctx.options.retentionSeconds)),
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: found.hasMore,
      };
      return json(body);
    });
  },
};

export const retrieveVideo: OperationHandler<'retrieveVideo'> = {
  handle(ctx, { params }) {
    return withJob(ctx, params.video_id, (job) => {
      const now = ctx.now();
      const resource = () => videoResource(job, now, ctx.options.retentionSeconds);
      ctx.job = { id: job.id, status: jobState(job, now).status };
      // A finished job's poll answers the text made the first time (the store keeps it).
      const text = ctx.jobs.finishedText(job, now, () => JSON.stringify(resource()));
      return text === undefined ? json(resource()) : jsonText(text);
    });
  },
};

export const deleteVideo: OperationHandler<'deleteVideo'> = {
  handle(ctx, { params }) {
    return andThen(ctx.jobs.delete(params.video_id, ownerOf(ctx)), (job) => {
      if (!job) return missing(ctx, params.video_id);
      ctx.emitJob({ type: 'deleted', job });
      const body: DeletedVideoResource = { id: job.id, object: 'video.deleted', deleted: true };
      return json(body);
    });
  },
};

export const remixVideo: OperationHandler<'remixVideo'> = {
  // Rules and faults see the model the remix renders with: its source's.
  subject: (ctx, { params, body }) =>
    andThen(ctx.jobs.get(params.video_id, ownerOf(ctx)), (source) => ({ prompt: body.prompt, model: source?.spec.model ?? body.model?.name ?? '' })),
  async handle(ctx, { params, body, scenario }) {
    const source = await withJob(ctx, params.video_id, (job) => job);
    const state = jobState(source, ctx.now());
    if (state.status !== 'completed') {
      throw new HttpError(409, `Video '${source.id}' is ${state.status}; only a completed video can be remixed.`, {
        type: 'invalid_request_error',
        param: 'video_id',
        code: 'video_not_ready',
      });
    }
    const { job } = await startVideoJob(ctx, { prompt: body.prompt, remixedFrom: source, scenario });
    const view = videoResource(job, ctx.now(), ctx.options.retentionSeconds);
    ctx.job = { id: job.id, status: view.status };
    return json(view);
  },
};

export const videoContent: OperationHandler<'retrieveVideoContent'> = {
  handle(ctx, { params, query }) {
    return withJob(ctx, params.video_id, (job) => content(ctx, job, query.variant));
  },
};

/** A job's content, once it is completed and until it expires. */
function content(ctx: RequestContext, job: VideoJob, variant: Parameters<typeof serveMedia>[2]): MaybePromise<Response> {
  const now = ctx.now();
  const view = videoResource(job, now, ctx.options.retentionSeconds);
  ctx.job = { id: job.id, status: view.status };
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
  return serveMedia(ctx, recipeOfJob(ctx, job), variant, { cacheControl: 'private, max-age=3600' });
}

/** This module's operations, by id (the app collects every module's). */
export const videoHandlers = {
  createVideo,
  listVideos,
  retrieveVideo,
  deleteVideo,
  remixVideo,
  retrieveVideoContent: videoContent,
} satisfies Partial<OperationHandlers>;
