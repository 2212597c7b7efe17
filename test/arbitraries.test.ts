import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  imageCount,
  imageRequest,
  invalidImageCount,
  invalidModelName,
  invalidSizeString,
  prompt,
  size,
  sizeString,
  validModelName,
  videoModelName,
  videoRequest,
} from '../src/arbitraries/index.js';
import { analyzePromptHeuristic } from '../src/spec/analysis.js';
import { SIZE_BY_QUALITY, VIDEO_MODEL_TABLE } from './spec/model-table.js';

const SAMPLE = { numRuns: 2000, seed: 42 };

describe('sora-kit/arbitraries', () => {
  it('model-name arbitraries cover every canonical name and every rejection kind', () => {
    const canon = new Set(fc.sample(validModelName(), SAMPLE).map((m) => m.canonical));
    expect([...canon].sort()).toEqual(['sora_image', ...VIDEO_MODEL_TABLE.map((r) => r[0])].sort());
    expect(fc.sample(videoModelName(), 500).every((m) => m.model.base !== 'sora_image')).toBe(true);
    const kinds = new Set(fc.sample(invalidModelName(), SAMPLE).map((m) => m.kind));
    expect([...kinds].sort()).toEqual(
      ['case_mangled', 'conflicting_options', 'duplicate_option', 'empty', 'options_not_supported', 'separator_mangled', 'unknown_base', 'unknown_option'],
    );
  });

  it('sizes are WxH within bounds, with their dimensions attached', () => {
    for (const dims of fc.sample(size(100), 200)) {
      expect(dims.width).toBeGreaterThanOrEqual(1);
      expect(dims.height).toBeLessThanOrEqual(100);
    }
    const samples = fc.sample(sizeString(), 500);
    for (const { value, dims } of samples) expect(value).toBe(`${dims.width}x${dims.height}`);
    expect(samples.some((s) => s.dims.width === s.dims.height)).toBe(true);
    for (const { value, param } of fc.sample(invalidSizeString(), 200)) {
      expect(param).toBe('size');
      expect(typeof value === 'string' && /^[1-9][0-9]{0,3}x[1-9][0-9]{0,3}$/.test(value)).toBe(false);
    }
  });

  it('image counts are 1..4 (numbers and text); invalid counts never are', () => {
    for (const { value, n } of fc.sample(imageCount(), 200)) {
      expect(Number(value)).toBe(n);
      expect(n >= 1 && n <= 4).toBe(true);
    }
    for (const { value } of fc.sample(invalidImageCount(), 300)) {
      expect(typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 4).toBe(false);
      expect(typeof value === 'string' && /^[1-4]$/.test(value)).toBe(false);
    }
  });

  it('prompts include Chinese, and plain subjects carry no shape word', () => {
    const prompts = fc.sample(prompt(), 500);
    expect(prompts.some((p) => /[\u4e00-\u9fff]/.test(p))).toBe(true);
    for (const p of ['画小猫', 'a cat on a windowsill', '城市夜景，霓虹灯']) expect(analyzePromptHeuristic(p).matched).toEqual([]);
  });

  it('valid video requests expect 200 with a spec from the table, or 400 seconds for a duration the model cannot make', () => {
    for (const { body, expected } of fc.sample(videoRequest(), SAMPLE)) {
      if (expected.status === 400) {
        expect(expected.param).toBe('seconds');
        continue;
      }
      const [, defaultSize, seconds, quality, pro] = VIDEO_MODEL_TABLE.find((r) => r[0] === expected.spec.model)!;
      expect(expected.spec).toMatchObject({ quality, pro });
      expect(Object.values(SIZE_BY_QUALITY[quality])).toContain(expected.spec.size);
      if (!body.size && !/portrait|landscape/.test(body.model)) expect(expected.spec.size).toBe(defaultSize);
      if (body.seconds === undefined) expect(expected.spec.seconds).toBe(seconds);
    }
  });

  it('invalid video requests name every parameter that can be broken', () => {
    const params = new Set(
      fc
        .sample(videoRequest({ invalid: true }), SAMPLE)
        .flatMap((c) => (c.expected.status === 400 ? [c.expected.param] : [])),
    );
    expect([...params].sort()).toEqual(['model', 'seconds', 'size', 'watermark']);
  });

  it('image requests expect the size class of their size, and 400 for broken size or n', () => {
    for (const { body, expected } of fc.sample(imageRequest(), 500)) {
      expect(expected.status).toBe(200);
      if (expected.status !== 200 || typeof body.size !== 'string') continue;
      const [w, h] = body.size.split('x').map(Number);
      expect(expected.spec.size).toBe(w === h ? '1024x1024' : w > h ? '1536x1024' : '1024x1536');
    }
    const params = new Set(fc.sample(imageRequest({ invalid: true }), 500).flatMap((c) => (c.expected.status === 400 ? [c.expected.param] : [])));
    expect([...params].sort()).toEqual(['n', 'size']);
  });

  it('with heuristic analysis, a shaped prompt without size or orientation option decides the orientation', () => {
    const cases = fc.sample(videoRequest({ analysis: 'heuristic' }), SAMPLE).filter(
      (c) => c.expected.status === 200 && !c.body.size && !/portrait|landscape/.test(c.body.model) && /横屏|horizontal|widescreen|landscape format|16:9|3:2|4:3/.test(c.body.prompt) && !/竖屏|vertical|portrait orientation|9:16|2:3|3:4|1:1|方形|square/.test(c.body.prompt),
    );
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(c.expected.status === 200 && c.expected.spec.orientation).toBe('landscape');
  });
});
