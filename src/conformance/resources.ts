/**
 * Generations shared by several checks: one chat stream or one video job (create + poll + content)
 * serves every check that looks at it, so the plan stays small. Each is started on first use and
 * memoised; when it cannot be made, every check using it fails with the same message.
 */
import { encodePng } from '../media/png.js';
import { VIDEO_DEFAULTS, parseModelName } from '../spec/model.js';
import { videoSpecFor, type VideoSpec } from '../spec/rules.js';
import type { VideoResource } from '../spec/schemas/videos.js';
import { readChatStream, type ChatStream, type ConformanceClient, type Exchange } from './client.js';
import { createVideo, fetchContent, pollVideo, type VideoContent, type TrackedVideo } from './jobs.js';
import type { Generation, ResolvedRunOptions } from './types.js';

/** Prompts without any shape word, so a deployment with prompt analysis on decides nothing from them. */
export const PROMPTS = { image: 'a red bicycle in the rain', video: 'a cat on a windowsill', remix: 'add a small dog' } as const;

/** A small 3:2 PNG (96x64) with a gradient, used as the input image of edits and image-to-image chat. */
export function inputPng(width = 96, height = 64): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((x / width) * 255);
      data[i + 1] = Math.round((y / height) * 255);
      data[i + 2] = 128;
    }
  }
  return encodePng({ width, height, data });
}

/** The seed's edit form: prompt, model and the 3:2 input under `image[]`. */
function editForm(): FormData {
  const body = new FormData();
  body.append('prompt', PROMPTS.image);
  body.append('model', 'sora_image');
  body.append('image[]', new Blob([new Uint8Array(inputPng())], { type: 'image/png' }), 'input.png');
  return body;
}

export function dataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}

/** The spec the rules give a video model name with no other parameter (orientation from the name or portrait). */
export function specOfModel(name: string, orientation?: 'portrait' | 'landscape'): VideoSpec {
  const parsed = parseModelName(name);
  if (!parsed.ok || parsed.model.base === 'sora_image') throw new TypeError(`specOfModel: '${name}' is not a video model`);
  return videoSpecFor(parsed.model, parsed.model.orientation ?? orientation ?? VIDEO_DEFAULTS.orientation);
}

export function videoLabel(spec: VideoSpec): string {
  return `${spec.model} ${spec.size} ${spec.seconds}s`;
}

export interface JobWithContent {
  job: TrackedVideo;
  content?: VideoContent;
}

export interface EarlyProbe {
  created: VideoResource;
  /** GET content right after creation. */
  content: Exchange;
  /** GET the job right after that. */
  after: Exchange;
}

export interface RemixResult {
  sourceId: string;
  create: Exchange;
  /** GET /videos/{remix id} after creation (undefined when the create failed). */
  retrieve?: Exchange;
}

interface Env {
  client: ConformanceClient;
  options: ResolvedRunOptions;
  resources: Resources;
}

async function chatStream(env: Env, content: unknown): Promise<ChatStream> {
  const sse = await env.client.sse({
    path: '/chat/completions',
    json: { model: 'sora_image', stream: true, messages: [{ role: 'user', content }] },
    generation: true,
  });
  return readChatStream(sse);
}

async function jobWithContent(env: Env, body: Record<string, unknown> | FormData, spec: VideoSpec): Promise<JobWithContent> {
  const label = videoLabel(spec);
  const job = await env.client.generating(async () => {
    const created = await createVideo(env.client, body instanceof FormData ? { path: '/videos', form: body } : { path: '/videos', json: body }, label);
    return pollVideo(env.client, created, label, env.options);
  });
  if (job.outcome !== 'completed') return { job };
  return { job, content: await fetchContent(env.client, job.created.id) };
}

const DEFAULT_SPEC = specOfModel('sora_video2');
const LANDSCAPE_SPEC = specOfModel('sora_video2', 'landscape');
const EARLY_SPEC = specOfModel('sora_video');
/** sora_video2 leaves the duration open: `seconds` 15 decides it (and size 1792x1024 the orientation). */
export const MULTIPART_SPEC = { ...specOfModel('sora_video2-15s', 'landscape'), model: 'sora_video2' };

const image = (label: string): Generation[] => [{ kind: 'image', label, count: 1 }];
const video = (spec: VideoSpec, note = ''): Generation[] => [{ kind: 'video', label: videoLabel(spec) + note, count: 1 }];

