/**
 * Client mistakes: each is refused with a 4xx. The last two checks run after every other one and
 * also judge every deliberate mistake the whole run made (requests marked `mistake`).
 */
import type { ConformanceClient, Exchange } from '../client.js';
import { describeExchange } from '../client.js';
import { envelopeProblem, expectRejected, fail, isHtml } from '../expect.js';
import { PROMPTS } from '../resources.js';
import type { Check } from '../types.js';
import { form, userMessage } from './common.js';

function invalidJson(client: ConformanceClient): Promise<Exchange> {
  return client.request({ path: '/chat/completions', rawJson: '{"model": "sora_image", "messages": [', mistake: true });
}

/** The run's deliberate mistakes, plus one of this check's own so it judges something when run alone. */
async function mistakes(client: ConformanceClient): Promise<Exchange[]> {
  await invalidJson(client);
  return client.exchanges.filter((e) => e.mistake);
}

function listed(found: Array<{ exchange: Exchange; problem: string }>): string {
  const shown = found.slice(0, 3).map((f) => `${f.problem} [${f.exchange.checkId}]\n  ${describeExchange(f.exchange)}`);
  return `${found.length} answer(s) to client mistakes:\n${shown.join('\n')}${found.length > 3 ? `\n  … and ${found.length - 3} more` : ''}`;
}

export const errorChecks: Check[] = [
  {
    id: 'errors.invalid-json',
    group: 'errors',
    severity: 'should',
    purpose: 'A body that is not valid JSON is refused with a 4xx.',
    rule: 'OpenAI: 400 invalid_request_error; specs/mock.md#errors (invalid_json)',
    async run({ client }) {
      expectRejected(await invalidJson(client), 'invalid JSON body');
    },
  },
  {
    id: 'errors.unknown-model',
    group: 'errors',
    severity: 'must',
    purpose: 'A model outside the list (sora_video3, sora_video2-4k) is refused with a 4xx by chat and /videos.',
    rule: 'seed: 模型列表; seed: 模型参数',
    async run({ client }) {
      expectRejected(
        await client.request({ path: '/chat/completions', json: { model: 'sora_video3', messages: userMessage(PROMPTS.video) }, mistake: true }),
        'chat model=sora_video3',
      );
      expectRejected(await client.request({ path: '/videos', json: { model: 'sora_video2-4k', prompt: PROMPTS.video }, mistake: true }), 'videos model=sora_video2-4k');
    },
  },
  {
    id: 'errors.bad-size',
    group: 'errors',
    severity: 'must',
    purpose: "A size that is not 'widthxheight' is refused with a 4xx by images and /videos.",
    rule: 'seed: 平台参数 size (格式为 widthxheight)',
    async run({ client }) {
      expectRejected(
        await client.request({ path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image', size: 'large' }), mistake: true }),
        'images/generations size=large',
      );
      expectRejected(await client.request({ path: '/videos', json: { model: 'sora_video2', prompt: PROMPTS.video, size: '1280*720' }, mistake: true }), 'videos size=1280*720');
    },
  },
  {
    id: 'errors.envelope',
    group: 'errors',
    severity: 'should',
    purpose: 'Every 4xx answer to a client mistake in the run is JSON {error:{message,type,param,code}}.',
    rule: 'OpenAI: error object; specs/mock.md#errors',
    final: true,
    async run({ client }) {
      const found = (await mistakes(client))
        .filter((e) => e.status >= 400 && e.status <= 499)
        .flatMap((exchange) => {
          const problem = envelopeProblem(exchange);
          return problem ? [{ exchange, problem }] : [];
        });
      if (found.length) fail(`not an error envelope: ${listed(found)}`);
    },
  },
  {
    id: 'errors.no-5xx-or-html',
    group: 'errors',
    severity: 'should',
    purpose: 'No answer to a client mistake in the whole run is a 5xx or an HTML page.',
    rule: 'OpenAI: 4xx invalid_request_error for client errors; specs/mock.md#errors',
    final: true,
    async run({ client }) {
      const found = (await mistakes(client)).flatMap((exchange) => {
        if (exchange.status >= 500) return [{ exchange, problem: `a ${exchange.status}` }];
        if (isHtml(exchange)) return [{ exchange, problem: 'an HTML page' }];
        return [];
      });
      if (found.length) fail(`server errors or HTML: ${listed(found)}`);
    },
  },
];
