/**
 * `--fuzz N`: request bodies drawn from sora-kit's exported arbitraries (model names valid and invalid,
 * sizes, n, seconds, watermark), each with the answer of the rules oracle. Valid bodies must produce
 * media matching the oracle's spec; invalid ones a 4xx. Cases are sampled from `--seed`, so the plan
 * can count the generations before anything is sent, and a failure can be replayed.
 */
import fc from 'fast-check';
import pLimit from 'p-limit';
import { imageRequest, videoRequest, type ImageRequestCase, type VideoRequestCase } from '../../arbitraries/index.js';
import { analyzePromptHeuristic } from '../../spec/analysis.js';
import type { ConformanceClient } from '../client.js';
import { CheckFailure } from '../types.js';
import { expectRefusal, fail } from '../expect.js';
import { DOCUMENT_REFUSAL_PARAMS } from '../refusals.js';
import { createVideo, fetchContent, pollVideo, describeHistory } from '../jobs.js';
import { describeFacts, expectImageAspect, videoMismatches } from '../media.js';
import { PROMPTS, videoLabel } from '../resources.js';
import type { Check, CheckContext } from '../check.js';
import type { Generation, ResolvedRunOptions } from '../types.js';
import { expectCount, form, imagesOf } from './common.js';

export interface FuzzCases {
  images: ImageRequestCase[];
  videos: VideoRequestCase[];
}

const sampled = new Map<string, FuzzCases>();

/** A prompt with a shape word would let a deployment with prompt analysis on decide the shape; the oracle assumes analysis off. */
function neutral<T extends { prompt: string }>(body: T, fallback: string): T {
  const analysis = analyzePromptHeuristic(body.prompt);
  return analysis.orientation || analysis.aspect ? { ...body, prompt: fallback } : body;
}

/** The cases of a run: ceil(N/2) image bodies and floor(N/2) video bodies. */
export function fuzzCases(count: number, seed: number): FuzzCases {
  const key = `${count}:${seed}`;
  let cases = sampled.get(key);
  if (!cases) {
    const images = Math.ceil(count / 2);
    const videos = count - images;
    cases = {
      images: images ? fc.sample(imageRequest({ invalid: true }), { seed, numRuns: images }).map((c) => ({ ...c, body: neutral(c.body, PROMPTS.image) })) : [],
      videos: videos ? fc.sample(videoRequest({ invalid: true }), { seed: seed + 1, numRuns: videos }).map((c) => ({ ...c, body: neutral(c.body, PROMPTS.video) })) : [],
    };
    sampled.set(key, cases);
  }
  return cases;
}

const isScalar = (v: unknown) => v === undefined || ['string', 'number', 'boolean'].includes(typeof v);

/**
 * Image bodies go as the seed's multipart form when every value is text-like (a form carries text, and
 * the oracle reads '2' as 2); bodies with arrays or objects can only be JSON.
 */
function imageRequestSpec(body: ImageRequestCase['body']) {
  const scalar = Object.values(body).every(isScalar);
  return scalar
    ? { path: '/images/generations', form: form(body as Record<string, string | number | boolean | undefined>) }
    : { path: '/images/generations', json: body };
}

/** Video bodies go as JSON like the seed's; the text booleans a form would carry become JSON booleans. */
function videoBody(body: VideoRequestCase['body']): VideoRequestCase['body'] {
  const watermark = body.watermark === 'true' ? true : body.watermark === 'false' ? false : body.watermark;
  return watermark === undefined ? body : { ...body, watermark };
}

/** The oracle also refuses what sora-kit decides; only the document's refusals are judged. */
const SEED_REFUSALS = DOCUMENT_REFUSAL_PARAMS;

async function imageCase(client: ConformanceClient, c: ImageRequestCase): Promise<void> {
  const spec = imageRequestSpec(c.body);
  const what = `fuzz image ${JSON.stringify(c.body).slice(0, 160)}`;
  if (c.expected.status === 400 && !SEED_REFUSALS.includes(c.expected.param)) return;
  const exchange = await client.request({ ...spec, mistake: c.expected.status === 400, param: c.expected.status === 400 ? c.expected.param : undefined, generation: c.expected.status !== 400 });
  if (c.expected.status === 400) {
    expectRefusal(exchange, `${what} (the rules refuse '${c.expected.param}')`, c.expected.param);
    return;
  }
  const result = await imagesOf(client, exchange, what);
  expectCount(result.images.length, c.expected.n, what, exchange);
  for (const image of result.images) expectImageAspect(image, c.expected.spec.aspect, what);
}

