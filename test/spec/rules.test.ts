import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imageCount, invalidImageCount, invalidSizeString, sizeString, soraVideo2Model, videoModelName } from '../../src/arbitraries/index.js';
import type { PromptAnalysis } from '../../src/spec/analysis.js';
import { parseModelName, type ModelName, type Orientation } from '../../src/spec/model.js';
import {
  IGNORED_PARAMS_HEADER,
  formatIgnoredHeader,
  parseIgnoredHeader,
  parseSize,
  resolveImageRequest,
  resolveVideoRequest,
  type IgnoredParam,
} from '../../src/spec/rules.js';
import { SIZE_BY_QUALITY } from './model-table.js';

function model(name: string): ModelName {
  const parsed = parseModelName(name);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.model;
}

/** Literal image aspect table (seed): W = H -> 1:1, W > H -> 3:2, W < H -> 2:3. */
const IMAGE_TABLE = { square: '1024x1024', wide: '1536x1024', tall: '1024x1536' } as const;

describe('parseSize', () => {
  it('accepts every WxH with positive integers', () => {
    fc.assert(
      fc.property(sizeString(16384), ({ value, dims }) => {
        expect(parseSize(value)).toEqual({ ok: true, dims });
      }),
    );
  });

  it('rejects malformed sizes with an error naming size, the value and the format', () => {
    fc.assert(
      fc.property(invalidSizeString(), ({ value }) => {
        const result = parseSize(value);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.param).toBe('size');
        expect(result.error.message).toContain("'size'");
        expect(result.error.message).toContain('WxH');
        if (typeof value === 'string') expect(result.error.message).toContain(`'${value.slice(0, 60)}`);
      }),
    );
  });

  it('never throws', () => {
    fc.assert(fc.property(fc.anything(), (value) => void parseSize(value)));
    for (const value of [{ toString: 0 }, 10n, Object.create(null)]) expect(parseSize(value)).toMatchObject({ ok: false, error: { param: 'size' } });
  });
});

describe('image rules', () => {
  it('for all W, H in 1..8192 the aspect class follows the size', () => {
    fc.assert(
      fc.property(sizeString(8192), ({ value, dims: { width, height } }) => {
        const resolved = resolveImageRequest({ size: value });
        const expected = width === height ? IMAGE_TABLE.square : width > height ? IMAGE_TABLE.wide : IMAGE_TABLE.tall;
        expect(resolved).toMatchObject({ ok: true, decidedBy: 'size', spec: { size: expected }, n: 1 });
      }),
      { numRuns: 500 },
    );
  });

  const analyses: Array<[string, PromptAnalysis | undefined, string | undefined]> = [
    ['none', undefined, undefined],
    ['undecided', { matched: [] }, undefined],
    ['landscape', { orientation: 'landscape', matched: ['横屏'] }, IMAGE_TABLE.wide],
    ['portrait', { orientation: 'portrait', matched: ['竖屏'] }, IMAGE_TABLE.tall],
    ['square', { aspect: '1:1', matched: ['方形'] }, IMAGE_TABLE.square],
    ['16:9', { aspect: '16:9', orientation: 'landscape', matched: ['16:9'] }, IMAGE_TABLE.wide],
    ['3:4', { aspect: '3:4', orientation: 'portrait', matched: ['3:4'] }, IMAGE_TABLE.tall],
  ];
  const inputs: Array<[string, { width: number; height: number } | undefined, string | undefined]> = [
    ['no input image', undefined, undefined],
    ['wide input', { width: 800, height: 600 }, IMAGE_TABLE.wide],
    ['tall input', { width: 600, height: 800 }, IMAGE_TABLE.tall],
    ['square input', { width: 512, height: 512 }, IMAGE_TABLE.square],
  ];
  const sizes: Array<[string, string | undefined, string | undefined]> = [
    ['no size', undefined, undefined],
    ['auto', 'auto', undefined],
    ['wide size', '1792x1024', IMAGE_TABLE.wide],
    ['tall size', '1024x1792', IMAGE_TABLE.tall],
    ['square size', '256x256', IMAGE_TABLE.square],
  ];
  for (const [sizeLabel, size, fromSize] of sizes) {
    for (const [analysisLabel, analysis, fromAnalysis] of analyses) {
      for (const [inputLabel, firstInputImage, fromInput] of inputs) {
        it(`precedence size > analysis > input image > 1:1: ${sizeLabel}, analysis ${analysisLabel}, ${inputLabel}`, () => {
          const expected = fromSize
            ? { size: fromSize, by: 'size' }
            : fromAnalysis
              ? { size: fromAnalysis, by: 'analysis' }
              : fromInput
                ? { size: fromInput, by: 'input_image' }
                : { size: IMAGE_TABLE.square, by: 'default' };
          const resolved = resolveImageRequest({ size, analysis, firstInputImage });
          expect(resolved).toMatchObject({ ok: true, spec: { size: expected.size }, decidedBy: expected.by });
        });
      }
    }
  }

  it('n is an integer 1..4 (numbers or multipart text), default 1', () => {
    fc.assert(
      fc.property(imageCount(), ({ value, n }) => {
        expect(resolveImageRequest({ n: value })).toMatchObject({ ok: true, n });
      }),
    );
    expect(resolveImageRequest({})).toMatchObject({ ok: true, n: 1 });
  });

  it('rejects n outside 1..4 with an error naming n, the value and the range', () => {
    fc.assert(
      fc.property(invalidImageCount(), ({ value }) => {
        const resolved = resolveImageRequest({ n: value });
        expect(resolved).toMatchObject({ ok: false, error: { param: 'n' } });
        if (!resolved.ok) expect(resolved.error.message).toMatch(/'n'.*from 1 to 4/);
      }),
    );
    const five = resolveImageRequest({ n: 5 });
    expect(!five.ok && five.error.message).toContain("'n' 5");
  });

  it('rejects a malformed size even when other hints exist', () => {
    expect(resolveImageRequest({ size: '1024*1024', analysis: { orientation: 'landscape', matched: [] } })).toMatchObject({ ok: false, error: { param: 'size' } });
  });
});

