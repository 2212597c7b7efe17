import { describe, expect, it } from 'vitest';
import { generateImage, imageRecipe, sceneColourAt, type ImageRecipe } from '../../src/media/index.js';
import { buildScene, INK, PLATE, scenePalette, SCENE_UNIT } from '../../src/media/scene.js';
import { IMAGE_SIZES } from '../../src/spec/rules.js';
import { decodeFrameRgb, ffprobe, toTempFile } from '../helpers/ffmpeg.js';
import { encodePng } from '../../src/media/png.js';
import { compareWithScene } from './scene-samples.js';

async function decodePng(recipe: ImageRecipe, name: string) {
  const path = toTempFile(generateImage(recipe), name);
  const probe = await ffprobe(path);
  const frame = await decodeFrameRgb(path, recipe.spec.width, recipe.spec.height);
  return { probe, frame };
}

describe('PNG images', () => {
  for (const spec of Object.values(IMAGE_SIZES).map((s) => ({ aspect: undefined, ...s }))) {
    it(`${spec.size}: ffmpeg decodes the exact size and every unit matches the scene exactly`, async () => {
      const recipe = imageRecipe({
        prompt: `a lighthouse at dusk ${spec.size}`,
        spec: { ...spec, aspect: spec.width === spec.height ? '1:1' : spec.width > spec.height ? '3:2' : '2:3' },
        index: 2,
      });
      const { probe, frame } = await decodePng(recipe, `img-${spec.size}.png`);
      expect(probe.streams[0]).toMatchObject({ codec_name: 'png', width: spec.width, height: spec.height });
      const { compared, mismatches } = compareWithScene(frame, buildScene(recipe), 0, { unitPx: SCENE_UNIT, tolerance: 0 });
      expect(compared).toBe((spec.width / 16) * (spec.height / 16));
      expect(mismatches.slice(0, 5)).toEqual([]);
      // Pixels that are not unit centres follow sceneColourAt too (units are flat).
      for (const [x, y] of [[0, 0], [spec.width - 1, spec.height - 1], [spec.width >> 1, Math.floor((spec.height * 2) / 3) + 5]]) {
        expect(frame.pixel(x, y)).toEqual(sceneColourAt(recipe, x, y));
      }
    });
  }

  it('shows the variant index as index+1 dots on a dark plate', async () => {
    for (const index of [0, 3]) {
      const recipe = imageRecipe({ prompt: 'dots', spec: { aspect: '1:1', ...IMAGE_SIZES['1:1'] }, index });
      const { frame } = await decodePng(recipe, `dots-${index}.png`);
      const dotCentres = Array.from({ length: 6 }, (_, k) => frame.pixel((4 + 3 * k) * 16 + 16, 4 * 16 + 16));
      const dots = dotCentres.filter((c) => c.every((v, i) => v === INK[i])).length;
      expect(dots).toBe(index + 1);
      expect(frame.pixel(3 * 16 + 8, 3 * 16 + 8)).toEqual(PLATE);
    }
  });

  it('an edit is framed in colours derived from the input digest; another input, another frame', async () => {
    const spec = { aspect: '3:2' as const, ...IMAGE_SIZES['3:2'] };
    const a = imageRecipe({ prompt: 'restyle', spec, inputDigest: '0123abcd' });
    const b = imageRecipe({ prompt: 'restyle', spec, inputDigest: 'ffee9900' });
    const plain = imageRecipe({ prompt: 'restyle', spec });
    const [fa, fb, fp] = await Promise.all([decodePng(a, 'edit-a.png'), decodePng(b, 'edit-b.png'), decodePng(plain, 'edit-p.png')]);
    expect(fa.frame.pixel(8, 8)).toEqual(scenePalette(a).inputOuter);
    expect(fa.frame.pixel(2 * 16 + 8, 200)).toEqual(scenePalette(a).inputInner);
    expect(fb.frame.pixel(8, 8)).toEqual(scenePalette(b).inputOuter);
    expect(scenePalette(a).inputOuter).not.toEqual(scenePalette(b).inputOuter);
    expect(fp.frame.pixel(8, 8)).toEqual(scenePalette(plain).sky);
  });

  it('the watermark plate with SORA text appears only when asked', async () => {
    const spec = { aspect: '1:1' as const, ...IMAGE_SIZES['1:1'] };
    const marked = imageRecipe({ prompt: 'wm', spec, watermark: true });
    const clean = imageRecipe({ prompt: 'wm', spec });
    const W = spec.width / 16;
    // Plate corner (17 x 7 units, 3 from top and right) and the S's top-left ink unit.
    const plate = [(W - 20) * 16 + 8, 3 * 16 + 8] as const;
    const ink = [(W - 19) * 16 + 8, 4 * 16 + 8] as const;
    const [m, c] = await Promise.all([decodePng(marked, 'wm-on.png'), decodePng(clean, 'wm-off.png')]);
    expect(m.frame.pixel(...plate)).toEqual(PLATE);
    expect(m.frame.pixel(...ink)).toEqual(INK);
    expect(c.frame.pixel(...plate)).not.toEqual(PLATE);
    expect(c.frame.pixel(...ink)).not.toEqual(INK);
  });

  it('the PNG writer is lossless for any pixels, not just scenes (literals, runs and row copies)', async () => {
    for (const [i, [width, height]] of [[1, 1], [17, 9], [300, 200]].entries()) {
      let state = 12345 + i;
      const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 24;
      const data = new Uint8Array(width * height * 3);
      for (let p = 0; p < data.length; p++) {
        // Noise, runs of one byte, and rows copied from above, so every kind of token is written.
        const y = Math.floor(p / (width * 3));
        data[p] = y % 4 === 3 ? data[p - width * 3] : p % 7 < 3 ? next() : 200;
      }
      const path = toTempFile(encodePng({ width, height, data }), `noise-${i}.png`);
      const frame = await decodeFrameRgb(path, width, height);
      expect(Buffer.from(frame.data).equals(Buffer.from(data)), `${width}x${height}`).toBe(true);
    }
  });
});
