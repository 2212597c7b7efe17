/**
 * The registry's judgments that no ordinary check of the catalogue reports: one final check each.
 * They run last, once every other check has made its requests, and fail with what the registry
 * found in the whole run's traffic (every poll, list item, chunk, error and media answer, not only
 * the ones a check looks at); the runner folds the findings in (runner.ts).
 */
import { bodyJson, type Exchange } from '../client.js';
import { JUDGMENT_CHECKS, type JudgmentCheckId } from '../registry.js';
import type { Check, Group } from '../types.js';

/** The registry's own checks, with what each says in reports. */
const PURPOSE = {
  'objects.schema': 'Every JSON answer of the run (every poll, list, completion, image response) matches its OpenAI schema.',
  'chat.stream.framing': 'Every chat stream of the run is data: chunks, each a valid chat.completion.chunk, ending with data: [DONE].',
  'errors.envelope': 'Every error answer of the run is a JSON envelope; refusals of mistakes are invalid_request_error naming the parameter.',
  'errors.param-named': "Every refusal of a mistake names the parameter in error.param (null is OpenAI's too, but tells the client less).",
  'media.content-type': 'Every media answer of the run has the Content-Type of its bytes (PNG, JPEG, WebP, MP4).',
  'videos.lifecycle': 'Every video object of the run: status only forward, progress 0..100 never down and 100 when completed, unix-second timestamps in order, fields stable.',
} as const satisfies Partial<Record<JudgmentCheckId, string>>;
type RegistryOnly = keyof typeof PURPOSE;

/** What a registry check needs to have seen to judge anything. */
function relevant(id: RegistryOnly, exchange: Exchange): boolean {
  if (id === 'errors.envelope') return exchange.status >= 400;
  if (id === 'errors.param-named') return exchange.mistake && exchange.status >= 400;
  if (id === 'chat.stream.framing') return /event-stream/i.test(exchange.contentType);
  if (id === 'media.content-type') return /^(image|video)\//i.test(exchange.contentType) || exchange.body.length > 0;
  if (id === 'videos.lifecycle') return (bodyJson(exchange) as { object?: unknown } | undefined)?.object === 'video';
  return exchange.status >= 200 && exchange.status < 300;
}

const GROUP: Record<RegistryOnly, Group> = {
  'objects.schema': 'traffic',
  'chat.stream.framing': 'chat',
  'errors.envelope': 'errors',
  'errors.param-named': 'errors',
  'media.content-type': 'traffic',
  'videos.lifecycle': 'videos',
};

export const trafficChecks: Check[] = (Object.keys(PURPOSE) as RegistryOnly[]).map((id) => ({
  id,
  group: GROUP[id],
  severity: JUDGMENT_CHECKS[id].severity,
  purpose: PURPOSE[id],
  rule: JUDGMENT_CHECKS[id].rule,
  final: true,
  async run({ client, skip }) {
    if (!client.exchanges.some((e) => relevant(id, e))) skip('nothing in the run to judge (run it with the checks that produce it)');
  },
}));
