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

/**
 * A picture of 8x8 blocks: block k is flat in `colours[k]` when `flat[k]`, else 2x2-pixel cells (the
 * scene's unit in a spritesheet) coloured from `colours` starting at k. Returns which blocks are flat.
 */
function blocks(width: number, height: number, colours: Array<[number, number, number]>, flat: boolean[]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const across = Math.ceil(width / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = Math.floor(y / 8) * across + Math.floor(x / 8);
      const cell = flat[k % flat.length] ? 0 : 1 + Math.floor((y % 8) / 2) * 4 + Math.floor((x % 8) / 2);
      data.set(colours[(k + cell) % colours.length], (y * width + x) * 3);
    }
  }
  return { width, height, data };
}

/** Max and mean absolute error of the decoded 8x8 block at (bx, by), and whether it decoded as one colour. */
function blockError(image: RgbImage, frame: { data: Uint8Array }, bx: number, by: number) {
  let max = 0;
  let sum = 0;
  let n = 0;
  let uniform = true;
  const first = (by * image.width + bx) * 3;
  for (let y = by; y < Math.min(by + 8, image.height); y++) {
    for (let x = bx; x < Math.min(bx + 8, image.width); x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * image.width + x) * 3 + c;
        const e = Math.abs(frame.data[i] - image.data[i]);
        max = Math.max(max, e);
        sum += e;
        n++;
        if (frame.data[i] !== frame.data[first + c]) uniform = false;
      }
    }
  }
  return { max, mean: sum / n, uniform };
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

  it('round-trips random pictures of flat and edge blocks: flat blocks decode exactly flat, others within a tolerance', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(colour, { minLength: 2, maxLength: 24 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 72 }),
        async (colours, flat, width, height) => {
          const image = blocks(width, height, colours, flat);
          const frame = await decode(image, 'blocks.jpg');
          let sum = 0;
          for (let i = 0; i < image.data.length; i++) sum += Math.abs(frame.data[i] - image.data[i]);
          expect(sum / image.data.length).toBeLessThan(12);
          const across = Math.ceil(width / 8);
          for (let by = 0; by < height; by += 8) {
            for (let bx = 0; bx < width; bx += 8) {
              const k = (by / 8) * across + bx / 8;
              if (!flat[k % flat.length]) continue;
              const e = blockError(image, frame, bx, by);
              expect(e.uniform).toBe(true);
              expect(e.max).toBeLessThanOrEqual(4);
            }
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it('codes a repeated edge block the same wherever it appears (blocks reused by content)', async () => {
    // One 2x2-cell tile between flat blocks of changing colours, so the DC predictions differ.
    await fc.assert(
      fc.asyncProperty(fc.array(colour, { minLength: 17, maxLength: 17 }), async (colours) => {
        const width = 96;
        const height = 48;
        const image = blocks(width, height, [[0, 0, 0]], [true]);
        for (let by = 0; by < height; by += 8) {
          for (let bx = 0; bx < width; bx += 8) {
            const tile = ((bx + by) / 8) % 2 === 0;
            for (let y = 0; y < 8; y++) {
              for (let x = 0; x < 8; x++) {
                const c = tile ? colours[1 + Math.floor(y / 2) * 4 + Math.floor(x / 2)] : colours[0].map((v) => (v + bx + by) & 255);
                image.data.set(c, ((by + y) * width + bx + x) * 3);
              }
            }
          }
        }
        const frame = await decode(image, 'repeats.jpg');
        const tileAt = (bx: number, by: number) => {
          const out: number[] = [];
          for (let y = 0; y < 8; y++) out.push(...frame.data.subarray(((by + y) * width + bx) * 3, ((by + y) * width + bx + 8) * 3));
          return out;
        };
        const first = tileAt(0, 0);
        expect(blockError(image, frame, 0, 0).mean).toBeLessThan(12);
        for (let by = 0; by < height; by += 8) {
          for (let bx = 0; bx < width; bx += 8) if (((bx + by) / 8) % 2 === 0) expect(tileAt(bx, by)).toEqual(first);
        }
      }),
      { numRuns: 6 },
    );
  });

  it('stays correct past the bound on remembered blocks (more distinct edge blocks than it keeps)', async () => {
    // 9600 distinct edge blocks: colours from a counter, so no two blocks are alike.
    const width = 960;
    const height = 640;
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const k = (Math.floor(y / 8) * (width / 8) + Math.floor(x / 8)) * 7 + ((x >> 2) & 1) * 3 + ((y >> 2) & 1);
        data.set([(k * 37) & 255, (k >> 3) & 255, (k * 11 + 90) & 255], (y * width + x) * 3);
      }
    }
    const image = { width, height, data };
    const frame = await decode(image, 'many.jpg');
    let worst = 0;
    for (let by = 0; by < height; by += 8) for (let bx = 0; bx < width; bx += 8) worst = Math.max(worst, blockError(image, frame, bx, by).mean);
    expect(worst).toBeLessThan(24);
    expect(encodeJpeg(image)).toEqual(encodeJpeg(image));
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
