/**
 * Assertions for checks. Each failure message shows the exchange (request, status, body excerpt) and
 * what was expected, so a reader can tell what went wrong without re-running anything.
 */
import type { z } from 'zod';
import { ErrorEnvelope } from '../spec/schemas/errors.js';
import { bodyJson, bodyText, describeExchange, excerpt, type Exchange } from './client.js';
import { CheckFailure } from './types.js';

export function fail(message: string, exchange?: Exchange): never {
  throw new CheckFailure(exchange ? `${message}\n  ${describeExchange(exchange)}` : message);
}

export function expectOk(exchange: Exchange, what: string): void {
  if (exchange.status < 200 || exchange.status > 299) fail(`${what}: expected a 2xx answer, got ${exchange.status}`, exchange);
}

/** zod issues, one line each, for messages. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** A 2xx JSON body that satisfies `schema`. */
export function expectJson<T>(exchange: Exchange, schema: z.ZodType<T>, what: string): T {
  expectOk(exchange, what);
  if (!/json/i.test(exchange.contentType)) fail(`${what}: expected Content-Type application/json, got '${exchange.contentType}'`, exchange);
  const body = bodyJson(exchange);
  if (body === undefined) fail(`${what}: the body is not JSON`, exchange);
  const parsed = schema.safeParse(body);
  if (!parsed.success) fail(`${what}: the body does not match the schema (${describeIssues(parsed.error)})`, exchange);
  return parsed.data;
}

/**
 * A client mistake must be refused with a 4xx. The envelope's shape is judged separately by
 * `errors.envelope` (a `should`: the seed does not define errors), so a deployment that refuses with
 * an odd body fails only that check.
 */
export function expectRejected(exchange: Exchange, what: string): void {
  if (exchange.status < 400 || exchange.status > 499) fail(`${what}: expected a 4xx refusal, got ${exchange.status}`, exchange);
}

/** What is wrong with an error answer's envelope, or undefined when it is OpenAI's `{error:{...}}` as JSON. */
export function envelopeProblem(exchange: Exchange): string | undefined {
  if (!/json/i.test(exchange.contentType)) return `Content-Type is '${exchange.contentType}', expected application/json`;
  const body = bodyJson(exchange);
  if (body === undefined) return `the body is not JSON: ${excerpt(bodyText(exchange), 80)}`;
  const parsed = ErrorEnvelope.safeParse(body);
  if (!parsed.success) return `the body is not an error envelope {error:{message,type,param,code}} (${describeIssues(parsed.error)})`;
  if (parsed.data.error.message.trim() === '') return 'error.message is empty';
  return undefined;
}

export function isHtml(exchange: Exchange): boolean {
  if (/html/i.test(exchange.contentType)) return true;
  return /^\s*(<!doctype html|<html)/i.test(bodyText(exchange).slice(0, 200));
}
