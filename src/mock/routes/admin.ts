/**
 * `/__sora/*` admin endpoints (only with `admin: true`): state, request journal, reset, clock advance,
 * and run-time faults. They sit outside the base path so they can never collide with the platform's API.
 */
import { z } from 'zod';
import { readRequestBody, type RequestContext } from '../context.js';
import { FaultInput } from '../faults.js';
import { HttpError, badRequest, json } from '../http.js';
import { maskSecret } from '../mask.js';
import { describeValue } from '../../spec/rules.js';
import type { JournalQuery, SoraMock } from '../types.js';
import { andThen, type MaybePromise } from '../jobs.js';

/** The admin routes serve a mock on either store (its job reads may answer promises). */
type AnyMock = SoraMock<boolean>;
import { validate } from '../validate.js';

export { ADMIN_PREFIX } from '../admin-guard.js';

const ADMIN_BODY_BYTES = 4096;

/** Licence keys are secrets; the admin view shows which exist, not what they are. */
export function redactedOptions(mock: AnyMock) {
  const { licenses, promptAnalysis, adminToken, ...rest } = mock.options;
  return {
    ...rest,
    adminToken: adminToken === undefined ? null : '***',
    licenses: licenses.map((l) => ({ key: maskSecret(l.key), features: l.features })),
    promptAnalysis: { mode: promptAnalysis.mode, ...(promptAnalysis.openai ? { openai: { baseUrl: promptAnalysis.openai.baseUrl, model: promptAnalysis.openai.model } } : {}) },
  };
}

export function adminState(_ctx: RequestContext, mock: AnyMock): MaybePromise<Response> {
  return andThen(mock.jobs(), (jobs) =>
    andThen(mock.faults.list(), (faults) => json({ now: mock.now(), options: redactedOptions(mock), jobs, faults, requests: mock.requests().length })),
  );
}

/**
 * `GET /__sora/requests?method=&path=&status=&since=`: the journal, filtered like `mock.requests()`.
 * Messages say what is accepted (a noun phrase): the 400 reads "...; expected <phrase>."
 */
const RequestsQuery = z
  .object({
    method: z.string().regex(/^[A-Za-z]{1,16}$/, 'an HTTP method such as POST').optional(),
    path: z.string().max(512).optional(),
    status: z
      .string()
      .regex(/^([1-5]\d\d|[1-5]xx)$/i, "a status such as 429 or a class such as '4xx'")
      .transform((s) => (/^\d+$/.test(s) ? Number(s) : s.toLowerCase()))
      .optional(),
    since: z
      .string()
      .regex(/^\d{1,16}$/, 'a mock-clock time in milliseconds since the epoch')
      .transform(Number)
      .optional(),
  })
  .strict();

export function adminRequests(ctx: RequestContext, mock: AnyMock): Response {
  const query: JournalQuery = validate(RequestsQuery, Object.fromEntries(ctx.url.searchParams));
  return json({ object: 'list', data: mock.requests(query) });
}

export function adminReset(_ctx: RequestContext, mock: AnyMock): MaybePromise<Response> {
  return andThen(mock.reset(), () => json({ reset: true }));
}

async function jsonBody(ctx: RequestContext): Promise<unknown> {
  const parsed = await readRequestBody(ctx, { maxBytes: ADMIN_BODY_BYTES, accept: ['json'] });
  return parsed.kind === 'json' ? parsed.value : undefined;
}

export async function adminAdvance(ctx: RequestContext, mock: AnyMock): Promise<Response> {
  const body = await jsonBody(ctx);
  const ms = body && typeof body === 'object' ? (body as { ms?: unknown }).ms : undefined;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw badRequest(`Invalid 'ms' ${describeValue(ms)}: expected a non-negative number of milliseconds.`, 'ms');
  }
  mock.advance(ms);
  return json({ now: mock.now() });
}

export async function adminAddFault(ctx: RequestContext, mock: AnyMock): Promise<Response> {
  const handle = await mock.faults.add(validate(FaultInput, await jsonBody(ctx)));
  return json({ object: 'fault', ...handle.fault }, 201);
}

export function adminListFaults(_ctx: RequestContext, mock: AnyMock): MaybePromise<Response> {
  return andThen(mock.faults.list(), (faults) => json({ object: 'list', data: faults.map((f) => ({ object: 'fault', ...f })) }));
}

export function adminDeleteFault(_ctx: RequestContext, mock: AnyMock, id: string): MaybePromise<Response> {
  return andThen(mock.faults.remove(id), (removed) => {
    if (!removed) {
      throw new HttpError(404, `No fault with id ${describeValue(id)}: it never existed, retired after its last time, or was removed.`, {
        type: 'invalid_request_error',
        param: 'fault_id',
        code: 'fault_not_found',
      });
    }
    return json({ object: 'fault', id, deleted: true });
  });
}

export function adminClearFaults(_ctx: RequestContext, mock: AnyMock): MaybePromise<Response> {
  return andThen(mock.faults.clear(), (deleted) => json({ object: 'list', deleted }));
}
