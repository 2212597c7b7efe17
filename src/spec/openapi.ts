/**
 * The OpenAPI 3.1 document of `/sora/v1`, generated from the zod schemas so the two cannot drift.
 *
 * Built with zod-openapi (v5, the last line that runs on Node 20) rather than `z.toJSONSchema` plus a
 * hand-made builder: it already turns `.meta({ id })` into shared components, renders request bodies
 * and parameters in zod's input mode and responses in output mode (defaults optional on the way in,
 * present on the way out), and expands `requestParams` objects into parameter lists.
 */
import { createDocument } from 'zod-openapi';
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { z } from 'zod';
import { stringify as toYaml } from 'yaml';
import { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './schemas/chat.js';
import { ErrorEnvelope } from './schemas/errors.js';
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

export const BASE_PATH = '/sora/v1';
export const LICENCE_SCHEME = 'licence';

type OpenApiDocument = ReturnType<typeof createDocument>;

const ERROR_DESCRIPTIONS = {
  '400': 'Invalid request: malformed JSON or multipart, a wrong type, an unknown model, a malformed value. `param` names the parameter.',
  '401': 'The Authorization header is missing, or the licence is unknown.',
  '403': 'The licence does not include the paid add-on this endpoint needs (images or videos); the message names it.',
  '404': 'No such video (never created, deleted or expired), or no such route.',
  '409': 'The video is not in a state that allows this (content before completion, remix of an unfinished video).',
  '413': 'The request body or an uploaded file is too large.',
  '416': 'The Range header does not overlap the content (`Content-Range: bytes */<size>`).',
  '429': 'Too many requests; retry after the number of seconds in `Retry-After`.',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

function errorResponse(status: ErrorStatus): ZodOpenApiResponseObject {
  const response: ZodOpenApiResponseObject = {
    description: ERROR_DESCRIPTIONS[status],
    content: { 'application/json': { schema: ErrorEnvelope } },
  };
  if (status === '429') {
    response.headers = z.object({
      'Retry-After': z.string().meta({ description: 'Seconds to wait before retrying.', examples: ['2'] }),
    });
  }
  return response;
}

/** Errors every authenticated operation can answer with; endpoints add their own on top. */
const COMMON_ERRORS: ErrorStatus[] = ['400', '401', '429'];
const PAID_ERRORS: ErrorStatus[] = [...COMMON_ERRORS, '403'];

function responses(ok: ZodOpenApiResponsesObject, errors: ErrorStatus[]): ZodOpenApiResponsesObject {
  const all: ZodOpenApiResponsesObject = { ...ok };
  for (const status of [...new Set(errors)].sort()) all[status] = errorResponse(status);
  return all;
}

function json(schema: z.ZodType, description: string): ZodOpenApiResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

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

const chat: ZodOpenApiOperationObject = {
  operationId: 'createChatCompletion',
  tags: ['Chat'],
  summary: 'Generate images or videos through the chat interface (stream or not).',
  description:
    '`sora_image` answers with markdown image links; video models render a video job and answer with a link ' +
    'to the MP4. With `stream: true` the answer is a stream of server-sent events ending with `data: [DONE]`.',
  requestBody: { required: true, content: { 'application/json': { schema: ChatCompletionRequest } } },
  responses: responses(
    {
      '200': {
        description: 'The completion (`stream: false`) or a server-sent event stream of chunks (`stream: true`).',
        content: {
          'application/json': { schema: ChatCompletion },
          'text/event-stream': { schema: ChatCompletionChunk, example: SSE_EXAMPLE },
        },
      },
    },
    [...COMMON_ERRORS, '413'],
  ),
};

const imagesGenerate: ZodOpenApiOperationObject = {
  operationId: 'createImage',
  tags: ['Images'],
  summary: 'Text to image (a paid add-on).',
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': { schema: ImageGenerationRequest },
      'application/json': { schema: ImageGenerationRequest },
    },
  },
  responses: responses({ '200': json(ImagesResponse, 'The generated images.') }, PAID_ERRORS),
};

const imagesEdit: ZodOpenApiOperationObject = {
  operationId: 'createImageEdit',
  tags: ['Images'],
  summary: 'Image to image from one or more uploaded images (a paid add-on).',
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: ImageEditRequest,
        encoding: { image: { contentType: 'image/png, image/jpeg, image/webp' } },
      },
    },
  },
  responses: responses({ '200': json(ImagesResponse, 'The edited images.') }, [...PAID_ERRORS, '413']),
};

const videosCreate: ZodOpenApiOperationObject = {
  operationId: 'createVideo',
  tags: ['Videos'],
  summary: 'Start a video job (a paid add-on).',
  requestBody: {
    required: true,
    content: {
      'application/json': { schema: VideoCreateRequest.omit({ input_reference: true }) },
      'multipart/form-data': { schema: VideoCreateRequest },
    },
  },
  responses: responses({ '200': json(VideoResource, 'The new job, `queued`.') }, [...PAID_ERRORS, '413']),
};

const videosList: ZodOpenApiOperationObject = {
  operationId: 'listVideos',
  tags: ['Videos'],
  summary: 'List video jobs, newest first by default.',
  requestParams: { query: VideoListQuery },
  responses: responses({ '200': json(VideoListResource, 'A page of video jobs.') }, PAID_ERRORS),
};

