/** The bridge from the spec's validators (zod schemas, rules) to HTTP 400s with the OpenAI envelope. */
import type { z } from 'zod';
import type { RuleError } from '../spec/rules.js';
import { zodIssueToError } from '../spec/schemas/index.js';
import { HttpError } from './http.js';

export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { error } = zodIssueToError(result.error.issues, value);
  throw new HttpError(400, error.message, { type: error.type, param: error.param, code: error.code });
}

export function ruleError(error: RuleError): HttpError {
  return new HttpError(400, error.message, { type: 'invalid_request_error', param: error.param, code: error.code });
}
