/**
 * What the request-level scenarios do to a synchronous answer (images, chat before streaming, job
 * creation). Job-level behaviour (`slow`, `stall`, `fail_midway` on videos) lives in jobs.ts.
 */
import type { RequestContext } from './context.js';
import { HttpError, sleep } from './http.js';
import type { ScenarioName } from './types.js';

/** How long `slow` delays a synchronous answer, at speed 1. */
export const SLOW_DELAY_MS = 3_000;
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

/** Throws for the scenarios that end a request with an error before any work. */
export function rejectByScenario(scenario: ScenarioName | undefined): void {
  switch (scenario) {
    case 'moderation_blocked':
      throw new HttpError(400, 'Your request was rejected by the safety system (scenario moderation_blocked).', {
        type: 'invalid_request_error',
        param: 'prompt',
        code: 'moderation_blocked',
      });
    case 'rate_limited':
      throw new HttpError(
        429,
        `Rate limit reached; retry after ${RATE_LIMIT_RETRY_AFTER_SECONDS} seconds (scenario rate_limited).`,
        { type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
        { 'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS) },
      );
    case 'server_error':
      throw new HttpError(500, 'The server had an error while processing your request (scenario server_error).', {
        type: 'server_error',
        param: null,
        code: 'internal_error',
      });
    default:
  }
}

/**
 * For synchronous generations (images): `slow` waits, `stall` waits until the client gives up,
 * `fail_midway` fails after half the slow delay. Other scenarios were handled by rejectByScenario.
 */
export async function delayByScenario(ctx: RequestContext, scenario: ScenarioName | undefined): Promise<void> {
  const signal = ctx.request.signal;
  if (scenario === 'slow') await sleep(SLOW_DELAY_MS / ctx.options.speed, signal);
  if (scenario === 'stall') {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    throw new HttpError(408, 'The client closed the request while it stalled (scenario stall).', {
      type: 'invalid_request_error',
      param: null,
      code: 'request_timeout',
    });
  }
  if (scenario === 'fail_midway') {
    await sleep(SLOW_DELAY_MS / 2 / ctx.options.speed, signal);
    throw new HttpError(500, 'Image generation failed midway (scenario fail_midway).', {
      type: 'server_error',
      param: null,
      code: 'generation_failed',
    });
  }
}
