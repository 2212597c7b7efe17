/**
 * The operation table of `/sora/v1`: each operation once, with its method and path, the licence add-on
 * it needs, whether it starts work, the schemas of its input, every status it may answer, and its
 * documentation. The mock's router and request pipeline, `Allow` per path, and the OpenAPI document's
 * paths and responses all derive from it (as Prism builds its routes from the operations).
 */
import { z } from 'zod';
import type { ZodOpenApiResponseObject } from 'zod-openapi';
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './schemas/chat.js';
import {
  imageEditFromForm,
  imageGenerationFromForm,
  videoContentQueryFromParams,
  videoCreateFromForm,
  videoListQueryFromParams,
  videoRemixFromForm,
} from './schemas/form.js';
import { ImageEditRequest, ImageGenerationRequest, ImagesResponse } from './schemas/images.js';
import { ModelList } from './schemas/models.js';
import {
  DeletedVideoResource,
  VideoContentQuery,
  VideoCreateRequest,
  VideoIdParams,
  VideoListQuery,
  VideoListResource,
  VideoRemixRequest,
  VideoResource,
} from './schemas/videos.js';

/** Where the platform serves its API (the seed: `http://<你的IP>:<你的端口>/sora/v1/...`). */
export const BASE_PATH = '/sora/v1';

/** The platform's add-ons: chat is in every licence; images and videos are paid extras (seed: 需要额外付费开通). */
export const FEATURES = ['chat', 'images', 'videos'] as const;
export type Feature = (typeof FEATURES)[number];

/** Every status an operation may answer, with what it means there (the OpenAPI descriptions). */
export const STATUS_MEANINGS = {
  '200': 'OK.',
  '206': 'The requested byte range.',
  '304': 'Not modified (`If-None-Match` matched the `ETag`).',
  '400': 'Invalid request: malformed JSON or multipart, a wrong type, an unknown model, a malformed value. `param` names the parameter.',
  '401': 'The Authorization header is missing, or the licence is unknown.',
  '403': 'The licence does not include the paid add-on this endpoint needs (images or videos); the message names it.',
  '404': 'No such video for this licence (never created, deleted, another licence\'s, or evicted by the job cap: `video_expired`, `video_evicted`).',
  '408': 'The client closed the request before the answer was ready (recorded, never received).',
  '409': 'The video is not in a state that allows this (content before completion, remix of an unfinished video).',
  '410': 'The content of the video expired (its retention ended).',
  '413': 'The request body or an uploaded file is too large.',
  '415': 'The Content-Type is not one this operation accepts.',
  '416': 'The Range header does not overlap the content (`Content-Range: bytes */<size>`).',
  '429': 'Too many requests, or (`job_limit_reached`) the job store is full of jobs still rendering; retry after the number of seconds in `Retry-After`.',
  '500': 'The server failed while processing the request.',
} as const;
export type Status = keyof typeof STATUS_MEANINGS;

/**
 * Answered on every path whatever the operation: a malformed `Prefer` header (400), no or an unknown
 * licence (401), the scenarios that answer before any work (429, 500).
 */
const EVERY_OPERATION: Status[] = ['400', '401', '429', '500'];
/** What reading a body adds. */
const WITH_BODY: Status[] = ['413', '415'];

export interface OperationBody {
  /** The schema a JSON body is validated with (and documented by); absent when JSON is refused. */
  json?: z.ZodType;
  /** The schema of the multipart form, after `fromForm`; absent when multipart is refused. */
  form?: z.ZodType;
  fromForm?: (form: FormData) => Record<string, unknown>;
  /** For the OpenAPI document: the JSON variant's schema when it differs (files only in multipart). */
  jsonDocSchema?: z.ZodType;
  /** multipart encodings for the document. */
  encoding?: Record<string, { contentType: string }>;
}

