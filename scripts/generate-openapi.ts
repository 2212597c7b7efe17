/**
 * `npm run spec:generate`: rewrite specs/openapi.yaml from the zod schemas. It imports only the spec
 * module, not the CLI, so regenerating never depends on the other subcommands building.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApiDocument } from '../src/spec/openapi.js';

const target = fileURLToPath(new URL('../specs/openapi.yaml', import.meta.url));
writeFileSync(target, renderOpenApiDocument('yaml'));
process.stdout.write(`wrote ${target}\n`);
