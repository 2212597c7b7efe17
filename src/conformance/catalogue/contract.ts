/**
 * Checks the coverage matrix (coverage.ts) asked for: documented parameters no other check sent
 * (GET /videos limit, after, order; watermark; input_reference; chat size and n; stream_options; the
 * edits' size, n and response_format) and fields no other check held to their request, to each other
 * or to the other operations. Their judgments are the pure functions of contract-judgments.ts.
 */
import { IMAGE_COUNT_MAX } from '../../spec/rules.js';
import { ChatCompletion } from '../../spec/schemas/chat.js';
import { VideoListResource, VideoResource } from '../../spec/schemas/videos.js';
import { bodyJson, readChatStream, type ConformanceClient } from '../client.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';
import { expectJson, fail } from '../expect.js';
import { download, expectImage, expectImageAspect } from '../media.js';
import { findLinks } from '../media-rules.js';
import { PROMPTS, inputPng } from '../resources.js';
import type { Check } from '../check.js';
import type { Generation } from '../types.js';
import { expectCount, form, imagesOf, userMessage } from './common.js';

/**
 * Image variants (n) a chat or an edit is asked for: the largest allowed (the boundary a deployment
 * may wrongly refuse; images.n.max tries the next). Only as links: an answer carrying that many images
 * in base64 is slow to make, so the base64 case asks for one.
 */
const VARIANT_COUNT = IMAGE_COUNT_MAX;

/** List and delete are OpenAI's, not the seed's: a deployment that does not route them is not judged on them. */
const NOT_OFFERED = [404, 405, 501];

const images = (label: string, count: number) => (): Generation[] => [{ kind: 'image', label, count }];

/** A JSON list page of `GET /videos`, or fail. */
async function page(client: ConformanceClient, query: string, asked: { limit?: number; order?: 'asc' | 'desc' }, skip: (reason: string) => never) {
  const exchange = await client.request({ path: `/videos?${query}` });
  if (NOT_OFFERED.includes(exchange.status)) skip(`GET /videos is not offered (${exchange.status})`);
  // The page itself (limit, order, first_id, last_id) is the registry's to judge (videos.list.pages).
  const list = expectJson(exchange, VideoListResource, `GET /videos?${query}`);
  return { exchange, list, ids: list.data.map((v) => v.id) };
}

