/**
 * `node --import tsx scripts/openai-fixture.ts <openai-openapi.json>`: refresh
 * fixtures/openai/schemas.json, the official OpenAI component schemas that the tests validate our
 * responses against. It keeps the schemas named in ROOTS and everything they reference, nothing else,
 * so the fixture stays small and says exactly what the tests rely on. The source is a path given on
 * the command line (an OpenAI OpenAPI document such as github.com/openai/openai-openapi's openapi.json,
 * with OpenAPI 3.0 `nullable` rewritten as JSON Schema null types); the project never reads it itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The objects sora-kit answers with, by their official names. */
const ROOTS = [
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'DeletedVideoResource',
  'ErrorResponse',
  'ImagesResponse',
  'VideoListResource',
  'VideoResource',
  'VideoSize',
] as const;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface Source {
  info?: { title?: string; version?: string; 'x-source'?: string; 'x-note'?: string };
  components: { schemas: Record<string, Json> };
}

const PREFIX = '#/components/schemas/';

function refsOf(value: Json, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(PREFIX)) out.add(v.slice(PREFIX.length));
      else refsOf(v, out);
    }
  }
}

const [sourcePath] = process.argv.slice(2);
if (!sourcePath) {
  process.stderr.write('usage: openai-fixture.ts <openai-openapi.json>\n');
  process.exit(2);
}
const source = JSON.parse(readFileSync(sourcePath, 'utf8')) as Source;
const keep = new Set<string>();
const queue: string[] = [...ROOTS];
while (queue.length > 0) {
  const name = queue.pop() as string;
  if (keep.has(name)) continue;
  const schema = source.components.schemas[name];
  if (schema === undefined) throw new Error(`schema ${name} is not in ${sourcePath}`);
  keep.add(name);
  const refs = new Set<string>();
  refsOf(schema, refs);
  queue.push(...refs);
}
const schemas = Object.fromEntries([...keep].sort().map((name) => [name, source.components.schemas[name]]));
const fixture = {
  openapi: '3.1.0',
  info: {
    title: 'OpenAI API: the component schemas sora-kit validates its responses against',
    version: source.info?.version ?? 'unknown',
    'x-source': source.info?.['x-source'] ?? 'an OpenAI OpenAPI document',
    'x-note': source.info?.['x-note'] ?? '',
    'x-roots': [...ROOTS],
    'x-taken': new Date().toISOString().slice(0, 10),
  },
  components: { schemas },
};
const target = fileURLToPath(new URL('../fixtures/openai/schemas.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(fixture, null, 1)}\n`);
process.stdout.write(`wrote ${target}: ${keep.size} schemas\n`);
