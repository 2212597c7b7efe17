/** `POST /chat/completions`: sora_image (plain, streamed, image-to-image) and video models by stream. */
import { OPTION_BASE, OPTION_FIELDS, modelFromOptions, modelOptionsOf, type ModelOption } from '../../spec/model.js';
import { ChatCompletion } from '../../spec/schemas/chat.js';
import type { ConformanceClient } from '../client.js';
import { expectJson, expectRefusal, fail } from '../expect.js';
import { downloadFirst, expectImage, expectImageAspect, expectVideoMatches, findLinks, type Downloaded } from '../media.js';
import { PROMPTS, specOfModel, videoLabel } from '../resources.js';
import { readChatStream, type ChatStream } from '../client.js';
import type { Check } from '../check.js';
import type { Generation } from '../types.js';
import { userMessage } from './common.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

const STREAM_RULE = 'OpenAI: chat completion streaming (data: chunk ... data: [DONE]); specs/mock.md#chat-completions';

function streamOk(stream: ChatStream, what: string): void {
  const { exchange } = stream.sse;
  if (exchange.status !== 200) fail(`${what}: expected 200, got ${exchange.status}`, exchange);
}

/**
 * The image a chat answer links, in whatever form the text writes the link (markdown, HTML, bare): the
 * first link that decodes as an image.
 */
function chatImage(client: ConformanceClient, stream: ChatStream, what: string): Promise<Downloaded> {
  return downloadFirst(client, findLinks(stream.content), 'image', `${what}: image link`, stream.sse.exchange);
}

/**
 * A video model through a chat stream: a link of the text (the last first: progress comes before the
 * result) must be an MP4 of the model's spec.
 */
async function chatVideo(client: ConformanceClient, model: string): Promise<void> {
  const spec = specOfModel(model);
  const what = `chat ${model}`;
  const stream = readChatStream(await client.sse({ path: '/chat/completions', json: { model, stream: true, messages: userMessage(PROMPTS.video) }, generation: true }));
  streamOk(stream, what);
  const media = await downloadFirst(client, findLinks(stream.content).reverse(), 'video', `${what}: video link`, stream.sse.exchange);
  if (media.facts.kind === 'video' && media.facts.format !== 'mp4') fail(`${what}: expected an MP4, decoded ${media.facts.format}`, media.exchange, { expected: 'mp4', actual: media.facts.format });
  expectVideoMatches(media, { orientation: spec.orientation, quality: spec.quality, seconds: spec.seconds }, `${what}: video link`);
}

/**
 * The option matrix, from the option table: every option at least once in as few names as the
 * exclusive groups allow (name i takes the i-th option of each group, and the flags take turns),
 * each sent in reverse canonical order, and the first also canonically, so one option set is seen
 * in two orders (the grammar takes any order).
 */
function optionMatrix(): string[] {
  const width = Math.max(...OPTION_FIELDS.map((f) => f.rows.length));
  const sets: ModelOption[][] = Array.from({ length: width }, () => []);
  let turn = 0;
  for (const { rows, flag } of OPTION_FIELDS) {
    if (flag) sets[turn++ % width].push(rows[0].option);
    else rows.forEach((row, i) => sets[i].push(row.option));
  }
  const canonical = sets.map((set) => modelOptionsOf(modelFromOptions(OPTION_BASE, set)));
  return [
    [OPTION_BASE, ...canonical[0]].join('-'),
    ...canonical.map((options) => [OPTION_BASE, ...[...options].reverse()].join('-')),
  ];
}

export const OPTION_MODELS: readonly string[] = optionMatrix();

const videoGenerations = (models: readonly string[]) => (): Generation[] =>
  models.map((m) => ({ kind: 'video', label: `${videoLabel(specOfModel(m))} (chat ${m})`, count: 1 }));

