/**
 * `/__sora/*` admin endpoints (only with `admin: true`): state, request journal, reset, clock advance.
 * They sit outside the base path so they can never collide with the platform's API.
 */
import type { RequestContext } from '../context.js';
import { json } from '../http.js';
import { readBody } from '../body.js';
import { badRequest } from '../http.js';
import type { SoraMock } from '../types.js';

export const ADMIN_PREFIX = '/__sora';

/** Licence keys are secrets; the admin view shows which exist, not what they are. */
export function redactedOptions(mock: SoraMock) {
  const { licenses, promptAnalysis, ...rest } = mock.options;
  return {
    ...rest,
    licenses: licenses.map((l) => ({ key: `${l.key.slice(0, 6)}…`, features: l.features })),
    promptAnalysis: { mode: promptAnalysis.mode, ...(promptAnalysis.openai ? { openai: { baseUrl: promptAnalysis.openai.baseUrl, model: promptAnalysis.openai.model } } : {}) },
  };
}

export function adminState(_ctx: RequestContext, mock: SoraMock): Response {
  return json({ now: mock.now(), options: redactedOptions(mock), jobs: mock.jobs(), requests: mock.requests().length });
}

export function adminRequests(_ctx: RequestContext, mock: SoraMock): Response {
  return json({ object: 'list', data: mock.requests() });
}

export function adminReset(_ctx: RequestContext, mock: SoraMock): Response {
  mock.reset();
  return json({ reset: true });
}

export async function adminAdvance(ctx: RequestContext, mock: SoraMock): Promise<Response> {
  const parsed = await readBody(ctx.request, { maxBytes: 4096, accept: ['json'] });
  const ms = parsed.kind === 'json' && parsed.value && typeof parsed.value === 'object' ? (parsed.value as { ms?: unknown }).ms : undefined;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw badRequest(`Invalid 'ms' ${JSON.stringify(ms) ?? 'undefined'}: expected a non-negative number of milliseconds.`, 'ms');
  }
  mock.advance(ms);
  return json({ now: mock.now() });
}
