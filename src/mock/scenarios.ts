/**
 * Scenarios provoke what is hard to provoke on the real service. A request picks one with
 * `Prefer: scenario=<name>` (Prism's convention), run-time faults and the config's rules pick one by
 * route, prompt or model. This file holds the scenario table: each name, the numbers that shape it,
 * and what it does in words (the inspector and `--help` show them). What each one does to a request
 * lives in outcomes.ts (answers) and jobs.ts (video renders). See specs/mock.md.
 */
import { describeValue } from '../spec/rules.js';
import { badRequest } from './http.js';
import type { ScenarioRule } from './types.js';

/** How long `slow` delays a synchronous answer, at speed 1; `fail_midway` fails after half of it. */
export const SLOW_DELAY_MS = 3_000;
/** How many times longer `slow` renders a video. */
export const SLOW_RENDER_FACTOR = 10;
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;
/** `fail_midway` fails a video job at this fraction of its render time. */
export const FAIL_MIDWAY_AT = 0.5;

const SCENARIO_TABLE = {
  moderation_blocked: { effect: '400 moderation_blocked before any work' },
  rate_limited: { effect: `429 rate_limit_exceeded with Retry-After: ${RATE_LIMIT_RETRY_AFTER_SECONDS}` },
  server_error: { effect: '500 server_error' },
  slow: { effect: `video jobs render ${SLOW_RENDER_FACTOR}x longer; synchronous answers wait ${SLOW_DELAY_MS / 1000} s` },
  stall: { effect: 'jobs never complete; streams send only keep-alives' },
  fail_midway: { effect: `video jobs fail at ${FAIL_MIDWAY_AT * 100} %; streams end with an in-band error` },
} as const;

export type ScenarioName = keyof typeof SCENARIO_TABLE;
export const SCENARIO_NAMES = Object.keys(SCENARIO_TABLE) as [ScenarioName, ...ScenarioName[]];

/** What a scenario does, in a few words. */
export function scenarioEffect(name: ScenarioName): string {
  return SCENARIO_TABLE[name].effect;
}

function isScenario(s: string): s is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(s);
}

/** The scenario a `Prefer` header asks for; throws 400 for an unknown name. */
export function scenarioFromHeader(request: Request): ScenarioName | undefined {
  const prefer = request.headers.get('prefer');
  if (!prefer) return undefined;
  for (const part of prefer.split(/[,;]/)) {
    const m = /^\s*scenario\s*=\s*"?([^"\s]*)"?\s*$/i.exec(part);
    if (!m) continue;
    if (!isScenario(m[1])) {
      throw badRequest(
        `Unknown scenario ${describeValue(m[1])} in the Prefer header; accepted: ${SCENARIO_NAMES.join(', ')}.`,
        'Prefer',
        'unknown_scenario',
      );
    }
    return m[1];
  }
  return undefined;
}

/** Compile config rules once; a rule with an invalid regex is a configuration error, reported at start. */
export function compileScenarioRules(rules: readonly ScenarioRule[]): (prompt: string, model: string) => ScenarioName | undefined {
  const compiled = rules.map((rule, i) => {
    let pattern: RegExp | undefined;
    if (rule.prompt !== undefined) {
      try {
        pattern = new RegExp(rule.prompt, 'i');
      } catch (error) {
        throw new TypeError(`scenarios[${i}].prompt is not a valid regular expression: ${(error as Error).message}`);
      }
    }
    return { pattern, model: rule.model, scenario: rule.scenario };
  });
  return (prompt, model) =>
    compiled.find((r) => (r.pattern ? r.pattern.test(prompt) : true) && (r.model ? r.model === model : true))?.scenario;
}
