/**
 * The shared steps of the mock's request flow, in their order (flow.ts composes them; CONTRIBUTING.md,
 * "The request flow", says it in one sentence): journal -> head -> cors -> surface -> network ->
 * route -> errors, then the route's own steps (an operation's: licence -> input -> scenario ->
 * handler, pipeline.ts). Steps that shape the answer (journal, head, cors) act on the way back, so the
 * journal records the answer the client gets.
 */
import { IGNORED_PARAMS_HEADER, cutText } from '../spec/rules.js';
import { refuseCrossOrigin, refuseForeignHost } from './admin-guard.js';
import { licenseKeyOf } from './auth.js';
import { chooseNetwork, type RequestContext } from './context.js';
import type { Answer, Step } from './flow.js';
import { andThen } from './jobs.js';
import { HttpError } from './http.js';
import { linkBytes, recordBody, recordHeadersSized, type Journal } from './journal.js';
import { networkFromHeader } from './network.js';
import type { Router } from './router.js';
import type { JournalBody, JournalEntry, SoraMockEvents } from './types.js';

export interface SharedStepsDeps {
  api: Router<RequestContext>;
  journal: Journal;
  /** Licence keys as the journal shows them, masked once. */
  maskedLicences: ReadonlyMap<string, string>;
  emit<E extends keyof SoraMockEvents>(event: E, payload: SoraMockEvents[E]): void;
  /**
   * Which surface a path is on: the API, the mock's own (`/__sora/*`: other hosts and origins refused,
   * no CORS, no network faults) or the inspector's (its own too, and out of the journal it shows).
   */
  surfaceOf(path: string): RequestContext['surface'];
}

const CORS_HEADERS: readonly (readonly [string, string])[] = [
  ['access-control-allow-origin', '*'],
  ['access-control-allow-methods', 'GET, HEAD, POST, DELETE, OPTIONS'],
  ['access-control-expose-headers', `Content-Length, Content-Range, Accept-Ranges, ETag, Retry-After, ${IGNORED_PARAMS_HEADER}`],
  ['access-control-max-age', '600'],
];

/**
 * The API is for any client on any origin: a preflight is allowed every request header it asks for
 * (echoed, as servers that allow any client do). A list could not keep up with what SDKs send (the
 * openai SDK's x-stainless-os, x-stainless-retry-count, ...), and `*` would not cover Authorization.
 */
function allowCrossOrigin(request: Request, headers: Headers): void {
  for (const [name, value] of CORS_HEADERS) headers.set(name, value);
  const asked = request.headers.get('access-control-request-headers');
  if (asked) headers.set('access-control-allow-headers', asked);
  // The answer differs with and without Origin, and a preflight's with the headers it asks for.
  headers.append('vary', 'Origin, Access-Control-Request-Headers');
}

/** Every error answer goes through here, so the journal knows its type, code and param. */
export function failWith(ctx: RequestContext, error: HttpError): Response {
  const { type = 'invalid_request_error', code = null, param = null } = error.options;
  ctx.error = { type, code, param };
  return error.toResponse();
}

/** What a step threw, answered: its HttpError, or anything else as the mock's own 500. */
export function failure(ctx: RequestContext, error: unknown): Response {
  if (error instanceof HttpError) return failWith(ctx, error);
  // Anything else is a bug in the mock, never the client's fault: say so, keep serving.
  return failWith(
    ctx,
    new HttpError(500, `Internal error in sora-kit's mock: ${(error as Error)?.message ?? String(error)}`, {
      type: 'server_error',
      param: null,
      code: 'mock_internal_error',
    }),
  );
}

/**
 * Requests whose answer is still on its way (the journal step). One for the module, not one per
 * mock: a caller may hold nothing of the mock either while it waits.
 */
const IN_FLIGHT = new Set<Request>();

