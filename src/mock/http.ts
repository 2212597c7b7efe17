/**
 * Response helpers shared by every route: JSON bodies, the OpenAI error envelope, and the one
 * exception type routes throw to end a request early with a client error.
 */
import { errorEnvelope, type ErrorOptions } from '../spec/schemas/index.js';

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  // A plain header record (not a Headers object) keeps the Node server's bridge on its fast path.
  return new Response(JSON.stringify(body), { status, headers: { ...headers, 'content-type': 'application/json; charset=utf-8' } });
}

/** A JSON answer whose text is already made (a cached resource): the same bytes `json` gives for its value. */
export function jsonText(text: string, status = 200): Response {
  return new Response(text, { status, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

export function errorResponse(status: number, message: string, options: ErrorOptions = {}, headers: Record<string, string> = {}): Response {
  return json(errorEnvelope(message, options), status, headers);
}

/**
 * Thrown by routes for a request that cannot go on (bad input, missing licence, unknown id).
 * The app turns it into the envelope; anything else thrown is a bug and answered as a 500.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: ErrorOptions = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toResponse(): Response {
    return errorResponse(this.status, this.message, this.options, this.headers);
  }
}

export function badRequest(message: string, param: string | null, code: string | null = 'invalid_value'): HttpError {
  return new HttpError(400, message, { type: 'invalid_request_error', param, code });
}
