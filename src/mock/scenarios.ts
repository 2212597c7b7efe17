/**
 * Scenarios provoke what is hard to provoke on the real service. A request picks one with
 * `Prefer: scenario=<name>` (Prism's convention), or the config's rules pick one by prompt or model.
 * The header wins over the rules. See specs/mock.md for what each scenario does.
 */
import { badRequest } from './http.js';
import { SCENARIO_NAMES, type ScenarioName, type ScenarioRule } from './types.js';

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
        `Unknown scenario '${m[1]}' in the Prefer header; accepted: ${SCENARIO_NAMES.join(', ')}.`,
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