describe('video rules', () => {
  it('for all W, H in 1..8192 the orientation follows the size (W > H landscape, else portrait) and quality never does', () => {
    fc.assert(
      fc.property(sizeString(8192), fc.boolean(), ({ value, dims: { width, height } }, hd) => {
        const resolved = resolveVideoRequest({ model: model(hd ? 'sora_video2-hd' : 'sora_video2'), size: value });
        const orientation = width > height ? 'landscape' : 'portrait';
        const quality = hd ? 'hd' : 'sd';
        expect(resolved).toMatchObject({
          ok: true,
          spec: { orientation, quality, size: SIZE_BY_QUALITY[quality][orientation] },
          decidedBy: { orientation: 'size' },
          ignored: [],
        });
      }),
      { numRuns: 500 },
    );
  });

  const options: Array<Orientation | undefined> = [undefined, 'portrait', 'landscape'];
  const sizes: Array<[string, string | undefined, Orientation | undefined]> = [
    ['no size', undefined, undefined],
    ['W>H', '1920x1080', 'landscape'],
    ['W=H', '1000x1000', 'portrait'],
    ['W<H', '1080x1920', 'portrait'],
  ];
  const analyses: Array<[string, PromptAnalysis | undefined, Orientation | undefined]> = [
    ['none', undefined, undefined],
    ['undecided', { matched: [] }, undefined],
    ['landscape', { orientation: 'landscape', matched: ['横屏'] }, 'landscape'],
    ['portrait', { orientation: 'portrait', matched: ['竖屏'] }, 'portrait'],
    ['square', { aspect: '1:1', matched: ['square format'] }, 'portrait'],
  ];
  for (const option of options) {
    for (const [sizeLabel, size, fromSize] of sizes) {
      for (const [analysisLabel, analysis, fromAnalysis] of analyses) {
        it(`precedence model > size > analysis > portrait: option ${option ?? 'none'}, ${sizeLabel}, analysis ${analysisLabel}`, () => {
          const name = option ? `sora_video2-${option}` : 'sora_video2';
          const expected: { orientation: Orientation; by: string } = option
            ? { orientation: option, by: 'model' }
            : fromSize
              ? { orientation: fromSize, by: 'size' }
              : fromAnalysis
                ? { orientation: fromAnalysis, by: 'analysis' }
                : { orientation: 'portrait', by: 'default' };
          const resolved = resolveVideoRequest({ model: model(name), size, analysis });
          expect(resolved).toMatchObject({ ok: true, spec: { orientation: expected.orientation, size: SIZE_BY_QUALITY.sd[expected.orientation] }, decidedBy: { orientation: expected.by } });
          if (!resolved.ok) return;
          const contradicts = option !== undefined && fromSize !== undefined && fromSize !== option;
          expect(resolved.ignored).toEqual(contradicts ? [{ param: 'size', value: size, reason: `model ${name} fixes orientation ${option}` }] : []);
        });
      }
    }
  }

  it('the precedence holds for random sizes and every option/analysis combination', () => {
    const analysis = fc.constantFrom<PromptAnalysis | undefined>(undefined, { matched: [] }, { orientation: 'landscape', matched: [] }, { orientation: 'portrait', matched: [] });
    fc.assert(
      fc.property(soraVideo2Model(), fc.option(sizeString(8192), { nil: undefined }), analysis, (m, size, a) => {
        const resolved = resolveVideoRequest({ model: m, size: size?.value, analysis: a });
        const fromSize = size ? (size.dims.width > size.dims.height ? 'landscape' : 'portrait') : undefined;
        const orientation = m.orientation ?? fromSize ?? a?.orientation ?? 'portrait';
        expect(resolved).toMatchObject({ ok: true, spec: { orientation, size: SIZE_BY_QUALITY[m.hd ? 'hd' : 'sd'][orientation] } });
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['sora_video', undefined, 5, 'model'],
    ['sora_video', '5', 5, 'model'],
    ['sora_video2', undefined, 10, 'default'],
    ['sora_video2', '15', 15, 'param'],
    ['sora_video2', 25, 25, 'param'],
    ['sora_video2', '10', 10, 'param'],
    ['sora_video2-15s', undefined, 15, 'model'],
    ['sora_video2-15s', '15', 15, 'model'],
    ['sora_video2-25s-hd', 25, 25, 'model'],
  ] as const)('%s with seconds %s -> %i s decided by %s', (name, seconds, expected, by) => {
    const resolved = resolveVideoRequest({ model: model(name), seconds });
    expect(resolved).toMatchObject({ ok: true, spec: { seconds: expected }, decidedBy: { seconds: by }, ignored: [] });
  });

  it('a duration fixed by the name wins over seconds, which is reported as ignored', () => {
    const resolved = resolveVideoRequest({ model: model('sora_video2-25s'), seconds: '10' });
    expect(resolved).toMatchObject({ ok: true, spec: { seconds: 25 }, ignored: [{ param: 'seconds', value: '10', reason: 'model sora_video2-25s fixes duration 25s' }] });
  });

  it.each([
    ['sora_video', '10', "'5'"],
    ['sora_video2', '5', "'10', '15', '25'"],
    ['sora_video2', '7', "'10', '15', '25'"],
    ['sora_video2-15s', '7', "'10', '15', '25'"],
    ['sora_video2', '10s', "'10', '15', '25'"],
    ['sora_video2', 12.5, "'10', '15', '25'"],
    ['sora_video2', true, "'10', '15', '25'"],
  ] as const)('%s rejects seconds %s naming the accepted values', (name, seconds, accepted) => {
    const resolved = resolveVideoRequest({ model: model(name), seconds });
    expect(resolved).toMatchObject({ ok: false, error: { param: 'seconds' } });
    if (resolved.ok) return;
    expect(resolved.error.message).toContain("'seconds'");
    expect(resolved.error.message).toContain(typeof seconds === 'string' ? `'${seconds}'` : String(seconds));
    expect(resolved.error.message).toContain(accepted);
  });

  it('rejects a malformed size even when the model fixes the orientation', () => {
    expect(resolveVideoRequest({ model: model('sora_video2-landscape'), size: 'wide' })).toMatchObject({ ok: false, error: { param: 'size' } });
  });

  it('watermark is a boolean (or its multipart text), default false', () => {
    const m = model('sora_video2');
    expect(resolveVideoRequest({ model: m })).toMatchObject({ ok: true, watermark: false });
    expect(resolveVideoRequest({ model: m, watermark: true })).toMatchObject({ ok: true, watermark: true });
    expect(resolveVideoRequest({ model: m, watermark: 'true' })).toMatchObject({ ok: true, watermark: true });
    expect(resolveVideoRequest({ model: m, watermark: 'false' })).toMatchObject({ ok: true, watermark: false });
    const bad = resolveVideoRequest({ model: m, watermark: 'yes' });
    expect(bad).toMatchObject({ ok: false, error: { param: 'watermark' } });
    expect(!bad.ok && bad.error.message).toContain("'yes'");
  });

  it('rejects sora_image as a video model', () => {
    expect(resolveVideoRequest({ model: model('sora_image') })).toMatchObject({ ok: false, error: { param: 'model' } });
  });

  it('never throws on arbitrary parameter values', () => {
    fc.assert(
      fc.property(videoModelName(), fc.anything(), fc.anything(), fc.anything(), (m, size, seconds, watermark) => {
        const resolved = resolveVideoRequest({ model: m.model, size, seconds, watermark });
        expect(typeof resolved.ok).toBe('boolean');
      }),
    );
    fc.assert(fc.property(fc.anything(), fc.anything(), (size, n) => void resolveImageRequest({ size, n })));
  });
});

describe('ignored-parameters header', () => {
  it('has the documented name and format', () => {
    expect(IGNORED_PARAMS_HEADER).toBe('x-sora-ignored-params');
    expect(
      formatIgnoredHeader([
        { param: 'size', value: '1792x1024', reason: 'model sora_video2-portrait fixes orientation portrait' },
        { param: 'seconds', value: '10', reason: 'model sora_video2-25s fixes duration 25s' },
      ]),
    ).toBe('size=1792x1024; reason="model sora_video2-portrait fixes orientation portrait", seconds=10; reason="model sora_video2-25s fixes duration 25s"');
    expect(formatIgnoredHeader([])).toBe('');
  });

  it('parse(format(x)) = x for any entries, including commas, quotes, semicolons and non-ASCII', () => {
    const entry: fc.Arbitrary<IgnoredParam> = fc.record({
      param: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
      value: fc.string({ unit: 'grapheme', maxLength: 20 }),
      reason: fc.string({ unit: 'grapheme', maxLength: 40 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 4 }), (entries) => {
        const header = formatIgnoredHeader(entries);
        // A header value must be visible ASCII (and spaces) to survive every HTTP stack.
        expect(header).toMatch(/^[\x20-\x7e]*$/);
        expect(parseIgnoredHeader(header)).toEqual(entries);
      }),
      { numRuns: 500 },
    );
  });

  it('reads what resolveVideoRequest reports, and tolerates absent or garbage headers', () => {
    const resolved = resolveVideoRequest({ model: model('sora_video2-portrait-15s'), size: '1792x1024', seconds: 25 });
    if (!resolved.ok) throw new Error(resolved.error.message);
    expect(parseIgnoredHeader(formatIgnoredHeader(resolved.ignored))).toEqual(resolved.ignored);
    expect(resolved.ignored.map((i) => i.param)).toEqual(['size', 'seconds']);
    const lone = formatIgnoredHeader([{ param: 'size', value: '\uD800x', reason: 'bad \uDC00' }]);
    expect(parseIgnoredHeader(lone)).toEqual([{ param: 'size', value: '\uFFFDx', reason: 'bad \uFFFD' }]);
    expect(parseIgnoredHeader(null)).toEqual([]);
    expect(parseIgnoredHeader(undefined)).toEqual([]);
    fc.assert(fc.property(fc.string(), (s) => void parseIgnoredHeader(s)));
  });
});
