/**
 * A video job's timeline: its status, progress and times at any instant, derived from when it started
 * and how long it takes (pure functions of the job and the clock; the store is in jobs.ts). So fake
 * timers, `advance()` and `--speed` all work the same way, no timer runs per job (nothing to leak,
 * nothing to cancel), and any process holding the job's stored times agrees on its status.
 *
 *   queued        first 10 % of the render time, progress 0
 *   in_progress   progress rises linearly from 0 to 99
 *   completed     at renderMs, progress 100, completed_at set, expires_at = completed_at + retention
 *   failed        `fail_midway` at half the render time, progress frozen, error set
 */
import { SLOW_RENDER_FACTOR } from './scenarios.js';
import { renderCostOf } from '../spec/options.js';
import type { VideoSpec } from '../spec/rules.js';
import type { VideoResource } from '../spec/schemas/index.js';
import type { ScenarioName, VideoJob } from './types.js';

const QUEUED_FRACTION = 0.1;

/**
 * Render time in mock milliseconds: 300 ms per second of video, times the render cost of the options
 * (the option table: x1.5 for hd, x2 for pro), so a default 10 s sora_video2 finishes in 3 s and a
 * 25 s hd pro one in 22.5 s; `slow` takes 10 times longer.
 */
export function renderTimeMs(spec: VideoSpec, options: { speed: number; instant: boolean; scenario?: ScenarioName }): number {
  if (options.scenario === 'stall') return Infinity;
  if (options.instant && options.scenario !== 'slow' && options.scenario !== 'fail_midway') return 0;
  let ms = spec.seconds * 300 * renderCostOf(spec);
  if (options.scenario === 'slow') ms *= SLOW_RENDER_FACTOR;
  // instant + fail_midway still needs a midpoint to fail at; keep it short.
  if (options.instant) ms = Math.min(ms, 200);
  return ms / options.speed;
}

export interface JobState {
  status: VideoResource['status'];
  progress: number;
  completedAtMs: number | null;
  error: { code: string; message: string } | null;
}

export function jobState(job: VideoJob, now: number): JobState {
  const elapsed = Math.max(0, now - job.createdAtMs);
  if (job.failAt !== undefined && elapsed >= job.renderMs * job.failAt) {
    return {
      status: 'failed',
      progress: Math.round(job.failAt * 100),
      completedAtMs: null,
      error: {
        code: 'generation_failed',
        message: `Video generation failed at ${Math.round(job.failAt * 100)}% (scenario fail_midway).`,
      },
    };
  }
  if (elapsed >= job.renderMs) {
    return { status: 'completed', progress: 100, completedAtMs: job.createdAtMs + job.renderMs, error: null };
  }
  const queuedFor = job.renderMs * QUEUED_FRACTION;
  if (elapsed < queuedFor || !Number.isFinite(job.renderMs)) {
    // A stalled job sits in progress forever, at a small progress value that never moves.
    return Number.isFinite(job.renderMs)
      ? { status: 'queued', progress: 0, completedAtMs: null, error: null }
      : { status: 'in_progress', progress: 3, completedAtMs: null, error: null };
  }
  const progress = Math.min(99, Math.floor(((elapsed - queuedFor) / (job.renderMs - queuedFor)) * 100));
  return { status: 'in_progress', progress, completedAtMs: null, error: null };
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export function videoResource(job: VideoJob, now: number, retentionSeconds: number): VideoResource {
  const state = jobState(job, now);
  const completedAt = state.completedAtMs === null ? null : seconds(state.completedAtMs);
  return {
    id: job.id,
    object: 'video',
    model: job.spec.model,
    status: state.status,
    progress: state.progress,
    created_at: seconds(job.createdAtMs),
    completed_at: completedAt,
    expires_at: completedAt === null ? null : completedAt + retentionSeconds,
    prompt: job.prompt,
    size: job.spec.size,
    seconds: String(job.spec.seconds) as VideoResource['seconds'],
    remixed_from_video_id: job.remixedFrom,
    error: state.error,
  };
}

/** When a job stopped rendering (completed or failed), in mock milliseconds; Infinity while it renders. */
export function finishedAtMs(job: VideoJob): number {
  return job.createdAtMs + job.renderMs * (job.failAt ?? 1);
}

/**
 * When a finished job's retention ends, in mock milliseconds: `expires_at` of a completed job (whole
 * seconds, as the API shows it), counted from the failure for a failed one; Infinity while it renders.
 */
export function expiresAtMs(job: VideoJob, retentionSeconds: number): number {
  const finished = finishedAtMs(job);
  return Number.isFinite(finished) ? (seconds(finished) + retentionSeconds) * 1000 : Infinity;
}

/**
 * The instants a job's status turns, as jobState answers it, for a store that counts statuses without
 * reading jobs (the Redis store keeps them as sorted-set scores): the job is finished (completed, or
 * failed when it has `failAt`) at and after `finishedFrom`, and queued before `queuedUntil`.
 */
export function statusTurns(job: VideoJob): { finishedFrom: number; queuedUntil: number } {
  const span = job.renderMs * (job.failAt ?? 1);
  return {
    // A job that takes no time is finished even before it was created (a clock that went back).
    finishedFrom: span === 0 ? -Infinity : job.createdAtMs + span,
    queuedUntil: Number.isFinite(job.renderMs) && job.renderMs > 0 ? job.createdAtMs + job.renderMs * QUEUED_FRACTION : -Infinity,
  };
}