export interface OperationDef {
  method: 'GET' | 'POST' | 'DELETE';
  /** Under the base path, in OpenAPI style: `/videos/{video_id}`. */
  path: string;
  feature: Feature;
  /** Generations start work and honour every scenario; reads only the ones that answer first. */
  work: 'generation' | 'read';
  params?: z.ZodType;
  query?: z.ZodType;
  queryFromParams?: (params: URLSearchParams) => Record<string, unknown>;
  body?: OperationBody;
  /** Every status this operation may answer. A test holds the mock to it. */
  statuses: Status[];
  tags: string[];
  summary: string;
  description?: string;
  /** The success responses as documented (the error ones derive from `statuses`). */
  ok: Partial<Record<Status, ZodOpenApiResponseObject>>;
  /** Extra request parameters for the document only (headers such as Range). */
  headerDoc?: z.ZodObject;
}

function json(schema: z.ZodType, description: string): ZodOpenApiResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

const statuses = (...groups: Status[][]): Status[] => [...new Set(groups.flat())].sort();

const SSE_EXAMPLE = [
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1735689600,"model":"sora_image","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
  '',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1735689600,"model":"sora_image","choices":[{"index":0,"delta":{"content":"![image](http://127.0.0.1:4010/media/example.png)"},"finish_reason":null}]}',
  '',
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1735689600,"model":"sora_image","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

const binary = { type: 'string', format: 'binary' } as const;
const mediaContent = { 'video/mp4': { schema: binary }, 'image/webp': { schema: binary }, 'image/jpeg': { schema: binary } };
const contentHeaders = z.object({
  'Content-Length': z.int().nonnegative().meta({ description: 'Bytes in this response.' }),
  'Accept-Ranges': z.literal('bytes'),
  ETag: z.string().meta({ description: 'Strong validator of the media bytes.' }),
});

