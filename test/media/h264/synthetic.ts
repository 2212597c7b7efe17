/**
 * A synthetic picture source for the encoder tests, covering every coding path:
 * - a flat background (predicted from neighbours after the first macroblock),
 * - a static flat box (I_PCM at its corner, predicted inside),
 * - a luma gradient where only DC prediction is exact (left neighbour v-2, upper neighbour v+2),
 * - a detailed 8x8 checkerboard macroblock whose phase changes every frame (I_PCM in P frames),
 * - a bar two macroblocks high growing with the clip's progress, its front a partly covered
 *   'samples' macroblock.
 */
import { rgbToYcbcr } from '../../../src/media/h264/colour.js';
import type { MbContent, VideoFrameSource } from '../../../src/media/h264/types.js';

export interface SyntheticSource extends VideoFrameSource {
  /** Expected [Y, Cb, Cr] of pixel (x, y) in frame f (chroma of the 2x2 block it belongs to). */
  ycbcrAt(frame: number, x: number, y: number): [number, number, number];
}

export interface SyntheticOptions {
  widthMbs: number;
  heightMbs: number;
  frameCount: number;
  background?: [number, number, number];
}

export function syntheticSource(o: SyntheticOptions): SyntheticSource {
  const { widthMbs: W, heightMbs: H, frameCount } = o;
  const bg: MbContent = { kind: 'flat', ...rgbToYcbcr(...(o.background ?? [30, 60, 200])) };
  const box: MbContent = { kind: 'flat', ...rgbToYcbcr(240, 240, 240) };
  const barColour = rgbToYcbcr(250, 200, 20);
  const bar: MbContent = { kind: 'flat', ...barColour };
  const barY = H - 3;
  const detailX = W - 3;
  const gradX = 5;
  const gradY = 1;
  /** Pixel column where the bar ends (exclusive) in frame f. */
  const barEnd = (f: number) => Math.floor(((f + 1) * W * 16) / frameCount);

  const checker = (f: number): MbContent => {
    const y = new Uint8Array(256);
    for (let i = 0; i < 256; i++) y[i] = (((i >> 3) & 1) ^ ((i >> 7) & 1) ^ (f & 1)) === 1 ? 200 : 40;
    return { kind: 'samples', y, cb: new Uint8Array(64).fill(90), cr: new Uint8Array(64).fill(160) };
  };
  const barFront = (end: number): MbContent => {
    const split = end & 15;
    const b = bg as MbContent & { kind: 'flat' };
    const y = new Uint8Array(256);
    const cb = new Uint8Array(64);
    const cr = new Uint8Array(64);
    for (let i = 0; i < 256; i++) y[i] = (i & 15) < split ? barColour.y : b.y;
    for (let i = 0; i < 64; i++) {
      const inBar = (i & 7) * 2 < split;
      cb[i] = inBar ? barColour.cb : b.cb;
      cr[i] = inBar ? barColour.cr : b.cr;
    }
    return { kind: 'samples', y, cb, cr };
  };

  const mb = (f: number, mbx: number, mby: number): MbContent => {
    if (mby >= barY && mby < barY + 2) {
      const end = barEnd(f);
      if ((mbx + 1) * 16 <= end) return bar;
      if (mbx * 16 < end) return barFront(end);
      return bg;
    }
    if (mbx === detailX && mby === 1) return checker(f);
    if (mbx >= 1 && mbx <= 3 && mby >= 1 && mby <= 2) return box;
    if (mbx >= gradX && mbx < gradX + 8 && mby >= gradY && mby < gradY + 4 && mbx < detailX) {
      return { kind: 'flat', y: 80 + 2 * (mbx - gradX) - 2 * (mby - gradY), cb: 128, cr: 128 };
    }
    return bg;
  };

  return {
    widthMbs: W,
    heightMbs: H,
    frameCount,
    mb,
    *changed(f) {
      yield 1 * W + detailX;
      const from = Math.floor(barEnd(f - 1) / 16);
      const to = Math.min(W - 1, Math.floor(barEnd(f) / 16));
      for (let x = from; x <= to; x++) {
        yield barY * W + x;
        yield (barY + 1) * W + x;
      }
    },
    ycbcrAt(f, x, y) {
      const c = mb(f, x >> 4, y >> 4);
      if (c.kind === 'flat') return [c.y, c.cb, c.cr];
      const ci = ((y & 15) >> 1) * 8 + ((x & 15) >> 1);
      return [c.y[(y & 15) * 16 + (x & 15)], c.cb[ci], c.cr[ci]];
    },
  };
}

/** BT.601 limited-range YCbCr to full-range RGB (what a decoder's conversion should give). */
export function ycbcrToRgb([y, cb, cr]: [number, number, number]): [number, number, number] {
  const c = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  const l = 1.164 * (y - 16);
  return [c(l + 1.596 * (cr - 128)), c(l - 0.392 * (cb - 128) - 0.813 * (cr - 128)), c(l + 2.017 * (cb - 128))];
}
