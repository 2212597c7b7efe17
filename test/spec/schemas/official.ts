/**
 * The official OpenAI component schemas the project keeps as a fixture (fixtures/openai/schemas.json,
 * refreshed by scripts/openai-fixture.ts), compiled with ajv, for checking our shapes against them.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '../../helpers/cli.js';

export { REPO_ROOT };
export const OPENAI_SCHEMAS = resolve(REPO_ROOT, 'fixtures/openai/schemas.json');

export interface OfficialSchema {
  required?: string[];
  properties?: Record<string, unknown>;
}

export const officialDocument = JSON.parse(readFileSync(OPENAI_SCHEMAS, 'utf8')) as {
  components: { schemas: Record<string, OfficialSchema> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// OpenAI's own format name for Unix timestamps; ajv would otherwise ignore it silently under strict:false.
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addSchema(officialDocument, 'openai');

/** The ajv errors of `value` against `components.schemas[name]` of the fixture ([] when valid). */
export function officialErrors(name: string, value: unknown): unknown[] {
  const validate = ajv.getSchema(`openai#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in fixtures/openai/schemas.json (add it to ROOTS in scripts/openai-fixture.ts)`);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
