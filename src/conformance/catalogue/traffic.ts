/**
 * The registry's checks that no ordinary check of the catalogue reports: one final check each, derived
 * from the registry (its severity, rule and purpose). They run last, once every other check has made
 * its requests, and fail with what the registry found in the whole run's traffic (every poll, list
 * item, chunk, error and media answer, not only the ones a check looks at); the runner folds the
 * findings in (runner.ts). Adding a judgment to the registry adds its check here by itself.
 */
import { bodyJson, type Exchange } from '../client.js';
import { JUDGMENT_CHECKS, type JudgmentCheckId } from '../judgment-checks.js';
import { purposeOf } from '../registry.js';
import type { Check } from '../check.js';
import { GROUPS, type Group } from '../types.js';

/** What a registry check needs to have seen to judge anything; any exchange where nothing narrower is known. */
function relevant(id: JudgmentCheckId, exchange: Exchange): boolean {
  if (id === 'errors.envelope') return exchange.status >= 400;
  if (id === 'errors.param-named') return exchange.mistake && exchange.status >= 400;
  if (id === 'chat.stream.framing') return /event-stream/i.test(exchange.contentType);
  if (id === 'media.content-type') return /^(image|video)\//i.test(exchange.contentType) || exchange.body.length > 0;
  if (id === 'videos.lifecycle') return (bodyJson(exchange) as { object?: unknown } | undefined)?.object === 'video';
  if (id === 'objects.schema') return exchange.status >= 200 && exchange.status < 300;
  return true;
}

/** The group of a check id: its first word when that is a group, else `traffic`. */
const groupOf = (id: string): Group => ((GROUPS as readonly string[]).includes(id.split('.')[0]) ? id.split('.')[0] : 'traffic') as Group;

/** A final check for each registry check that `ordinary` does not already report. */
export function registryChecks(ordinary: readonly Check[]): Check[] {
  const reported = new Set(ordinary.map((c) => c.id));
  return (Object.keys(JUDGMENT_CHECKS) as JudgmentCheckId[])
    .filter((id) => !reported.has(id))
    .map((id) => ({
      id,
      group: id === 'objects.schema' || id === 'media.content-type' ? 'traffic' : groupOf(id),
      severity: JUDGMENT_CHECKS[id].severity,
      purpose: purposeOf(id),
      rule: JUDGMENT_CHECKS[id].rule,
      final: true,
      async run({ client, skip }) {
        if (!client.exchanges.some((e) => relevant(id, e))) skip('nothing in the run to judge (run it with the checks that produce it)');
      },
    }));
}
