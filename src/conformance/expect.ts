/**
 * Assertions for checks. Each failure message shows the exchange (request, status, body excerpt) and
 * what was expected, so a reader can tell what went wrong without re-running anything.
 */
import type { z } from 'zod';
import { bodyJson, bodyText, describeExchange, isTextual, type Exchange } from './client.js';
import { describeIssues } from './issues.js';
import { envelopeProblemOf, isHtmlAnswer } from './judge.js';
import { isRefusalAnswer, notRefusal } from './refusals.js';
import { CheckFailure, type FailureDetail } from './types.js';

const DETAIL_BODY = 2000;

/** The exchange behind a failure, as reports show it. */
export function detailOf(exchange: Exchange, said: { expected?: string; actual?: string } = {}): FailureDetail {
  const text = isTextual(exchange.contentType) ? bodyText(exchange) : `<${exchange.body.length} bytes of ${exchange.contentType}>`;
  return {
    request: exchange.request.recorded,
    response: { status: exchange.status, contentType: exchange.contentType, body: text.length > DETAIL_BODY ? `${text.slice(0, DETAIL_BODY)}… (${text.length} chars)` : text },
    ...said,
  };
}

/**
 * Fail the check. The message says what was wrong; with the exchange that showed it, the report gets
 * the request (to rebuild as curl) and the answer; `expected` and `actual` say it in two short phrases.
 */
export function fail(message: string, exchange?: Exchange, said?: { expected?: string; actual?: string }): never {
  throw new CheckFailure(exchange ? `${message}\n  ${describeExchange(exchange)}` : message, exchange ? detailOf(exchange, said) : said);
}

export function expectOk(exchange: Exchange, what: string): void {
  if (exchange.status < 200 || exchange.status > 299) fail(`${what}: expected a 2xx answer, got ${exchange.status}`, exchange, { expected: '2xx', actual: String(exchange.status) });
}

export { describeIssues };

/** A 2xx JSON body that satisfies `schema`. */
export function expectJson<T>(exchange: Exchange, schema: z.ZodType<T>, what: string): T {
  expectOk(exchange, what);
  if (!/json/i.test(exchange.contentType)) fail(`${what}: expected Content-Type application/json, got '${exchange.contentType}'`, exchange);
  const body = bodyJson(exchange);
  if (body === undefined) fail(`${what}: the body is not JSON`, exchange);
  const parsed = schema.safeParse(body);
  if (!parsed.success) fail(`${what}: the body does not match the schema (${describeIssues(parsed.error)})`, exchange, { expected: 'the OpenAI schema of the answer', actual: describeIssues(parsed.error) });
  return parsed.data;
}


/**
 * A client mistake must be refused for what it is: 400 or 422 (and, for a model, OpenAI's own 404
 * `model_not_found`). 401, 403, other 404s, 429 and 5xx say something else (the licence, the route,
 * the load, a crash), so they fail, and a deployment that
 * answers 401 to everything passes no refusal check. The envelope (type invalid_request_error, `param`
 * naming the parameter) is judged for every mistake of the run by `errors.envelope` (OpenAI's
 * contract, a `should`), so a refusal in an odd body fails only that check.
 */
export function expectRefusal(exchange: Exchange, what: string, param?: string): void {
  if (isRefusalAnswer(exchange.status, exchange.body, param ? [param] : [])) return;
  const expected = `400 or 422${param ? ` refusing '${param}'` : ''}`;
  fail(`${what}: expected ${expected}, got ${exchange.status} (${notRefusal(exchange.status)})`, exchange, { expected, actual: String(exchange.status) });
}

export function isHtml(exchange: Exchange): boolean {
  return isHtmlAnswer(exchange.contentType, exchange.body);
}
