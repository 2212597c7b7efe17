/**
 * What the platform document refuses, and what counts as a refusal: the rules a request's mistakes are
 * judged by, wherever the request came from (the checker's deliberate mistakes, a proxied client's).
 */
import type { z } from 'zod';
import { BASE_MODEL_TABLE, parseModelName } from '../spec/model.js';
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import { parseImageCount, parseSize } from '../spec/rules.js';
import { ErrorEnvelope } from '../spec/schemas/errors.js';
import type { Finding } from './exchange.js';
import { envelopeProblemOf, excerpt, jsonOf, paramNames } from './judge.js';

/** The checks that test the document's refusals (registry.ts gives each its severity and rule). */
export type RefusalCheck = 'errors.required-params' | 'images.edits.missing-image' | 'errors.options-on-base' | 'chat.image.options-rejected' | 'errors.unknown-model' | 'errors.bad-size' | 'images.n.max';

/** A request the rules refuse: the check that tests that mistake, why, and the parameter at fault. */
export interface Refusal {
  check: RefusalCheck;
  why: string;
  param: string;
}

const missing = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
const REQUIRED: Partial<Record<OperationId, string[]>> = {
  createChatCompletion: ['model', 'messages'],
  createImage: ['prompt'],
  createImageEdit: ['prompt'],
  createVideo: ['prompt'],
};

/**
 * Every refusal the platform document calls for in this request, all of them: a request with several
 * mistakes may be refused for any one (a deployment names the first it meets, in its own order). Only
 * the document's rules are applied (sora-kit's stricter ones, such as a `seconds` a model cannot
 * make, are a deployment's to decide).
 */
export function refusalsOf(op: OperationId, fields: Record<string, unknown> | undefined): Refusal[] {
  if (!fields) return [];
  const found: Refusal[] = [];
  for (const name of REQUIRED[op] ?? []) if (missing(fields[name])) found.push({ check: 'errors.required-params', why: `'${name}' is missing`, param: name });
  if (op === 'createImageEdit' && missing(fields.image)) found.push({ check: 'images.edits.missing-image', why: 'no input image', param: 'image' });
  if ('model' in fields && fields.model !== undefined && fields.model !== null) {
    const parsed = parseModelName(fields.model);
    if (!parsed.ok) {
      const shown = excerpt(String(typeof fields.model === 'string' ? fields.model : JSON.stringify(fields.model)), 60);
      const plain = BASE_MODEL_TABLE.find((row) => !row.takesOptions && typeof fields.model === 'string' && fields.model.startsWith(`${row.base}-`));
      if (parsed.error.reason === 'options_not_supported' || plain) {
        const check = plain?.base === 'sora_image' && op === 'createChatCompletion' ? 'chat.image.options-rejected' : 'errors.options-on-base';
        found.push({ check, why: `model '${shown}' has options on a base that takes none`, param: 'model' });
      } else found.push({ check: 'errors.unknown-model', why: `model '${shown}' is not a platform model (${parsed.error.reason})`, param: 'model' });
    }
  }
  if (fields.size !== undefined && fields.size !== null && fields.size !== 'auto' && (op === 'createImage' || op === 'createImageEdit' || op === 'createVideo')) {
    if (!parseSize(fields.size).ok) found.push({ check: 'errors.bad-size', why: `size '${excerpt(String(fields.size), 40)}' is not widthxheight`, param: 'size' });
  }
  if ((op === 'createImage' || op === 'createImageEdit') && fields.n !== undefined && !parseImageCount(fields.n).ok) {
    found.push({ check: 'images.n.max', why: `n ${excerpt(JSON.stringify(fields.n) ?? '', 20)} is not 1 to 4`, param: 'n' });
  }
  return found;
}

/**
 * The parameters an answer to this request may name when it refuses it: the document's refusals, and
 * every parameter the operation's schemas find at fault (a wrong type, a video model on the images
 * endpoint). A request with several mistakes may be refused for any one of them, so a judge never
 * expects a particular one; this only widens what a refusal may name, it never demands a refusal.
 */
export function paramsAtFault(op: OperationId, fields: Record<string, unknown> | undefined, refusals: readonly Refusal[] = refusalsOf(op, fields)): string[] {
  const params = new Set(refusals.map((r) => r.param));
  const body = (OPERATIONS[op] as { body?: { json?: z.ZodType; form?: z.ZodType } }).body;
  for (const schema of [body?.json, body?.form]) {
    const parsed = fields && schema ? schema.safeParse(fields) : undefined;
    for (const issue of parsed?.error?.issues ?? []) if (issue.path.length) params.add(String(issue.path[0]));
  }
  return [...params];
}

/** The parameters whose refusal the platform document decides (refusalsOf); the rest are a deployment's to decide. */
export const DOCUMENT_REFUSAL_PARAMS: readonly string[] = ['model', 'size', 'n', 'prompt', 'messages', 'image'];

/** The statuses that refuse a value: OpenAI's 400, and 422 (HTTP's "well-formed but invalid"). */
export const REFUSAL_STATUSES: readonly number[] = [400, 422];

/**
 * Is this answer a refusal of a mistake in `params`? 400 or 422; and for a model, also OpenAI's own
 * answer to an unknown model: 404 with `code: "model_not_found"`.
 */
export function isRefusalAnswer(status: number, body: Uint8Array, params: readonly string[]): boolean {
  if (REFUSAL_STATUSES.includes(status)) return true;
  if (status !== 404 || !params.includes('model')) return false;
  const envelope = ErrorEnvelope.safeParse(jsonOf(body));
  return envelope.success && envelope.data.error.code === 'model_not_found';
}

/** Why an answer to a mistake is not a refusal of the value, in a few words. */
export function notRefusal(status: number): string {
  if (status >= 200 && status <= 299) return 'the value was accepted';
  if (status === 401 || status === 403) return 'the licence was refused, not the value';
  if (status === 404) return 'the route was not found';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'a server error';
  return 'not a refusal of the value';
}

/**
 * What is wrong with the envelope of a refused mistake, by OpenAI's contract, as findings: the type is
 * `invalid_request_error`, and `param` names one of the parameters at fault. OpenAI's `param` is
 * nullable and OpenAI itself answers some refusals with null (an unknown model): null is reported at
 * `info`, a name of another parameter fails.
 */
export function refusalEnvelopeFindings(status: number, contentType: string, body: Uint8Array, params: readonly string[]): Finding[] {
  const problem = envelopeProblemOf({ contentType, body });
  if (problem) return [{ check: 'errors.envelope', message: problem }];
  if (!REFUSAL_STATUSES.includes(status) && !isRefusalAnswer(status, body, params)) return [];
  const { error } = ErrorEnvelope.parse(jsonOf(body));
  const findings: Finding[] = [];
  if (error.type !== 'invalid_request_error') findings.push({ check: 'errors.envelope', message: `error.type is '${excerpt(error.type, 60)}', expected 'invalid_request_error' for a refused value` });
  if (params.length === 0) return findings;
  const wanted = params.map((p) => `'${p}'`).join(' or ');
  if (error.param === null) findings.push({ check: 'errors.param-named', message: `error.param is null; naming ${wanted} would tell the client what to fix` });
  else if (!params.some((p) => paramNames(error.param!, p))) findings.push({ check: 'errors.envelope', message: `error.param is ${JSON.stringify(excerpt(error.param, 60))}, expected it to name ${wanted}` });
  return findings;
}