async function videoCase(client: ConformanceClient, c: VideoRequestCase, options: ResolvedRunOptions): Promise<void> {
  const body = videoBody(c.body);
  const what = `fuzz video ${JSON.stringify(body).slice(0, 160)}`;
  if (c.expected.status === 400) {
    if (!SEED_REFUSALS.includes(c.expected.param)) return;
    expectRefusal(await client.request({ path: '/videos', json: body, mistake: true, param: c.expected.param }), `${what} (the rules refuse '${c.expected.param}')`, c.expected.param);
    return;
  }
  const spec = c.expected.spec;
  const { created, job } = await client.generating(async () => {
    const created = await createVideo(client, { path: '/videos', json: body }, what);
    if (created.video.size !== spec.size || created.video.seconds !== String(spec.seconds)) {
      fail(`${what}: the job says ${created.video.size} ${created.video.seconds}s, the rules say ${spec.size} ${spec.seconds}s`, created.exchange);
    }
    return { created, job: await pollVideo(client, created, videoLabel(spec), options) };
  });
  if (job.outcome !== 'completed') fail(`${what}: ${job.problem ?? job.outcome} (history ${describeHistory(job.history)})`, created.exchange);
  const content = await fetchContent(client, created.video.id);
  if (!content.facts || content.facts.kind !== 'video') fail(`${what}: the content is not a video (${content.error ?? describeFacts(content.facts!)})`, content.exchange);
  const problems = videoMismatches(content.facts, { orientation: spec.orientation, size: spec, seconds: spec.seconds });
  if (problems.length) fail(`${what}: decoded ${describeFacts(content.facts)}: ${problems.join('; ')}`, content.exchange);
}

/** Run every case (the concurrency limit applies), then fail with the first few that deviated. */
async function runCases<T>(ctx: CheckContext, cases: T[], one: (c: T) => Promise<void>): Promise<void> {
  if (ctx.options.fuzz === 0) ctx.skip('no fuzz cases asked for (fuzz is 0)');
  if (cases.length === 0) ctx.skip(`--fuzz ${ctx.options.fuzz} leaves no case for this check`);
  const limit = pLimit(ctx.options.concurrency);
  const failures: string[] = [];
  await Promise.all(
    cases.map((c, i) =>
      limit(async () => {
        try {
          await one(c);
        } catch (error) {
          if (!(error instanceof CheckFailure)) throw error;
          failures.push(`case ${i + 1}: ${error.message}`);
        }
      }),
    ),
  );
  if (failures.length) {
    fail(`${failures.length} of ${cases.length} cases deviate from the rules (replay with --fuzz ${ctx.options.fuzz} --seed ${ctx.options.seed}):\n${failures.slice(0, 3).join('\n')}`);
  }
}

export const fuzzChecks: Check[] = [
  {
    id: 'fuzz.images',
    group: 'fuzz',
    severity: 'must',
    purpose: 'Generated image bodies (sizes, n, valid and invalid) get what the rules oracle says: images of its aspect and count, or a 4xx.',
    rule: 'seed: 平台参数 size, n; rules: resolveImageRequest; arbitraries: imageRequest',
    generates: (options) =>
      fuzzCases(options.fuzz, options.seed)
        .images.flatMap((c): Generation[] => (c.expected.status === 200 ? [{ kind: 'image', label: `sora_image ${c.expected.spec.aspect} (fuzz)`, count: c.expected.n }] : [])),
    run: (ctx) => runCases(ctx, fuzzCases(ctx.options.fuzz, ctx.options.seed).images, (c) => imageCase(ctx.client, c)),
  },
  {
    id: 'fuzz.videos',
    group: 'fuzz',
    severity: 'must',
    purpose: 'Generated video bodies (model names in any order, sizes, seconds, valid and invalid) get the oracle\'s spec or a 4xx.',
    rule: 'seed: 模型参数, 平台参数 size; rules: resolveVideoRequest; arbitraries: videoRequest',
    generates: (options) =>
      fuzzCases(options.fuzz, options.seed)
        .videos.flatMap((c): Generation[] => (c.expected.status === 200 ? [{ kind: 'video', label: `${videoLabel(c.expected.spec)} (fuzz)`, count: 1 }] : [])),
    run: (ctx) => runCases(ctx, fuzzCases(ctx.options.fuzz, ctx.options.seed).videos, (c) => videoCase(ctx.client, c, ctx.options)),
  },
];