export const OPERATIONS = {
  createChatCompletion: {
    method: 'POST',
    path: '/chat/completions',
    feature: 'chat',
    work: 'generation',
    body: { json: ChatCompletionRequest },
    statuses: statuses(EVERY_OPERATION, WITH_BODY, ['200', '408']),
    tags: ['Chat'],
    summary: 'Generate images or videos through the chat interface (stream or not).',
    description:
      '`sora_image` answers with markdown image links; video models render a video job and answer with a link ' +
      'to the MP4. With `stream: true` the answer is a stream of server-sent events ending with `data: [DONE]`.',
    ok: {
      '200': {
        description: 'The completion (`stream: false`) or a server-sent event stream of chunks (`stream: true`).',
        content: {
          'application/json': { schema: ChatCompletion },
          'text/event-stream': { schema: ChatCompletionChunk, example: SSE_EXAMPLE },
        },
      },
    },
  },
  createImage: {
    method: 'POST',
    path: '/images/generations',
    feature: 'images',
    work: 'generation',
    body: { json: ImageGenerationRequest, form: ImageGenerationRequest, fromForm: imageGenerationFromForm },
    statuses: statuses(EVERY_OPERATION, WITH_BODY, ['200', '403', '408']),
    tags: ['Images'],
    summary: 'Text to image (a paid add-on).',
    ok: { '200': json(ImagesResponse, 'The generated images.') },
  },
  createImageEdit: {
    method: 'POST',
    path: '/images/edits',
    feature: 'images',
    work: 'generation',
    body: {
      form: ImageEditRequest,
      fromForm: imageEditFromForm,
      encoding: { image: { contentType: 'image/png, image/jpeg, image/webp' } },
    },
    statuses: statuses(EVERY_OPERATION, WITH_BODY, ['200', '403', '408']),
    tags: ['Images'],
    summary: 'Image to image from one or more uploaded images (a paid add-on).',
    ok: { '200': json(ImagesResponse, 'The edited images.') },
  },
  createVideo: {
    method: 'POST',
    path: '/videos',
    feature: 'videos',
    work: 'generation',
    body: {
      json: VideoCreateRequest,
      jsonDocSchema: VideoCreateRequest.omit({ input_reference: true }),
      form: VideoCreateRequest,
      fromForm: videoCreateFromForm,
    },
    statuses: statuses(EVERY_OPERATION, WITH_BODY, ['200', '403']),
    tags: ['Videos'],
    summary: 'Start a video job (a paid add-on).',
    ok: { '200': json(VideoResource, 'The new job, `queued`.') },
  },
  listVideos: {
    method: 'GET',
    path: '/videos',
    feature: 'videos',
    work: 'read',
    query: VideoListQuery,
    queryFromParams: videoListQueryFromParams,
    // 404: `after` names no video of this licence.
    statuses: statuses(EVERY_OPERATION, ['200', '403', '404']),
    tags: ['Videos'],
    summary: 'List video jobs, newest first by default.',
    ok: { '200': json(VideoListResource, 'A page of video jobs.') },
  },
  retrieveVideo: {
    method: 'GET',
    path: '/videos/{video_id}',
    feature: 'videos',
    work: 'read',
    params: VideoIdParams,
    statuses: statuses(EVERY_OPERATION, ['200', '403', '404']),
    tags: ['Videos'],
    summary: 'The current state of a video job.',
    ok: { '200': json(VideoResource, 'The video job.') },
  },
  deleteVideo: {
    method: 'DELETE',
    path: '/videos/{video_id}',
    feature: 'videos',
    work: 'read',
    params: VideoIdParams,
    statuses: statuses(EVERY_OPERATION, ['200', '403', '404']),
    tags: ['Videos'],
    summary: 'Delete a video job and its media.',
    ok: { '200': json(DeletedVideoResource, 'The video was deleted.') },
  },
  remixVideo: {
    method: 'POST',
    path: '/videos/{video_id}/remix',
    feature: 'videos',
    work: 'generation',
    params: VideoIdParams,
    body: { json: VideoRemixRequest, form: VideoRemixRequest, fromForm: videoRemixFromForm },
    statuses: statuses(EVERY_OPERATION, WITH_BODY, ['200', '403', '404', '409']),
    tags: ['Videos'],
    summary: 'Start a new job from a completed video with a new prompt (same size and duration).',
    ok: { '200': json(VideoResource, 'The new job, `queued`, with `remixed_from_video_id`.') },
  },
  retrieveVideoContent: {
    method: 'GET',
    path: '/videos/{video_id}/content',
    feature: 'videos',
    work: 'read',
    params: VideoIdParams,
    query: VideoContentQuery,
    queryFromParams: videoContentQueryFromParams,
    headerDoc: z.object({
      Range: z
        .string()
        .optional()
        .meta({ description: 'A single byte range, e.g. `bytes=0-1023`, as browsers send to seek.', examples: ['bytes=0-1023'] }),
    }),
    statuses: statuses(EVERY_OPERATION, ['200', '206', '304', '403', '404', '409', '410', '416']),
    tags: ['Videos'],
    summary: 'Download the MP4, its WebP thumbnail or its JPEG spritesheet; supports Range requests.',
    ok: {
      '200': {
        description: 'The whole asset: video/mp4 (variant=video), image/webp (thumbnail) or image/jpeg (spritesheet).',
        headers: contentHeaders,
        content: mediaContent,
      },
      '206': {
        description: 'The requested byte range of the asset.',
        headers: contentHeaders.extend({
          'Content-Range': z.string().meta({ description: 'bytes <first>-<last>/<size>', examples: ['bytes 0-1023/48213'] }),
        }),
        content: mediaContent,
      },
    },
  },
  listModels: {
    method: 'GET',
    path: '/models',
    feature: 'chat',
    work: 'read',
    statuses: statuses(EVERY_OPERATION, ['200']),
    tags: ['Models'],
    summary: 'Every model name the platform accepts, in canonical spelling.',
    ok: { '200': json(ModelList, 'The model list.') },
  },
} as const satisfies Record<string, OperationDef>;

export type OperationId = keyof typeof OPERATIONS;
export const OPERATION_IDS = Object.keys(OPERATIONS) as OperationId[];
