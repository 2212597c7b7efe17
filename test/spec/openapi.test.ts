import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BASE_PATH, LICENSE_SCHEME, buildOpenApiDocument, renderOpenApiDocument } from '../../src/spec/openapi.js';
import { ChatCompletionRequest, ImageGenerationRequest, VideoCreateRequest, VideoRemixRequest } from '../../src/spec/schemas/index.js';
import { REPO_ROOT } from './schemas/official.js';

type Operation = {
  operationId?: string;
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }>;
};
type Doc = {
  openapi: string;
  servers: Array<{ url: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, Record<string, string>>; schemas: Record<string, { examples?: unknown[] }> };
};

const doc = buildOpenApiDocument() as unknown as Doc;

const EXPECTED_OPERATIONS = [
  'post /chat/completions createChatCompletion',
  'post /images/generations createImage',
  'post /images/edits createImageEdit',
  'post /videos createVideo',
  'get /videos listVideos',
  'get /videos/{video_id} retrieveVideo',
  'delete /videos/{video_id} deleteVideo',
  'post /videos/{video_id}/remix remixVideo',
  'get /videos/{video_id}/content retrieveVideoContent',
  'get /models listModels',
];

function operation(path: string, method: string): Operation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`no ${method} ${path}`);
  return op;
}

describe('the OpenAPI document', () => {
  it('the checked-in specs/openapi.yaml is the one the schemas generate', () => {
    const checkedIn = readFileSync(resolve(REPO_ROOT, 'specs/openapi.yaml'), 'utf8');
    const fresh = renderOpenApiDocument('yaml');
    expect(checkedIn === fresh, 'specs/openapi.yaml is stale: run npm run spec:generate').toBe(true);
  });

  it('generation is deterministic and the YAML and JSON renderings say the same', () => {
    expect(renderOpenApiDocument('json')).toBe(renderOpenApiDocument('json'));
    expect(parseYaml(renderOpenApiDocument('yaml'))).toEqual(JSON.parse(renderOpenApiDocument('json')));
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    expect(result.specification).toBe('OpenAPI');
  });

  it('the validator is not vacuous: a broken copy fails', async () => {
    const broken = structuredClone(doc);
    broken.paths['/videos/{video_id}'].get.parameters = [];
    const result = await validate(broken as never);
    expect(result.valid).toBe(false);
  });

  it('has all ten operations with their operationIds, and nothing else', () => {
    const found = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => `${method} ${path} ${op.operationId}`),
    );
    expect(found.sort()).toEqual([...EXPECTED_OPERATIONS].sort());
  });

  it('serves under the /sora/v1 base path', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    for (const server of doc.servers) expect(server.url.endsWith(BASE_PATH)).toBe(true);
    expect(BASE_PATH).toBe('/sora/v1');
  });

  it('secures every operation with the licence in the Authorization header, Bearer accepted', () => {
    expect(doc.security).toEqual([{ [LICENSE_SCHEME]: [] }]);
    const scheme = doc.components.securitySchemes[LICENSE_SCHEME];
    expect(scheme).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    expect(scheme.description).toContain('Bearer <licence>');
  });

  it('takes multipart where the platform does and JSON where clients send it', () => {
    const bodies = (path: string, method: string) => Object.keys(operation(path, method).requestBody?.content ?? {}).sort();
    expect(bodies('/chat/completions', 'post')).toEqual(['application/json']);
    expect(bodies('/images/generations', 'post')).toEqual(['application/json', 'multipart/form-data']);
    expect(bodies('/images/edits', 'post')).toEqual(['multipart/form-data']);
    expect(bodies('/videos', 'post')).toEqual(['application/json', 'multipart/form-data']);
    expect(bodies('/videos/{video_id}/remix', 'post')).toEqual(['application/json', 'multipart/form-data']);
  });

  it('streams chat as text/event-stream', () => {
    const ok = operation('/chat/completions', 'post').responses['200'];
    expect(Object.keys(ok.content ?? {})).toEqual(['application/json', 'text/event-stream']);
    expect(JSON.stringify(ok.content?.['text/event-stream'])).toContain('data: [DONE]');
  });

  it('serves media with binary content types, Range and 206', () => {
    const op = operation('/videos/{video_id}/content', 'get');
    expect(op.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['header:Range', 'path:video_id', 'query:variant']);
    for (const status of ['200', '206']) {
      expect(Object.keys(op.responses[status].content ?? {}).sort()).toEqual(['image/jpeg', 'image/webp', 'video/mp4']);
    }
    expect(Object.keys(op.responses['206'].headers ?? {})).toContain('Content-Range');
  });

  it('documents the error responses with the error envelope', () => {
    const statuses = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (status.startsWith('4')) {
            statuses.add(status);
            expect(JSON.stringify(response.content)).toContain('#/components/schemas/ErrorResponse');
          }
        }
      }
    }
    for (const status of ['400', '401', '403', '404', '409', '413', '429']) expect(statuses).toContain(status);
    expect(operation('/videos/{video_id}/remix', 'post').responses['409']).toBeDefined();
  });

  it('its request examples are bodies our own schemas accept', () => {
    const schemas = {
      ChatCompletionRequest,
      ImageGenerationRequest,
      VideoCreateRequest,
      VideoRemixRequest,
    };
    for (const [name, schema] of Object.entries(schemas)) {
      const examples = doc.components.schemas[name]?.examples ?? [];
      expect(examples.length, name).toBeGreaterThan(0);
      for (const example of examples) expect(schema.safeParse(example).success, `${name}: ${JSON.stringify(example)}`).toBe(true);
    }
  });
});
