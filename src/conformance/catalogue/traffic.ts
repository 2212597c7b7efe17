/**
 * Checks over the whole run's traffic: every answer any check got is judged by judge.ts (every poll,
 * list item, chunk, error and media answer, not only the ones a check looks at). They run last, once
 * every other check has made its requests; the scan is done once and shared.
 */
import { bodyJson, type ConformanceClient, type Exchange } from '../client.js';
import { fail } from '../expect.js';
import { judgeExchange, TRAFFIC_CHECKS, VideoLives, type Problem, type TrafficCheckId } from '../judge.js';
import type { Check } from '../types.js';

const scans = new WeakMap<Exchange[], { length: number; problems: Array<Problem & { exchange: Exchange }> }>();

/** Judge every exchange of the run once (again only when more came since). */
export function scanRun(client: ConformanceClient): Array<Problem & { exchange: Exchange }> {
  const cached = scans.get(client.exchanges);
  if (cached && cached.length === client.exchanges.length) return cached.problems;
  const lives = new VideoLives();
  const problems = client.exchanges.flatMap((exchange) =>
    judgeExchange(
      {
        method: exchange.request.method,
        url: exchange.request.url,
        requestFields: exchange.request.json,
        status: exchange.status,
        contentType: exchange.contentType,
        body: exchange.body,
        mistake: exchange.mistake,
        param: exchange.param,
      },
      client.options.baseUrl,
      lives,
    ).map((p) => ({ ...p, exchange })),
  );
  scans.set(client.exchanges, { length: client.exchanges.length, problems });
  return problems;
}

const PURPOSE: Record<TrafficCheckId, string> = {
  'objects.schema': 'Every JSON answer of the run (every poll, list, completion, image response) matches its OpenAI schema.',
  'chat.stream.framing': 'Every chat stream of the run is data: chunks, each a valid chat.completion.chunk, ending with data: [DONE].',
  'errors.envelope': 'Every error answer of the run is a JSON envelope; refusals of mistakes are invalid_request_error naming the parameter.',
  'media.content-type': 'Every media answer of the run has the Content-Type of its bytes (PNG, JPEG, WebP, MP4).',
  'videos.lifecycle': 'Every video object of the run: status only forward, progress 0..100 never down and 100 when completed, unix-second timestamps in order, fields stable.',
};

/** What a traffic check needs to have seen to judge anything. */
function relevant(id: TrafficCheckId, exchange: Exchange): boolean {
  if (id === 'errors.envelope') return exchange.status >= 400;
  if (id === 'chat.stream.framing') return /event-stream/i.test(exchange.contentType);
  if (id === 'media.content-type') return /^(image|video)\//i.test(exchange.contentType) || exchange.body.length > 0;
  if (id === 'videos.lifecycle') return (bodyJson(exchange) as { object?: unknown } | undefined)?.object === 'video';
  return exchange.status >= 200 && exchange.status < 300;
}

export const trafficChecks: Check[] = (Object.keys(TRAFFIC_CHECKS) as TrafficCheckId[]).map((id) => ({
  id,
  group: id.startsWith('errors.') ? 'errors' : id.startsWith('chat.') ? 'chat' : id.startsWith('videos.') ? 'videos' : 'traffic',
  severity: TRAFFIC_CHECKS[id].severity,
  purpose: PURPOSE[id],
  rule: TRAFFIC_CHECKS[id].rule,
  final: true,
  async run({ client, skip }) {
    if (!client.exchanges.some((e) => relevant(id, e))) skip('nothing in the run to judge (run it with the checks that produce it)');
    const found = scanRun(client).filter((p) => p.check === id);
    if (found.length === 0) return;
    const shown = found.slice(0, 5).map((p) => `${p.message} [${p.exchange.checkId}]`);
    fail(`${found.length} violation(s):\n  ${shown.join('\n  ')}${found.length > 5 ? `\n  … and ${found.length - 5} more` : ''}`, found[0].exchange);
  },
}));