export const chatChecks: Check[] = [
  {
    id: 'chat.image.nonstream',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.nonstream'],
    purpose: 'sora_image without streaming answers a chat.completion whose content links an image that decodes.',
    generates: () => [{ kind: 'image', label: 'sora_image 1:1 (chat)', count: 1 }],
    async run({ client }) {
      const exchange = await client.request({ path: '/chat/completions', json: { model: 'sora_image', messages: userMessage(PROMPTS.image) }, generation: true });
      const completion = expectJson(exchange, ChatCompletion, 'chat sora_image');
      const content = completion.choices[0]?.message.content ?? '';
      await downloadFirst(client, findLinks(content), 'image', 'chat sora_image: image link', exchange);
    },
  },
  {
    id: 'chat.image.stream.content-type',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.stream.content-type'],
    purpose: 'A streamed chat answers 200 with Content-Type text/event-stream.',
    uses: ['chat:image-stream'],
    async run({ resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      if (!/^text\/event-stream/i.test(stream.sse.exchange.contentType)) {
        fail(`chat stream: expected Content-Type text/event-stream, got '${stream.sse.exchange.contentType}'`, stream.sse.exchange);
      }
    },
  },
  {
    id: 'chat.image.stream.chunks',
    group: 'chat',
    severity: 'should',
    purpose: 'Every data: event of a chat stream is a valid chat.completion.chunk (or the final [DONE]).',
    rule: STREAM_RULE,
    uses: ['chat:image-stream'],
    async run({ resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      const bad = stream.invalid[0];
      if (bad) fail(`chat stream: event ${bad.index + 1} is not a chat.completion.chunk (${bad.problem}): ${bad.data.slice(0, 200)}`, stream.sse.exchange);
      if (stream.chunks.length === 0) fail('chat stream: no chunk at all', stream.sse.exchange);
    },
  },
  {
    id: 'chat.image.stream.role-first',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.stream.role-first'],
    purpose: 'The first chunk of a chat stream carries delta.role "assistant".',
    uses: ['chat:image-stream'],
    async run({ resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      const first = stream.chunks[0];
      if (first?.choices[0]?.delta.role !== 'assistant') {
        fail(`chat stream: the first chunk has no delta.role 'assistant': ${stream.sse.data[0]?.slice(0, 200) ?? '(no events)'}`, stream.sse.exchange);
      }
    },
  },
  {
    id: 'chat.image.stream.done',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.stream.done'],
    purpose: 'A chat stream ends with data: [DONE], after a chunk with finish_reason "stop".',
    uses: ['chat:image-stream'],
    async run({ resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      if (!stream.doneLast) fail(`chat stream: the stream does not end with exactly one [DONE]; its last event is '${(stream.sse.data.at(-1) ?? '(none)').slice(0, 120)}'`, stream.sse.exchange);
      if (!stream.chunks.some((c) => c.choices.some((choice) => choice.finish_reason === 'stop'))) {
        fail('chat stream: no chunk has finish_reason "stop"', stream.sse.exchange);
      }
    },
  },
  {
    id: 'chat.image.stream.image',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.stream.image'],
    purpose: 'A streamed sora_image answer links an image that decodes.',
    uses: ['chat:image-stream'],
    async run({ client, resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      expectImage(await chatImage(client, stream, 'chat stream'), 'chat stream: image link');
    },
  },
  {
    id: 'chat.image.default-aspect',
    group: 'chat',
    severity: 'info',
    purpose: 'Without size or an input image, sora_image answers a 1:1 image.',
    rule: "sora-kit: specs/rules.md (1:1 when nothing decides; the seed's size rule covers only a given size)",
    uses: ['chat:image-stream'],
    async run({ client, resources }) {
      const stream = await resources.get('chat:image-stream');
      streamOk(stream, 'chat stream');
      expectImageAspect(await chatImage(client, stream, 'chat stream'), '1:1', 'chat stream: image link (no size)');
    },
  },
  {
    id: 'chat.image.image-to-image',
    group: 'chat',
    severity: 'must',
    purpose: 'Image-to-image chat with a base64 data URI streams a link to a decodable image.',
    rule: 'seed: 对话接口图生图 (image_url: url或者base64)',
    uses: ['chat:image-to-image'],
    async run({ client, resources }) {
      const stream = await resources.get('chat:image-to-image');
      streamOk(stream, 'image-to-image chat');
      expectImage(await chatImage(client, stream, 'image-to-image chat'), 'image-to-image chat: image link');
    },
  },
  {
    id: 'chat.image.image-to-image.aspect',
    group: 'chat',
    severity: 'info',
    purpose: 'Without size, the first input image (3:2 here) decides the aspect of image-to-image output.',
    rule: 'specs/mock.md#chat-completions (the first input image decides the aspect); rules: resolveImageRequest',
    uses: ['chat:image-to-image'],
    async run({ client, resources }) {
      const stream = await resources.get('chat:image-to-image');
      streamOk(stream, 'image-to-image chat');
      expectImageAspect(await chatImage(client, stream, 'image-to-image chat'), '3:2', 'image-to-image chat: image link (input 96x64)');
    },
  },
  {
    id: 'chat.video.stream',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.video.stream'],
    purpose: 'sora_video2 by chat stream ends with an MP4 link: portrait, SD, 10 s (the seed default).',
    generates: videoGenerations(['sora_video2']),
    run: ({ client }) => chatVideo(client, 'sora_video2'),
  },
  {
    id: 'chat.video.options',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.video.options'],
    purpose: 'Every sora_video2 option takes effect (orientation, hd, 15s/25s, pro), in any order.',
    generates: videoGenerations(OPTION_MODELS),
    async run({ client }) {
      // Independent generations: in parallel (the run's generation limit applies), every one judged.
      const outcomes = await Promise.allSettled(OPTION_MODELS.map((model) => chatVideo(client, model)));
      const failed = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      if (failed.length) throw failed[0];
    },
  },
  {
    id: 'chat.image.options-rejected',
    group: 'chat',
    ...JUDGMENT_CHECKS['chat.image.options-rejected'],
    purpose: 'Options on sora_image (sora_image-hd) are refused with a 4xx.',
    async run({ client }) {
      const exchange = await client.request({ path: '/chat/completions', json: { model: 'sora_image-hd', messages: userMessage(PROMPTS.image) }, mistake: true, param: 'model' });
      expectRefusal(exchange, 'chat sora_image-hd', 'model');
    },
  },
];