const SHARED = {
  'chat:image-stream': {
    generations: image('sora_image 1:1 (chat stream)'),
    create: (env: Env) => chatStream(env, PROMPTS.image),
  },
  'chat:image-to-image': {
    generations: image('sora_image 3:2 (chat, from a data URI)'),
    create: (env: Env) =>
      chatStream(env, [
        { type: 'text', text: PROMPTS.image },
        { type: 'image_url', image_url: { url: dataUri(inputPng()) } },
      ]),
  },
  'image:edit': {
    generations: image('sora_image 3:2 (edit of a 96x64 input)'),
    create: (env: Env): Promise<Exchange> =>
      env.client.request({ path: '/images/edits', form: editForm(), generation: true }),
  },
  'video:default': {
    generations: video(DEFAULT_SPEC),
    create: (env: Env) => jobWithContent(env, { prompt: PROMPTS.video, model: 'sora_video2' }, DEFAULT_SPEC),
  },
  'video:landscape': {
    generations: video(LANDSCAPE_SPEC, ' (size 1792x1024)'),
    create: (env: Env) => jobWithContent(env, { prompt: PROMPTS.video, model: 'sora_video2', size: '1792x1024' }, LANDSCAPE_SPEC),
  },
  'video:multipart': {
    generations: video(MULTIPART_SPEC, ' (multipart, size 1792x1024, seconds 15)'),
    create: (env: Env) => {
      const body = new FormData();
      for (const [k, v] of Object.entries({ prompt: PROMPTS.video, model: 'sora_video2', size: '1792x1024', seconds: '15' })) body.append(k, v);
      return jobWithContent(env, body, MULTIPART_SPEC);
    },
  },
  'video:early': {
    generations: video(EARLY_SPEC, ' (deleted)'),
    create: async (env: Env): Promise<EarlyProbe> => {
      const { video: created } = await createVideo(env.client, { path: '/videos', json: { prompt: PROMPTS.video, model: 'sora_video' }, generation: true }, videoLabel(EARLY_SPEC));
      const content = await env.client.request({ path: `/videos/${encodeURIComponent(created.id)}/content`, mistake: created.status !== 'completed' });
      const after = await env.client.request({ path: `/videos/${encodeURIComponent(created.id)}` });
      return { created, content, after };
    },
  },
  'video:remix': {
    generations: video(DEFAULT_SPEC, ' (remix)'),
    create: async (env: Env): Promise<RemixResult> => {
      const source = await env.resources.get('video:default');
      if (source.job.outcome !== 'completed') throw new Error(`the source video did not complete: ${source.job.problem ?? source.job.outcome}`);
      const sourceId = source.job.created.id;
      const create = await env.client.request({ path: `/videos/${encodeURIComponent(sourceId)}/remix`, json: { prompt: PROMPTS.remix, model: 'sora_video2' }, generation: true });
      const id = (() => {
        try {
          return (JSON.parse(new TextDecoder().decode(create.body)) as { id?: unknown }).id;
        } catch {
          return undefined;
        }
      })();
      const retrieve = typeof id === 'string' ? await env.client.request({ path: `/videos/${encodeURIComponent(id)}` }) : undefined;
      return { sourceId, create, retrieve };
    },
  },
} as const;

export type SharedKeyName = keyof typeof SHARED;
export type SharedValue<K extends SharedKeyName> = Awaited<ReturnType<(typeof SHARED)[K]['create']>>;

export function sharedGenerations(key: string): Generation[] {
  const def = (SHARED as Record<string, { generations: Generation[] }>)[key];
  if (!def) throw new TypeError(`unknown shared generation '${key}'`);
  return def.generations;
}


export class Resources {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: ConformanceClient,
    private readonly options: ResolvedRunOptions,
  ) {}

  get<K extends SharedKeyName>(key: K): Promise<SharedValue<K>> {
    let value = this.cache.get(key);
    if (!value) {
      const env: Env = { client: this.client.forCheck(`shared:${key}`), options: this.options, resources: this };
      value = SHARED[key].create(env);
      // Observed through the checks that await it; a rejection nobody awaited must not crash the run.
      value.catch(() => {});
      this.cache.set(key, value);
    }
    return value as Promise<SharedValue<K>>;
  }
}
