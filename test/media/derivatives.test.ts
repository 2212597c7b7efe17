import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SPRITE_COLUMNS,
  SPRITE_ROWS,
  SPRITE_UNIT_PX,
  THUMBNAIL_UNIT_PX,
  generateSpritesheet,
  generateThumbnail,
  spritesheetFrames,
  thumbnailFrame,
  videoRecipe,
  type VideoRecipe,
} from '../../src/media/index.js';
import { buildScene, progressUnits, type RgbImage } from '../../src/media/scene.js';
import { encodeWebpLossless, huffmanLengths } from '../../src/media/webp.js';
import { parseModelName } from '../../src/spec/model.js';
import { videoSpecFor } from '../../src/spec/rules.js';
import { decodeFrameRgb, ffprobe, toTempFile } from '../helpers/ffmpeg.js';
import { compareWithScene } from './scene-samples.js';

function recipeFor(model: string, orientation: 'portrait' | 'landscape', watermark: boolean): VideoRecipe {
  const parsed = parseModelName(model);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return videoRecipe({ prompt: `thumbnails of ${model}`, spec: videoSpecFor(parsed.model, orientation), watermark });
}

const CASES = [
  recipeFor('sora_video2', 'portrait', false),
  recipeFor('sora_video2-landscape', 'landscape', true),
  recipeFor('sora_video2-hd-25s', 'portrait', true),
  recipeFor('sora_video2-landscape-hd-15s', 'landscape', false),
];

describe('WebP thumbnail (lossless VP8L)', () => {
  for (const recipe of CASES) {
    const { width, height } = recipe.spec;
    it(`${recipe.spec.size}: decodes at a quarter size and equals the middle frame exactly`, async () => {
      const path = toTempFile(generateThumbnail(recipe), `thumb-${recipe.spec.size}.webp`);
      const probe = await ffprobe(path);
      expect(probe.streams[0]).toMatchObject({ codec_name: 'webp', width: width / 4, height: height / 4 });
      const frame = await decodeFrameRgb(path, width / 4, height / 4);
      const scene = buildScene(recipe);
      const mid = thumbnailFrame(scene);
      const { compared, mismatches } = compareWithScene(frame, scene, mid, { unitPx: THUMBNAIL_UNIT_PX, tolerance: 0 });
      expect(compared).toBe(scene.widthUnits * scene.heightUnits);
      expect(mismatches.slice(0, 5)).toEqual([]);
      // The progress bar of the middle frame is half full.
      expect(progressUnits(scene, mid)).toBe(Math.floor(((mid + 1) * scene.widthUnits) / scene.frameCount));
      expect(Math.abs(progressUnits(scene, mid) - scene.widthUnits / 2)).toBeLessThanOrEqual(1);
    });
  }

  it('round-trips arbitrary pixels exactly (exercises normal prefix codes and every copy kind)', async () => {
    const images = fc.sample(
      fc.record({ width: fc.integer({ min: 1, max: 40 }), height: fc.integer({ min: 1, max: 30 }), seed: fc.nat(), palette: fc.integer({ min: 1, max: 300 }) }),
      { numRuns: 12, seed: 7 },
    );
    for (const [i, { width, height, seed, palette }] of images.entries()) {
      let s = seed | 1;
      const rand = () => ((s = Math.imul(s ^ (s >>> 13), 0x5bd1e995) + 0x9e3779b9) >>> 0);
      const colours = Array.from({ length: palette }, () => [rand() & 255, rand() & 255, rand() & 255]);
      const data = new Uint8Array(width * height * 3);
      for (let p = 0; p < width * height; p++) {
        // Runs and repeated rows as well as noise, so literals, left copies and up copies all occur.
        const c = rand() % 3 === 0 && p > 0 ? data.subarray((p - 1) * 3, p * 3) : colours[rand() % palette];
        data.set(c, p * 3);
      }
      const image: RgbImage = { width, height, data };
      const path = toTempFile(encodeWebpLossless(image), `random-${i}.webp`);
      const frame = await decodeFrameRgb(path, width, height);
      expect(Buffer.from(frame.data).equals(Buffer.from(data)), `image ${i} (${width}x${height}, ${palette} colours)`).toBe(true);
    }
  });

  it('limits prefix code lengths to 15 while keeping the code complete', () => {
    const fib = [1, 1];
    while (fib.length < 40) fib.push(fib[fib.length - 1] + fib[fib.length - 2]);
    const lengths = huffmanLengths(fib, 15);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(15);
    expect(fib.every((_, i) => lengths[i] > 0)).toBe(true);
    expect([...lengths].reduce((sum, l) => sum + 2 ** -l, 0)).toBe(1);
  });
});

describe('JPEG spritesheet', () => {
  for (const recipe of CASES.slice(0, 2)) {
    const { width, height } = recipe.spec;
    it(`${recipe.spec.size}: a ${SPRITE_COLUMNS}x${SPRITE_ROWS} grid of eighth-size frames matching the scene`, async () => {
      const cellW = width / 8;
      const cellH = height / 8;
      const path = toTempFile(generateSpritesheet(recipe), `sprites-${recipe.spec.size}.jpg`);
      const probe = await ffprobe(path);
      expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: cellW * SPRITE_COLUMNS, height: cellH * SPRITE_ROWS });
      const sheet = await decodeFrameRgb(path, cellW * SPRITE_COLUMNS, cellH * SPRITE_ROWS);
      const scene = buildScene(recipe);
      const frames = spritesheetFrames(scene);
      expect(frames).toHaveLength(25);
      expect(frames[0]).toBeLessThan(scene.frameCount / 25);
      expect(frames[24]).toBeGreaterThan((scene.frameCount * 24) / 25);
      for (const [k, frame] of frames.entries()) {
        const { compared, mismatches } = compareWithScene(sheet, scene, frame, {
          unitPx: SPRITE_UNIT_PX,
          tolerance: 16,
          uniformRadius: 4,
          ox: (k % SPRITE_COLUMNS) * cellW,
          oy: Math.floor(k / SPRITE_COLUMNS) * cellH,
        });
        expect(compared).toBeGreaterThan(scene.widthUnits * scene.heightUnits * 0.15);
        expect(mismatches.slice(0, 3), `cell ${k}`).toEqual([]);
      }
    });
  }
});
