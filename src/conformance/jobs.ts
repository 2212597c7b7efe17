/**
 * Video jobs as a client sees them: create, poll until a final status (recording every observation
 * for the failure messages; `videos.lifecycle` judges the transitions of every job from the run's
 * traffic), and fetch the content. Polling backs off from 100 ms to 2 s: quick against a fast mock,
 * polite against a real deployment.
 */
import { sleep } from '../util/index.js';
import { inspectMedia, MediaInspectionError, type MediaFacts } from '../media/inspect.js';
import { VideoResource } from '../spec/schemas/videos.js';
import type { ConformanceClient, Exchange, RequestSpec } from './client.js';
import { bodyJson } from './client.js';
import { describeIssues, expectJson } from './expect.js';
import type { ResolvedRunOptions } from './types.js';

export interface Observation {
  status: string;
  progress: number;
}

export interface TrackedVideo {
  label: string;
  create: Exchange;
  created: VideoResource;
  /** Every status seen, starting with the create answer. */
  history: Observation[];
  final?: VideoResource;
  outcome: 'completed' | 'failed' | 'timeout' | 'invalid';
  /** Why polling stopped early (an invalid poll answer, the wait running out). */
  problem?: string;
}

export interface VideoContent {
  exchange: Exchange;
  facts?: MediaFacts;
  /** Why the body did not decode. */
  error?: string;
}

const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 2000;

/** POST a job; fails the calling check when the answer is not a valid video object. */
export async function createVideo(client: ConformanceClient, spec: RequestSpec, label: string): Promise<{ exchange: Exchange; video: VideoResource }> {
  const exchange = await client.request(spec);
  return { exchange, video: expectJson(exchange, VideoResource, `creating ${label}`) };
}

export async function pollVideo(
  client: ConformanceClient,
  created: { exchange: Exchange; video: VideoResource },
  label: string,
  options: Pick<ResolvedRunOptions, 'maxWaitSeconds' | 'onProgress'>,
): Promise<TrackedVideo> {
  const job: TrackedVideo = {
    label,
    create: created.exchange,
    created: created.video,
    history: [{ status: created.video.status, progress: created.video.progress }],
    outcome: 'timeout',
  };
  const report = (v: VideoResource) => options.onProgress({ type: 'job', videoId: v.id, label, status: v.status, progress: v.progress });
  report(created.video);
  let current = created.video;
  const deadline = Date.now() + options.maxWaitSeconds * 1000;
  let wait = FIRST_POLL_MS;
  while (current.status !== 'completed' && current.status !== 'failed') {
    if (Date.now() + wait > deadline) {
      job.problem = `${label} (${current.id}) was still ${current.status} at ${current.progress}% after ${options.maxWaitSeconds} s (the run's longest wait)`;
      return job;
    }
    await sleep(wait);
    wait = Math.min(MAX_POLL_MS, Math.round(wait * 1.5));
    const exchange = await client.request({ path: `/videos/${encodeURIComponent(current.id)}` });
    const parsed = VideoResource.safeParse(bodyJson(exchange));
    if (exchange.status !== 200 || !parsed.success) {
      job.outcome = 'invalid';
      job.problem = `polling ${label}: GET /videos/${current.id} answered ${exchange.status} ${parsed.success ? '' : `(${describeIssues(parsed.error)})`}`;
      return job;
    }
    current = parsed.data;
    job.history.push({ status: current.status, progress: current.progress });
    report(current);
  }
  job.final = current;
  job.outcome = current.status === 'completed' ? 'completed' : 'failed';
  if (job.outcome === 'failed') job.problem = `${label} (${current.id}) failed: ${current.error?.message ?? 'no error given'}`;
  return job;
}

/** GET the content of a video (a variant, when given) and try to decode it; never throws on bad bytes. */
export async function fetchContent(client: ConformanceClient, videoId: string, variant?: string): Promise<VideoContent> {
  const query = variant ? `?variant=${encodeURIComponent(variant)}` : '';
  const exchange = await client.request({ path: `/videos/${encodeURIComponent(videoId)}/content${query}` });
  if (exchange.status !== 200) return { exchange, error: `answered ${exchange.status}` };
  try {
    return { exchange, facts: await inspectMedia(exchange.body) };
  } catch (error) {
    if (error instanceof MediaInspectionError) return { exchange, error: error.message };
    throw error;
  }
}

export function describeHistory(history: readonly Observation[]): string {
  const shown = history.map((o) => `${o.status}:${o.progress}`);
  return shown.length > 12 ? `${shown.slice(0, 6).join(' ')} … ${shown.slice(-5).join(' ')}` : shown.join(' ');
}