export function sharedSteps({ api, journal, maskedLicences, emit, surfaceOf }: SharedStepsDeps): Step<RequestContext>[] {
  /** The entry of an answered request: written, announced, and handed to the adapter that asked. */
  function record(ctx: RequestContext, response: Response, body: JournalBody | undefined, network: JournalEntry['network'], started: number, startedAt: number): Response {
    const { request } = ctx;
    // The licence step already found the key when it recognised one.
    const key = ctx.license ? ctx.license.key : licenseKeyOf(request);
    // Built property by property (no spreads), in the order the entry has always had its keys.
    const entry = { id: journal.nextId() } as JournalEntry;
    if (ctx.operation) entry.operation = ctx.operation;
    entry.method = request.method;
    entry.path = ctx.path + ctx.search;
    entry.status = response.status;
    entry.startedAt = startedAt;
    entry.durationMs = Math.round((performance.now() - started) * 100) / 100;
    if (ctx.scenario) entry.scenario = ctx.scenario;
    if (ctx.fault?.scenario) entry.fault = { id: ctx.fault.id, scenario: ctx.fault.scenario };
    if (network) entry.network = network;
    if (response.status === 429) {
      const header = response.headers.get('retry-after');
      const wait = header === null ? NaN : Number(header);
      if (Number.isFinite(wait) && wait >= 0) entry.retryAfter = wait;
    }
    if (ctx.job) entry.job = ctx.job;
    // Masked: the journal is readable through /__sora/requests and the inspector.
    const license = key ? maskedLicences.get(key) : undefined;
    if (license !== undefined) entry.license = license;
    const recorded = recordHeadersSized(request.headers);
    entry.request = body ? { headers: recorded.headers, body } : { headers: recorded.headers };
    if (ctx.error) entry.error = ctx.error;
    // The same array the context fills: a stream's later links land in the entry too (linkedLater).
    entry.media = ctx.links;
    ctx.entry = entry;
    journal.add(entry, recorded.bytes);
    emit('request', entry);
    ctx.transport?.onSettled?.(entry);
    return response;
  }

  /** Synchronous unless the body's journal record needs hashing (multipart files) or the faults are shared (Redis). */
  function settle(ctx: RequestContext, response: Response, started: number, startedAt: number): Answer {
    const body = recordBody(ctx.body, ctx.raw);
    // The connection's fault, for the adapter to enact (network.ts); never on the mock's own surface.
    const network = ctx.surface !== 'api' ? undefined : chooseNetwork(ctx, response);
    if (body instanceof Promise || network instanceof Promise) {
      return Promise.all([body, network]).then(([recorded, chosen]) => record(ctx, response, recorded, chosen, started, startedAt));
    }
    return record(ctx, response, body, network, started, startedAt);
  }

  const journalStep: Step<RequestContext> = {
    name: 'journal',
    run(ctx, next) {
      // Read once, here, for every step after.
      ctx.surface = surfaceOf(ctx.path);
      if (ctx.surface === 'inspector') return next(ctx);
      const started = performance.now();
      const startedAt = ctx.now();
      const answer = next(ctx);
      if (!(answer instanceof Promise)) return settle(ctx, answer, started, startedAt);
      // Held until answered: Node's Request follows the signal it was built with only through a WeakRef
      // (nodejs/undici#3644, nodejs/node#55428). An in-process caller that keeps its AbortController but
      // not the Request leaves a waiting answer (a stalled generation waits for nothing but the abort)
      // unreachable; a garbage collection then drops it, the abort never arrives and the caller's
      // promise never settles.
      const { request } = ctx;
      IN_FLIGHT.add(request);
      return answer.then(
        (response) => {
          IN_FLIGHT.delete(request);
          return settle(ctx, response, started, startedAt);
        },
        (error: unknown) => {
          IN_FLIGHT.delete(request);
          throw error;
        },
      );
    },
  };

  // HEAD is answered by the GET route; its headers stay (Content-Length included), its body must not
  // reach the client, whatever the adapter (msw hands the Response to the page as it is).
  const withoutBody = (response: Response): Response => {
    if (!response.body) return response;
    void response.body.cancel().catch(() => undefined);
    return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const headStep: Step<RequestContext> = {
    name: 'head',
    run: (ctx, next) => (ctx.request.method === 'HEAD' ? andThen(next(ctx), withoutBody) : next(ctx)),
  };

  // Only browsers need CORS headers, and they always send Origin on cross-origin requests; leaving
  // other responses untouched keeps the Node server's fast path (no header rewrite per request).
  // Never under /__sora/: the mock's own surface answers no other origin (admin-guard.ts).
  const corsStep: Step<RequestContext> = {
    name: 'cors',
    run(ctx, next) {
      if (!ctx.options.cors || ctx.surface !== 'api' || !ctx.request.headers.has('origin')) return next(ctx);
      return andThen(next(ctx), (response) => {
        allowCrossOrigin(ctx.request, response.headers);
        return response;
      });
    },
  };

  // The mock's own surface is for scripts and the person at this machine, not for other web pages
  // (admin-guard.ts): a Host that is not the server's, then another origin, are refused before
  // anything else, preflights included.
  const surfaceStep: Step<RequestContext> = {
    name: 'surface',
    run(ctx, next) {
      if (ctx.surface === 'api') return next(ctx);
      const foreignHost = refuseForeignHost(ctx.request, ctx.transport?.hostAllowed?.bind(ctx.transport));
      if (foreignHost) return failWith(ctx, foreignHost);
      const crossOrigin = refuseCrossOrigin(ctx.request, ctx.url, ctx.options.publicUrl);
      return crossOrigin ? failWith(ctx, crossOrigin) : next(ctx);
    },
  };

  // The network fault a `Prefer` header asks for is read before routing, so a bad one is a 400 on any
  // route of the API; the journal step enacts the choice once the answer is known (chooseNetwork).
  const networkStep: Step<RequestContext> = {
    name: 'network',
    run(ctx, next) {
      if (ctx.surface !== 'api') return next(ctx);
      try {
        ctx.preferNetwork = networkFromHeader(ctx.request);
      } catch (error) {
        return failure(ctx, error);
      }
      return next(ctx);
    },
  };

  const routeStep: Step<RequestContext> = {
    name: 'route',
    run(ctx, next) {
      const { request, path } = ctx;
      if (request.method === 'OPTIONS') {
        const allow = api.allow(path);
        if (allow.length > 0) return new Response(null, { status: 204, headers: { allow: allow.join(', ') } });
      }
      const match = api.match(request.method, path);
      if (match.kind === 'method_not_allowed') {
        return failWith(
          ctx,
          new HttpError(
            405,
            `Method ${cutText(request.method, 20)} is not allowed on ${cutText(path, 200)}; allowed: ${match.allow.join(', ')}.`,
            { type: 'invalid_request_error', param: null, code: 'method_not_allowed' },
            { allow: match.allow.join(', ') },
          ),
        );
      }
      if (match.kind === 'not_found') {
        const p = ctx.options.basePath;
        return failWith(
          ctx,
          new HttpError(404, `Unknown route ${cutText(request.method, 20)} ${cutText(path, 200)}; the API is under ${p}/ (see GET ${p}/models).`, {
            type: 'invalid_request_error',
            param: null,
            code: 'unknown_route',
          }),
        );
      }
      if (match.operation) ctx.operation = match.operation;
      ctx.match = match;
      return next(ctx);
    },
  };

  // Whatever the route's steps throw (an HttpError: a refusal; anything else: the mock's own bug)
  // becomes the envelope, synchronously or not.
  const errorsStep: Step<RequestContext> = {
    name: 'errors',
    run(ctx, next) {
      let answer: Answer;
      try {
        answer = next(ctx);
      } catch (error) {
        return failure(ctx, error);
      }
      return answer instanceof Promise ? answer.then(undefined, (error: unknown) => failure(ctx, error)) : answer;
    },
  };

  return [journalStep, headStep, corsStep, surfaceStep, networkStep, routeStep, errorsStep];
}

/** After the shared steps: the route's own (composed when it was mounted). */
export const routeSteps = (ctx: RequestContext): Answer => {
  const match = ctx.match as NonNullable<RequestContext['match']>;
  return match.handler(ctx, match.params);
};

/** A link added after the entry was written (a stream's later frames): the entry grows, and says so. */
export function linkedLaterFor(journal: Journal, emit: SharedStepsDeps['emit']) {
  return (entry: JournalEntry, link: Parameters<typeof linkBytes>[0]): void => {
    journal.grew(entry, linkBytes(link));
    emit('requestUpdated', entry);
  };
}
