/**
 * What the request-level scenarios do to a synchronous answer (images, chat before streaming, job
 * creation). Job-level behaviour (`slow`, `stall`, `fail_midway` on videos) lives in jobs.ts.
 */
import type { RequestContext } from './context.js';
import { RATE_LIMIT_RETRY_AFTER_SECONDS, SLOW_DELAY_MS } from './scenarios.js';
import { sleep } from '../util/index.js';
import { HttpError } from './http.js';
import type { ScenarioName } from './types.js';


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
 * How a scenario delays a synchronous generation (an image answer, a chat image stream): `slow` waits
 * the slow delay, `fail_midway` half of it and then fails, `stall` waits until the client gives up.
 * Undefined for scenarios that do not delay. One table for both framings below.
 */
export function scenarioDelay(scenario: ScenarioName | undefined, speed: number): { ms: number; fails: boolean } | undefined {
  if (scenario === 'slow') return { ms: SLOW_DELAY_MS / speed, fails: false };
  if (scenario === 'fail_midway') return { ms: SLOW_DELAY_MS / 2 / speed, fails: true };
  if (scenario === 'stall') return { ms: Infinity, fails: false };
  return undefined;
}

export const MIDWAY_FAILURE = { status: 500, message: 'Image generation failed midway (scenario fail_midway).', code: 'generation_failed' } as const;

/** For a synchronous JSON answer (images): wait as `scenarioDelay` says, then fail or go on. */
export async function delayByScenario(ctx: RequestContext, scenario: ScenarioName | undefined): Promise<void> {
  const delay = scenarioDelay(scenario, ctx.options.speed);
  if (!delay) return;
  const signal = ctx.request.signal;
  if (delay.ms === Infinity) {
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
  await sleep(delay.ms, signal);
  if (delay.fails) throw new HttpError(MIDWAY_FAILURE.status, MIDWAY_FAILURE.message, { type: 'server_error', param: null, code: MIDWAY_FAILURE.code });
}
