/**
 * Client mistakes: each must be refused for what it is (400 or 422, see `expectRefusal`). The last
 * checks run after every other one and judge every answer the whole run got (see catalogue/traffic.ts).
 */
import { BASE_MODEL_TABLE, MODEL_OPTIONS } from '../../spec/options.js';
import type { ConformanceClient, Exchange, RequestSpec } from '../client.js';
import { describeExchange } from '../client.js';
import { expectRefusal, fail, isHtml } from '../expect.js';
import { PROMPTS, inputPng } from '../resources.js';
import type { Check } from '../check.js';
import { form, userMessage } from './common.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

function listed(found: Array<{ exchange: Exchange; problem: string }>): string {
  const shown = found.slice(0, 3).map((f) => `${f.problem} [${f.exchange.checkId}]\n  ${describeExchange(f.exchange)}`);
  return `${found.length} answer(s) to client mistakes:\n${shown.join('\n')}${found.length > 3 ? `\n  … and ${found.length - 3} more` : ''}`;
}

/** Send each mistake and judge every refusal; all are sent, then the first failure is reported. */
async function refuseAll(client: ConformanceClient, cases: Array<{ what: string; param?: string; spec: RequestSpec }>): Promise<void> {
  const answers = await Promise.all(cases.map(async (c) => ({ c, exchange: await client.request({ ...c.spec, mistake: true, param: c.param }) })));
  for (const { c, exchange } of answers) expectRefusal(exchange, c.what, c.param);
}

/** A model name with an option on each base that takes none (seed: options are for sora_video2 only). */
const PLAIN_WITH_OPTION = BASE_MODEL_TABLE.filter((row) => !row.takesOptions).map((row) => ({ base: row.base, kind: row.kind, name: `${row.base}-${MODEL_OPTIONS[0]}` }));

export const errorChecks: Check[] = [
  {
    id: 'errors.invalid-json',
    group: 'errors',
    severity: 'should',
    purpose: 'A body that is not valid JSON is refused with 400 or 422.',
    rule: 'OpenAI: 400 invalid_request_error; RFC 9110 15.5.1',
    run: ({ client }) => refuseAll(client, [{ what: 'invalid JSON body', spec: { path: '/chat/completions', rawJson: '{"model": "sora_image", "messages": [' } }]),
  },
  {
    id: 'errors.unknown-model',
    group: 'errors',
    ...JUDGMENT_CHECKS['errors.unknown-model'],
    purpose: 'A model outside the list (sora_video3, sora_video2-4k) is refused, naming model, by chat and /videos.',
    run: ({ client }) =>
      refuseAll(client, [
        { what: 'chat model=sora_video3', param: 'model', spec: { path: '/chat/completions', json: { model: 'sora_video3', messages: userMessage(PROMPTS.video) } } },
        { what: 'videos model=sora_video2-4k', param: 'model', spec: { path: '/videos', json: { model: 'sora_video2-4k', prompt: PROMPTS.video } } },
      ]),
  },
  {
    id: 'errors.options-on-base',
    group: 'errors',
    ...JUDGMENT_CHECKS['errors.options-on-base'],
    purpose: `Options on every base that takes none (${PLAIN_WITH_OPTION.map((p) => p.name).join(', ')}) are refused by every endpoint of that model.`,
    run: ({ client }) =>
      refuseAll(
        client,
        PLAIN_WITH_OPTION.flatMap(({ name, kind }) => [
          { what: `chat model=${name}`, param: 'model', spec: { path: '/chat/completions', json: { model: name, messages: userMessage(kind === 'image' ? PROMPTS.image : PROMPTS.video) } } },
          kind === 'image'
            ? { what: `images/generations model=${name}`, param: 'model', spec: { path: '/images/generations', form: form({ prompt: PROMPTS.image, model: name }) } }
            : { what: `videos model=${name}`, param: 'model', spec: { path: '/videos', json: { model: name, prompt: PROMPTS.video } } },
        ]),
      ),
  },
  {
    id: 'errors.bad-size',
    group: 'errors',
    ...JUDGMENT_CHECKS['errors.bad-size'],
    purpose: "A size that is not 'widthxheight' is refused, naming size, by images (multipart and JSON) and /videos (JSON and multipart).",
    run: ({ client }) =>
      refuseAll(client, [
        { what: 'images/generations size=large', param: 'size', spec: { path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image', size: 'large' }) } },
        { what: 'images/generations (JSON) size=1024', param: 'size', spec: { path: '/images/generations', json: { prompt: PROMPTS.image, model: 'sora_image', size: '1024' } } },
        { what: 'videos size=1280*720', param: 'size', spec: { path: '/videos', json: { model: 'sora_video2', prompt: PROMPTS.video, size: '1280*720' } } },
        { what: 'videos (multipart) size=wide', param: 'size', spec: { path: '/videos', form: form({ model: 'sora_video2', prompt: PROMPTS.video, size: 'wide' }) } },
      ]),
  },
  {
    id: 'errors.required-params',
    group: 'errors',
    ...JUDGMENT_CHECKS['errors.required-params'],
    purpose: 'Every endpoint refuses a request without its required parameters (prompt, messages, model, image), naming it.',
    run: ({ client }) =>
      refuseAll(client, [
        { what: 'chat without messages', param: 'messages', spec: { path: '/chat/completions', json: { model: 'sora_image' } } },
        { what: 'chat without model', param: 'model', spec: { path: '/chat/completions', json: { messages: userMessage(PROMPTS.image) } } },
        { what: 'images/generations without prompt', param: 'prompt', spec: { path: '/images/generations', form: form({ model: 'sora_image' }) } },
        { what: 'images/generations (JSON) without prompt', param: 'prompt', spec: { path: '/images/generations', json: { model: 'sora_image' } } },
        { what: 'images/edits without prompt', param: 'prompt', spec: { path: '/images/edits', form: form({ model: 'sora_image' }, { 'image[]': inputPng() }) } },
        { what: 'videos without prompt', param: 'prompt', spec: { path: '/videos', json: { model: 'sora_video2' } } },
        { what: 'videos (multipart) without prompt', param: 'prompt', spec: { path: '/videos', form: form({ model: 'sora_video2' }) } },
      ]),
  },
  {
    id: 'errors.no-5xx-or-html',
    group: 'errors',
    ...JUDGMENT_CHECKS['errors.no-5xx-or-html'],
    purpose: 'No answer to a client mistake in the whole run is a 5xx or an HTML page.',
    final: true,
    async run({ client, skip }) {
      const mistakes = client.exchanges.filter((e) => e.mistake);
      if (mistakes.length === 0) skip('the run made no deliberate mistake to judge');
      const found = mistakes.flatMap((exchange) => {
        if (exchange.status >= 500) return [{ exchange, problem: `a ${exchange.status}` }];
        if (isHtml(exchange)) return [{ exchange, problem: 'an HTML page' }];
        return [];
      });
      if (found.length) fail(`server errors or HTML: ${listed(found)}`, found[0].exchange);
    },
  },
];
