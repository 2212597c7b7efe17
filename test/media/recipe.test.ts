import { readFileSync, readdirSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeRecipe,
  digestHex,
  encodeRecipe,
  generateImage,
  generateThumbnail,
  generateVideo,
  imageRecipe,
  inputDigestOf,
  promptDigestOf,
  recipeDigest,
  videoRecipe,
  type Recipe,
} from '../../src/media/index.js';
import { buildScene, renderFrame } from '../../src/media/scene.js';
import { allCanonicalModelNames, parseModelName } from '../../src/spec/model.js';
import { IMAGE_SIZES, videoSpecFor, type ImageAspect } from '../../src/spec/rules.js';

const videoModels = allCanonicalModelNames().filter((n) => n !== 'sora_image');

/** Arbitrary recipes over every model, size, variant, seed and optional input digest. */
const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  fc
    .record({
      prompt: fc.string({ unit: 'grapheme', maxLength: 200 }),
      aspect: fc.constantFrom<ImageAspect>('1:1', '3:2', '2:3'),
      index: fc.integer({ min: 0, max: 3 }),
      seed: fc.string({ maxLength: 12 }),
      inputDigest: fc.option(fc.stringMatching(/^[0-9a-f]{16}$/), { nil: undefined }),
      watermark: fc.boolean(),
    })
    .map(({ aspect, ...r }) => imageRecipe({ ...r, spec: { aspect, ...IMAGE_SIZES[aspect] } })),
  fc
    .record({
      prompt: fc.string({ unit: 'grapheme', maxLength: 200 }),
      model: fc.constantFrom(...videoModels),
      orientation: fc.constantFrom<'portrait' | 'landscape'>('portrait', 'landscape'),
      index: fc.integer({ min: 0, max: 3 }),
      seed: fc.string({ maxLength: 12 }),
      inputDigest: fc.option(fc.stringMatching(/^[0-9a-f]{16}$/), { nil: undefined }),
      watermark: fc.boolean(),
    })
    .map(({ model, orientation, ...r }) => {
      const parsed = parseModelName(model);
      if (!parsed.ok) throw new Error(parsed.error.message);
      return videoRecipe({ ...r, spec: videoSpecFor(parsed.model, parsed.model.orientation ?? orientation) });
    }),
);

describe('recipe encoding', () => {
  it('FNV-1a 64 matches the published test vectors', () => {
    expect(digestHex('')).toBe('cbf29ce484222325');
    expect(digestHex('a')).toBe('af63dc4c8601ec8c');
    expect(digestHex('foobar')).toBe('85944171f73967e8');
  });

  it('round-trips every recipe through a URL-safe canonical string', () => {
    fc.assert(
      fc.property(recipeArb, (recipe) => {
        const text = encodeRecipe(recipe);
        expect(text).toMatch(/^[A-Za-z0-9._-]+$/);
        const decoded = decodeRecipe(text);
        expect(decoded).toEqual({ ok: true, recipe });
        expect(recipeDigest(recipe)).toMatch(/^[0-9a-f]{16}$/);
      }),
      { numRuns: 300 },
    );
  });

  it('has the same short length whatever the prompt: it carries the prompt as its digest', () => {
    const spec = { aspect: '1:1' as const, ...IMAGE_SIZES['1:1'] };
    const long = '一只在雪地里奔跑的小狐狸'.repeat(2700);
    const texts = ['', 'a', long].map((prompt) => encodeRecipe(imageRecipe({ prompt, spec })));
    expect(new Set(texts.map((t) => t.length)).size).toBe(1);
    expect(texts[2].length).toBeLessThan(100);
    expect(new Set(texts).size).toBe(3);
    expect(texts[2].endsWith(`.${promptDigestOf(long)}`)).toBe(true);
  });

  it('rejects garbage with a message, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), recipeArb.map(encodeRecipe).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n)))), (text) => {
        const result = decodeRecipe(text);
        if (!result.ok) expect(result.message).toMatch(/recipe/);
        else expect(encodeRecipe(result.recipe)).toBe(text);
      }),
      { numRuns: 300 },
    );
    const good = encodeRecipe(imageRecipe({ prompt: 'x', spec: { aspect: '1:1', ...IMAGE_SIZES['1:1'] } }));
    const swap = (i: number, v: string) => good.split('.').map((f, j) => (j === i ? v : f)).join('.');
    expect(decodeRecipe(swap(2, 'sora_imag'))).toMatchObject({ ok: false, message: expect.stringContaining("'sora_imag'") });
    expect(decodeRecipe(swap(3, '1000x1000'))).toMatchObject({ ok: false, message: expect.stringContaining("'1000x1000'") });
    expect(decodeRecipe(swap(6, '07'))).toMatchObject({ ok: false, message: expect.stringContaining("index '07'") });
    expect(decodeRecipe(swap(9, 'XYZ'))).toMatchObject({ ok: false, message: expect.stringContaining('inputDigest') });
    expect(decodeRecipe(swap(10, 'eA'))).toMatchObject({ ok: false, message: expect.stringContaining("promptDigest 'eA'") });
    expect(decodeRecipe(good.replace(/^r2\./, 'r1.'))).toMatchObject({ ok: false, message: expect.stringContaining('not a r2 recipe') });
    expect(decodeRecipe(42)).toMatchObject({ ok: false });
  });

  it('the input digest depends on every image and on how they are split', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([4, 5]);
    expect(inputDigestOf([a, b])).not.toBe(inputDigestOf([b, a]));
    expect(inputDigestOf([a, b])).not.toBe(inputDigestOf([new Uint8Array([1, 2, 3, 4, 5])]));
    expect(inputDigestOf([a])).toBe(inputDigestOf([new Uint8Array([1, 2, 3])]));
  });
});