const videosRetrieve: ZodOpenApiOperationObject = {
  operationId: 'retrieveVideo',
  tags: ['Videos'],
  summary: 'The current state of a video job.',
  requestParams: { path: VideoIdParams },
  responses: responses({ '200': json(VideoResource, 'The video job.') }, [...PAID_ERRORS, '404']),
};

const videosDelete: ZodOpenApiOperationObject = {
  operationId: 'deleteVideo',
  tags: ['Videos'],
  summary: 'Delete a video job and its media.',
  requestParams: { path: VideoIdParams },
  responses: responses({ '200': json(DeletedVideoResource, 'The video was deleted.') }, [...PAID_ERRORS, '404']),
};

const videosRemix: ZodOpenApiOperationObject = {
  operationId: 'remixVideo',
  tags: ['Videos'],
  summary: 'Start a new job from a completed video with a new prompt (same size and duration).',
  requestParams: { path: VideoIdParams },
  requestBody: {
    required: true,
    content: {
      'application/json': { schema: VideoRemixRequest },
      'multipart/form-data': { schema: VideoRemixRequest },
    },
  },
  responses: responses(
    { '200': json(VideoResource, 'The new job, `queued`, with `remixed_from_video_id`.') },
    [...PAID_ERRORS, '404', '409'],
  ),
};

const binary = { type: 'string', format: 'binary' } as const;

const contentHeaders = z.object({
  'Content-Length': z.int().nonnegative().meta({ description: 'Bytes in this response.' }),
  'Accept-Ranges': z.literal('bytes'),
  ETag: z.string().meta({ description: 'Strong validator of the media bytes.' }),
});

const videosContent: ZodOpenApiOperationObject = {
  operationId: 'retrieveVideoContent',
  tags: ['Videos'],
  summary: 'Download the MP4, its WebP thumbnail or its JPEG spritesheet; supports Range requests.',
  requestParams: {
    path: VideoIdParams,
    query: VideoContentQuery,
    header: z.object({
      Range: z
        .string()
        .optional()
        .meta({ description: 'A single byte range, e.g. `bytes=0-1023`, as browsers send to seek.', examples: ['bytes=0-1023'] }),
    }),
  },
  responses: responses(
    {
      '200': {
        description: 'The whole asset: video/mp4 (variant=video), image/webp (thumbnail) or image/jpeg (spritesheet).',
        headers: contentHeaders,
        content: { 'video/mp4': { schema: binary }, 'image/webp': { schema: binary }, 'image/jpeg': { schema: binary } },
      },
      '206': {
        description: 'The requested byte range of the asset.',
        headers: contentHeaders.extend({
          'Content-Range': z.string().meta({ description: 'bytes <first>-<last>/<size>', examples: ['bytes 0-1023/48213'] }),
        }),
        content: { 'video/mp4': { schema: binary }, 'image/webp': { schema: binary }, 'image/jpeg': { schema: binary } },
      },
    },
    [...PAID_ERRORS, '404', '409', '416'],
  ),
};

const modelsList: ZodOpenApiOperationObject = {
  operationId: 'listModels',
  tags: ['Models'],
  summary: 'Every model name the platform accepts, in canonical spelling.',
  responses: responses({ '200': json(ModelList, 'The model list.') }, ['401', '429']),
};

/** The OpenAPI 3.1 document of the platform; deterministic, so the checked-in copy can be compared. */
export function buildOpenApiDocument(): OpenApiDocument {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Sora platform API',
      version: '1.0.0',
      description:
        'A licence-keyed gateway exposing Sora image and video generation behind OpenAI-style endpoints. ' +
        'Generated from the zod schemas of sora-kit.',
    },
    servers: [
      {
        url: `{scheme}://{host}:{port}${BASE_PATH}`,
        description: 'A platform deployment; `sora-kit serve` listens on 127.0.0.1:4010.',
        variables: {
          scheme: { default: 'http', enum: ['http', 'https'] },
          host: { default: '127.0.0.1' },
          port: { default: '4010' },
        },
      },
    ],
    security: [{ [LICENCE_SCHEME]: [] }],
    tags: [{ name: 'Chat' }, { name: 'Images' }, { name: 'Videos' }, { name: 'Models' }],
    paths: {
      '/chat/completions': { post: chat },
      '/images/generations': { post: imagesGenerate },
      '/images/edits': { post: imagesEdit },
      '/videos': { post: videosCreate, get: videosList },
      '/videos/{video_id}': { get: videosRetrieve, delete: videosDelete },
      '/videos/{video_id}/remix': { post: videosRemix },
      '/videos/{video_id}/content': { get: videosContent },
      '/models': { get: modelsList },
    },
    components: {
      securitySchemes: {
        [LICENCE_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'The platform licence, sent as `Authorization: <licence>` (the platform\'s own form) or ' +
            '`Authorization: Bearer <licence>` (what OpenAI SDKs send with `apiKey: <licence>`); both are accepted.',
        },
      },
    },
  });
}

export type OpenApiFormat = 'yaml' | 'json';
export const OPENAPI_FORMATS: readonly OpenApiFormat[] = ['yaml', 'json'];

/**
 * The document as text. No YAML anchors (readers of the checked-in file should not chase aliases) and
 * no line folding (a changed description shows up as a one-line diff).
 */
export function renderOpenApiDocument(format: OpenApiFormat): string {
  const document = buildOpenApiDocument();
  if (format === 'json') return `${JSON.stringify(document, null, 2)}\n`;
  return toYaml(document, { aliasDuplicateObjects: false, lineWidth: 0 });
}
