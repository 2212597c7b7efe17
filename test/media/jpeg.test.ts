import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeJpeg } from '../../src/media/jpeg.js';
import type { RgbImage } from '../../src/media/scene.js';
import { decodeFrameRgb, ffprobe, toTempFile } from '../helpers/ffmpeg.js';

/** A picture of flat cells `cell` pixels wide, coloured from `colours` in order. */
function cells(width: number, height: number, cell: number, colours: Array<[number, number, number]>): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const across = Math.ceil(width / cell);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = colours[(Math.floor(y / cell) * across + Math.floor(x / cell)) % colours.length];
      data.set(c, (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

const colour = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));

async function decode(image: RgbImage, name: string) {
  const path = toTempFile(encodeJpeg(image), name);
  const probe = await ffprobe(path);
  expect(probe.streams[0]).toMatchObject({ codec_name: 'mjpeg', width: image.width, height: image.height });
  return decodeFrameRgb(path, image.width, image.height);
}

describe('encodeJpeg', () => {
  it('keeps block-aligned flat colours within rounding (flat blocks are coded by their DC term alone)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(colour, { minLength: 1, maxLength: 12 }), async (colours) => {
        const image = cells(64, 40, 8, colours);
        const frame = await decode(image, 'flat.jpg');
        for (let i = 0; i < image.data.length; i++) expect(Math.abs(frame.data[i] - image.data[i])).toBeLessThanOrEqual(4);
      }),
      { numRuns: 8 },
    );
  });

  it('codes edges inside blocks through the DCT with a small mean error, at sizes that are not multiples of 8', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(colour, { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 50 }),
        async (colours, width, height) => {
          const image = cells(width, height, 3, colours);
          const frame = await decode(image, 'edges.jpg');
          let sum = 0;
          for (let i = 0; i < image.data.length; i++) sum += Math.abs(frame.data[i] - image.data[i]);
          expect(sum / image.data.length).toBeLessThan(12);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('is deterministic', () => {
    const image = cells(50, 30, 5, [
      [200, 10, 10],
      [10, 200, 10],
      [10, 10, 200],
    ]);
    expect(encodeJpeg(image)).toEqual(encodeJpeg(image));
  });
});
