/** `POST /images/generations` (multipart as the seed sends it, and JSON) and `POST /images/edits`. */
import type { ImageAspect } from '../../spec/rules.js';
import { expectRefusal, fail } from '../expect.js';
import { expectImage, expectImageAspect } from '../media.js';
import { PROMPTS } from '../resources.js';
import type { Check } from '../check.js';
import type { Generation } from '../types.js';
import { expectCount, form, imagesOf } from './common.js';
import { JUDGMENT_CHECKS } from '../judgment-checks.js';

const images = (label: string, count = 1) => (): Generation[] => [{ kind: 'image', label, count }];

function sizeCheck(name: 'square' | 'wide' | 'tall', size: string, aspect: ImageAspect): Check {
  const id = `images.size.${name}` as const;
  return {
    id,
    group: 'images',
    ...JUDGMENT_CHECKS[id],
    purpose: `size ${size} gives a ${aspect} image.`,
    generates: images(`sora_image ${aspect}`),
    async run({ client }) {
      const what = `images/generations size=${size}`;
      const exchange = await client.request({ path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image', size, n: 1 }), generation: true });
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      expectImageAspect(result.images[0], aspect, what);
    },
  };
}

export const imageChecks: Check[] = [
  {
    id: 'images.generations.multipart',
    group: 'images',
    ...JUDGMENT_CHECKS['images.generations.multipart'],
    purpose: "The seed's multipart form (prompt, model) answers one image (n defaults to 1) that decodes.",
    generates: images('sora_image 1:1'),
    async run({ client }) {
      const what = 'images/generations (multipart)';
      const exchange = await client.request({ path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image' }), generation: true });
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      expectImage(result.images[0], what);
    },
  },
  {
    id: 'images.generations.json',
    group: 'images',
    severity: 'should',
    purpose: 'A JSON body (the OpenAI SDK form) is accepted too.',
    rule: 'OpenAI: POST /images/generations (application/json)',
    generates: images('sora_image 1:1'),
    async run({ client }) {
      const what = 'images/generations (JSON)';
      const exchange = await client.request({ path: '/images/generations', json: { prompt: PROMPTS.image, model: 'sora_image' }, generation: true });
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      expectImage(result.images[0], what);
    },
  },
  sizeCheck('square', '1024x1024', '1:1'),
  sizeCheck('wide', '1792x1024', '3:2'),
  sizeCheck('tall', '1024x1792', '2:3'),
  {
    id: 'images.n',
    group: 'images',
    ...JUDGMENT_CHECKS['images.n'],
    purpose: 'n gives that many images, each decodable: n = 4 in the seed\'s multipart form, n = 2 in JSON.',
    generates: () => [...images('sora_image 1:1', 4)(), ...images('sora_image 1:1 (JSON)', 2)()],
    async run({ client }) {
      const cases = [
        { what: 'images/generations n=4', n: 4, spec: { path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image', n: 4 }), generation: true } },
        { what: 'images/generations (JSON) n=2', n: 2, spec: { path: '/images/generations', json: { prompt: PROMPTS.image, model: 'sora_image', n: 2 }, generation: true } },
      ];
      for (const c of cases) {
        const exchange = await client.request(c.spec);
        const result = await imagesOf(client, exchange, c.what);
        expectCount(result.images.length, c.n, c.what, exchange);
        result.images.forEach((image, i) => expectImage(image, `${c.what}: image ${i + 1}`));
      }
    },
  },
  {
    id: 'images.n.max',
    group: 'images',
    ...JUDGMENT_CHECKS['images.n.max'],
    purpose: 'n = 5 (over the maximum of 4) is refused with a 4xx.',
    async run({ client }) {
      const exchange = await client.request({ path: '/images/generations', form: form({ prompt: PROMPTS.image, model: 'sora_image', n: 5 }), mistake: true, param: 'n' });
      expectRefusal(exchange, 'images/generations n=5', 'n');
    },
  },
  {
    id: 'images.edits',
    group: 'images',
    ...JUDGMENT_CHECKS['images.edits'],
    purpose: "Edits with the seed's image[] field answer an image that decodes.",
    uses: ['image:edit'],
    async run({ client, resources }) {
      const what = 'images/edits image[]';
      const exchange = await resources.get('image:edit');
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      expectImage(result.images[0], what);
    },
  },
  {
    id: 'images.edits.aspect',
    group: 'images',
    severity: 'info',
    purpose: 'Without size, the first input image (3:2 here) decides the aspect of an edit.',
    rule: "sora-kit: specs/rules.md (the first input image decides the aspect; the seed's size rule covers only a given size)",
    uses: ['image:edit'],
    async run({ client, resources }) {
      const what = 'images/edits image[] 96x64 without size';
      const exchange = await resources.get('image:edit');
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      expectImageAspect(result.images[0], '3:2', what);
    },
  },
  {
    id: 'images.edits.missing-image',
    group: 'images',
    ...JUDGMENT_CHECKS['images.edits.missing-image'],
    purpose: 'Edits without an input image are refused with a 4xx.',
    async run({ client }) {
      const exchange = await client.request({ path: '/images/edits', form: form({ prompt: PROMPTS.image, model: 'sora_image' }), mistake: true, param: 'image' });
      expectRefusal(exchange, 'images/edits without image', 'image');
    },
  },
  {
    id: 'images.b64-json',
    group: 'images',
    ...JUDGMENT_CHECKS['images.b64-json'],
    purpose: 'response_format b64_json answers the image bytes in base64, decodable.',
    generates: images('sora_image 1:1 (b64_json)'),
    async run({ client }) {
      const what = 'images/generations response_format=b64_json';
      const exchange = await client.request({ path: '/images/generations', json: { prompt: PROMPTS.image, model: 'sora_image', response_format: 'b64_json' }, generation: true });
      const result = await imagesOf(client, exchange, what);
      expectCount(result.images.length, 1, what, exchange);
      if (!('b64_json' in result.response.data[0])) fail(`${what}: data[0] has no b64_json`, exchange);
      expectImage(result.images[0], what);
    },
  },
];
