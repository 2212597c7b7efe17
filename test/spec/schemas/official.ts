/**
 * The official OpenAI excerpt (../shared/reference beside the repository, as CI lays it out) compiled
 * with ajv, for checking our shapes against it.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const OPENAI_EXCERPT = resolve(REPO_ROOT, '../shared/reference/openai-excerpt.json');

export interface OfficialSchema {
  required?: string[];
  properties?: Record<string, unknown>;
}

export const officialDocument = JSON.parse(readFileSync(OPENAI_EXCERPT, 'utf8')) as {
  components: { schemas: Record<string, OfficialSchema> };
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
// OpenAI's own format name for Unix timestamps; ajv would otherwise ignore it silently under strict:false.
ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
ajv.addSchema(officialDocument, 'openai');

/** The ajv errors of `value` against `components.schemas[name]` of the excerpt ([] when valid). */
export function officialErrors(name: string, value: unknown): unknown[] {
  const validate = ajv.getSchema(`openai#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the OpenAI excerpt`);
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