export const contractChecks: Check[] = [
  {
    id: 'videos.list.pages',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.list.pages'],
    purpose: 'GET /videos honours limit, after and order: limit=1 gives one item and has_more, pages after a job hold only older (desc) or newer (asc) jobs, first_id and last_id name the ends.',
    uses: ['video:default', 'video:remix'],
    async run({ client, resources, skip }) {
      const source = (await resources.get('video:default')).job.created;
      const remix = VideoResource.safeParse(bodyJson((await resources.get('video:remix')).create));
      if (!remix.success) return skip('the remix did not answer a video object (videos.remix judges it)');
      const [older, newer] = [source.id, remix.data.id];
      const one = await page(client, 'limit=1', { limit: 1 }, skip);
      if (!one.list.has_more) fail('GET /videos?limit=1: has_more is false, yet the run made at least two jobs', one.exchange, { expected: 'has_more true', actual: 'false' });
      const max = 100;
      const desc = await page(client, `limit=${max}&after=${encodeURIComponent(newer)}`, { limit: max, order: 'desc' }, skip);
      if (desc.ids.includes(newer)) fail(`GET /videos?after=${newer}: the page holds the cursor itself (after ignored?)`, desc.exchange);
      if (!desc.ids.includes(older)) fail(`GET /videos?after=${newer} (newest first): ${older}, made before it, is not on the page`, desc.exchange);
      if (desc.list.data.length < max && desc.list.has_more) fail(`GET /videos?after=${newer}&limit=${max}: ${desc.list.data.length} items and has_more true`, desc.exchange);
      const asc = await page(client, `order=asc&limit=${max}&after=${encodeURIComponent(older)}`, { limit: max, order: 'asc' }, skip);
      if (asc.ids.includes(older)) fail(`GET /videos?order=asc&after=${older}: the page holds the cursor itself (after ignored?)`, asc.exchange);
      if (!asc.ids.includes(newer)) fail(`GET /videos?order=asc&after=${older} (oldest first): ${newer}, made after it, is not on the page (order ignored?)`, asc.exchange);
    },
  },
  {
    id: 'videos.relations',
    group: 'videos',
    ...JUDGMENT_CHECKS['videos.relations'],
    purpose: "Every answer about a job agrees with the others (model, prompt, source, creation time), with its request (prompt; a remix keeps its source's size and duration) and with itself (expires_at, error); a deleted job is gone from the list and its content.",
    final: true,
    async run({ client, skip }) {
      const api = client.options.baseUrl;
      const deletedIds = client.exchanges.filter((e) => e.request.method === 'DELETE' && e.status === 200).map((e) => (bodyJson(e) as { id?: unknown } | undefined)?.id);
      // After the run's deletions: the list and the content must not show them.
      for (const id of deletedIds.filter((v): v is string => typeof v === 'string')) {
        await client.request({ path: `/videos/${encodeURIComponent(id)}/content`, mistake: true });
      }
      if (deletedIds.length) await client.request({ path: '/videos?limit=100' });
      // The registry judges every exchange of the run (these included) and fails this check with what it finds.
      if (!client.exchanges.some((e) => e.request.url.startsWith(`${api}/videos`))) skip('the run made no video request');
    },
  },
  {
    id: 'videos.watermark',
    group: 'videos',
    severity: 'must',
    purpose: 'POST /videos with watermark true (a documented parameter) starts a job.',
    rule: 'seed: 平台参数 watermark (是否保留视频水印, 默认为 false)',
    generates: () => [{ kind: 'video', label: 'sora_video2 720x1280 10s (watermark true)', count: 1 }],
    async run({ client }) {
      const exchange = await client.request({ path: '/videos', json: { prompt: PROMPTS.video, model: 'sora_video2', watermark: true }, generation: true });
      const video = expectJson(exchange, VideoResource, 'POST /videos watermark=true');
      if (video.status === 'failed') fail('POST /videos watermark=true: the new job is already failed', exchange);
    },
  },
  {
    id: 'videos.input-reference',
    group: 'videos',
    severity: 'should',
    purpose: 'POST /videos (multipart) with an input_reference image starts a job.',
    rule: 'OpenAI: POST /videos input_reference (multipart file)',
    generates: () => [{ kind: 'video', label: 'sora_video2 720x1280 10s (input_reference)', count: 1 }],
    async run({ client }) {
      const body = form({ prompt: PROMPTS.video, model: 'sora_video2' }, { input_reference: inputPng(72, 128) });
      const exchange = await client.request({ path: '/videos', form: body, generation: true });
      const video = expectJson(exchange, VideoResource, 'POST /videos input_reference');
      if (video.status === 'failed') fail('POST /videos input_reference: the new job is already failed', exchange);
    },
  },
  {
    id: 'chat.params',
    group: 'chat',
    severity: 'must',
    purpose: `Chat with sora_image honours the platform parameters: size 1792x1024 and n ${VARIANT_COUNT} give ${VARIANT_COUNT} 3:2 images; watermark true is accepted.`,
    rule: 'seed: 平台参数 size (宽大于高 3:2), n (最大值为 4), watermark',
    generates: images(`sora_image 3:2 (chat, n ${VARIANT_COUNT})`, VARIANT_COUNT),
    async run({ client }) {
      const what = `chat sora_image size=1792x1024 n=${VARIANT_COUNT} watermark=true`;
      const exchange = await client.request({
        path: '/chat/completions',
        json: { model: 'sora_image', messages: userMessage(PROMPTS.image), size: '1792x1024', n: VARIANT_COUNT, watermark: true },
        generation: true,
      });
      const completion = expectJson(exchange, ChatCompletion, what);
      // n variants in one answer, or (OpenAI's reading of n) one per choice: every link counts.
      const links = completion.choices.flatMap((c) => findLinks(c.message.content ?? ''));
      const decoded = [];
      const other: string[] = [];
      // Other links (a preview page) may stand beside the images: each is tried, and said if it is none.
      for (const link of links.slice(0, 2 * VARIANT_COUNT)) {
        try {
          const media = await download(client, link, `${what}: link ${link}`, exchange);
          if (media.facts.kind === 'image') decoded.push(media);
          else other.push(`${link} is a ${media.facts.kind}`);
        } catch (error) {
          other.push(error instanceof Error ? error.message.split('\n').slice(0, 2).join(' ') : String(error));
        }
      }
      if (decoded.length !== VARIANT_COUNT) fail(`${what}: expected ${VARIANT_COUNT} image(s), got ${decoded.length}${other.length ? ` (${other.join('; ')})` : ''}`, exchange, { expected: `${VARIANT_COUNT} image(s)`, actual: `${decoded.length} image(s)` });
      decoded.forEach((media, i) => expectImageAspect(media, '3:2', `${what}: image ${i + 1}`));
    },
  },
  {
    id: 'chat.stream.usage',
    group: 'chat',
    severity: 'should',
    purpose: 'A stream with stream_options.include_usage carries a usage chunk (total = prompt + completion) before [DONE].',
    rule: 'OpenAI: chat streaming stream_options.include_usage (a last chunk with usage and empty choices)',
    generates: images('sora_image 1:1 (chat stream with usage)', 1),
    async run({ client }) {
      const sse = await client.sse({ path: '/chat/completions', json: { model: 'sora_image', stream: true, stream_options: { include_usage: true }, messages: userMessage(PROMPTS.image) }, generation: true });
      const stream = readChatStream(sse);
      if (sse.exchange.status !== 200) fail(`chat stream with include_usage: expected 200, got ${sse.exchange.status}`, sse.exchange);
      const usage = stream.chunks.map((c) => c.usage).find((u) => u);
      if (!usage) fail('chat stream with include_usage: no chunk carries usage', sse.exchange, { expected: 'a chunk with usage', actual: 'none' });
      if (usage.total_tokens !== usage.prompt_tokens + usage.completion_tokens) fail(`chat stream: usage.total_tokens ${usage.total_tokens} is not ${usage.prompt_tokens} + ${usage.completion_tokens}`, sse.exchange);
    },
  },
  {
    id: 'images.edits.params',
    group: 'images',
    severity: 'must',
    purpose: `Edits honour size, n and response_format: size 1024x1792 and n ${VARIANT_COUNT} give ${VARIANT_COUNT} 2:3 images; b64_json gives the image in base64.`,
    rule: 'seed: 平台参数 size (否则 2:3), n; OpenAI: POST /images/edits response_format b64_json',
    generates: () => [...images(`sora_image 2:3 (edit, n ${VARIANT_COUNT})`, VARIANT_COUNT)(), ...images('sora_image 1:1 (edit, b64_json)', 1)()],
    async run({ client }) {
      // Two requests: an answer carrying several images in base64 is slow to make, and one is enough for the format.
      const cases = [
        { what: `images/edits size=1024x1792 n=${VARIANT_COUNT}`, n: VARIANT_COUNT, aspect: '2:3' as const, fields: { size: '1024x1792', n: VARIANT_COUNT } },
        { what: 'images/edits size=1024x1024 response_format=b64_json', n: 1, aspect: '1:1' as const, fields: { size: '1024x1024', response_format: 'b64_json' } },
      ];
      for (const c of cases) {
        const exchange = await client.request({ path: '/images/edits', form: form({ prompt: PROMPTS.image, model: 'sora_image', ...c.fields }, { 'image[]': inputPng() }), generation: true });
        const result = await imagesOf(client, exchange, c.what);
        expectCount(result.images.length, c.n, c.what, exchange);
        if (c.fields.response_format) {
          result.response.data.forEach((item, i) => {
            if (!('b64_json' in item)) fail(`${c.what}: image ${i + 1} has no b64_json`, exchange, { expected: 'b64_json', actual: Object.keys(item).join(', ') });
          });
        }
        result.images.forEach((image, i) => {
          expectImage(image, `${c.what}: image ${i + 1}`);
          expectImageAspect(image, c.aspect, `${c.what}: image ${i + 1}`);
        });
      }
    },
  },
];
