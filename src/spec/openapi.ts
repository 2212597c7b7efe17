/**
 * The OpenAPI 3.1 document of `/sora/v1`, generated from the zod schemas so the two cannot drift.
 *
 * Built with zod-openapi (v5, the last line that runs on Node 20) rather than `z.toJSONSchema` plus a
 * hand-made builder: it already turns `.meta({ id })` into shared components, renders request bodies
 * and parameters in zod's input mode and responses in output mode (defaults optional on the way in,
 * present on the way out), and expands `requestParams` objects into parameter lists.
 */
import { createDocument } from 'zod-openapi';
import type {
  ZodOpenApiOperationObject,
  ZodOpenApiPathsObject,
  ZodOpenApiRequestBodyObject,
  ZodOpenApiResponseObject,
  ZodOpenApiResponsesObject,
} from 'zod-openapi';
import { z } from 'zod';
import { stringify as toYaml } from 'yaml';
import { BASE_PATH, OPERATIONS, STATUS_MEANINGS, type OperationDef, type Status } from './operations.js';
import { ErrorEnvelope } from './schemas/errors.js';

export { BASE_PATH } from './operations.js';
export const LICENSE_SCHEME = 'license';

type OpenApiDocument = ReturnType<typeof createDocument>;

function errorResponse(status: Status): ZodOpenApiResponseObject {
  const response: ZodOpenApiResponseObject = {
    description: STATUS_MEANINGS[status],
    content: { 'application/json': { schema: ErrorEnvelope } },
  };
  if (status === '429') {
    response.headers = z.object({
      'Retry-After': z.string().meta({ description: 'Seconds to wait before retrying.', examples: ['2'] }),
    });
  }
  return response;
}

/** Success answers as the table documents them; every other declared status is an error envelope (or, for 304, nothing). */
function responsesOf(op: OperationDef): ZodOpenApiResponsesObject {
  const all: ZodOpenApiResponsesObject = {};
  for (const status of op.statuses) {
    const ok = op.ok[status];
    if (ok) all[status] = ok;
    else if (status === '304') all[status] = { description: STATUS_MEANINGS[status] };
    else if (Number(status) >= 400) all[status] = errorResponse(status);
    else throw new Error(`operation ${op.method} ${op.path} declares ${status} without documenting it`);
  }
  return all;
}

function requestBodyOf(op: OperationDef): ZodOpenApiRequestBodyObject | undefined {
  const { body } = op;
  if (!body) return undefined;
  const content: ZodOpenApiRequestBodyObject['content'] = {};
  if (body.json) content['application/json'] = { schema: body.jsonDocSchema ?? body.json };
  if (body.form) content['multipart/form-data'] = { schema: body.form, ...(body.encoding ? { encoding: body.encoding } : {}) };
  return { required: true, content };
}

function operationOf(id: string, op: OperationDef): ZodOpenApiOperationObject {
  const params = {
    ...(op.params ? { path: op.params as z.ZodObject } : {}),
    ...(op.query ? { query: op.query as z.ZodObject } : {}),
    ...(op.headerDoc ? { header: op.headerDoc } : {}),
  };
  const requestBody = requestBodyOf(op);
  return {
    operationId: id,
    tags: op.tags,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(Object.keys(params).length > 0 ? { requestParams: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: responsesOf(op),
  };
}

/** The paths object, from the operation table. */
function pathsOf(): ZodOpenApiPathsObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const [id, op] of Object.entries(OPERATIONS) as [string, OperationDef][]) {
    const item = (paths[op.path] ??= {});
    (item as Record<string, ZodOpenApiOperationObject>)[op.method.toLowerCase()] = operationOf(id, op);
  }
  return paths;
}

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
    security: [{ [LICENSE_SCHEME]: [] }],
    tags: [{ name: 'Chat' }, { name: 'Images' }, { name: 'Videos' }, { name: 'Models' }],
    paths: pathsOf(),
    components: {
      securitySchemes: {
        [LICENSE_SCHEME]: {
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