describe('determinism', () => {
  it('the same recipe gives the same bytes (PNG, WebP)', () => {
    fc.assert(
      fc.property(recipeArb, (recipe) => {
        const copy = decodeRecipe(encodeRecipe(recipe));
        if (!copy.ok) throw new Error(copy.message);
        expect(generateThumbnail(copy.recipe)).toEqual(generateThumbnail(recipe));
        if (recipe.kind === 'image') expect(generateImage(copy.recipe)).toEqual(generateImage(recipe));
      }),
      { numRuns: 15 },
    );
  });

  it('the same video recipe gives the same MP4 bytes', async () => {
    const parsed = parseModelName('sora_video');
    if (!parsed.ok) throw new Error('model');
    const recipe = videoRecipe({ prompt: '同一个视频', spec: videoSpecFor(parsed.model, 'landscape'), watermark: true });
    const [a, b] = await Promise.all([generateVideo(recipe), generateVideo({ ...recipe })]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('different prompts give different pictures', () => {
    fc.assert(
      fc.property(recipeArb, fc.string({ minLength: 1, maxLength: 50 }), (recipe, other) => {
        fc.pre(promptDigestOf(other) !== recipe.promptDigest);
        const a = renderFrame(buildScene(recipe), 0, 1).data;
        const b = renderFrame(buildScene({ ...recipe, promptDigest: promptDigestOf(other) }), 0, 1).data;
        expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('dependencies', () => {
  const MEDIA = resolve(import.meta.dirname, '../../src/media');
  /** Every import statement of a source, with whether it is type-only. */
  const importsOf = (source: string) =>
    [...source.matchAll(/^\s*import\s+(type\s+)?[^;]*?from\s*'([^']+)'/gms)].map((m) => ({ typeOnly: !!m[1], from: m[2] }));

  it('the recipe codec takes only types from spec/ (the values come in as a parameter)', () => {
    const imports = importsOf(readFileSync(join(MEDIA, 'recipe.ts'), 'utf8'));
    expect(imports.some((i) => i.from.startsWith('../spec/'))).toBe(true);
    expect(imports.filter((i) => i.from.startsWith('../spec/') && !i.typeOnly)).toEqual([]);
    expect(importsOf("import type { A } from '../spec/a.js';\nimport {\n  b,\n} from '../spec/b.js';")).toEqual([
      { typeOnly: true, from: '../spec/a.js' },
      { typeOnly: false, from: '../spec/b.js' },
    ]);
  });

  it('src/media imports nothing from node', () => {
    const files = readdirSync(MEDIA, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(10);
    const nodeImports = files.flatMap((f) =>
      importsOf(readFileSync(join(MEDIA, f), 'utf8')).filter((i) => isBuiltin(i.from)).map((i) => `${f}: ${i.from}`),
    );
    expect(nodeImports).toEqual([]);
    expect(isBuiltin('node:fs') && isBuiltin('fs')).toBe(true);
  });
});
