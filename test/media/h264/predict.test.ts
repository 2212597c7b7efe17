import { describe, expect, it } from 'vitest';
import {
  CHROMA_DC,
  CHROMA_HORIZONTAL,
  CHROMA_VERTICAL,
  LUMA_DC,
  LUMA_HORIZONTAL,
  LUMA_VERTICAL,
  exactIntraPrediction,
} from '../../../src/media/h264/predict.js';
import type { MbContent } from '../../../src/media/h264/types.js';

const flat = (y: number, cb = 128, cr = 128) => ({ kind: 'flat', y, cb, cr }) as const;

/** A samples macroblock filled with one colour, with optional edits to individual samples. */
function samples(y: number, cb: number, cr: number): MbContent & { kind: 'samples' } {
  return { kind: 'samples', y: new Uint8Array(256).fill(y), cb: new Uint8Array(64).fill(cb), cr: new Uint8Array(64).fill(cr) };
}

describe('exactIntraPrediction', () => {
  it('predicts 128 with no neighbours, so only mid-grey avoids I_PCM in the first macroblock', () => {
    expect(exactIntraPrediction(flat(128), undefined, undefined)).toEqual({ lumaMode: LUMA_DC, chromaMode: CHROMA_DC });
    expect(exactIntraPrediction(flat(127), undefined, undefined)).toBeUndefined();
    expect(exactIntraPrediction(flat(128, 120), undefined, undefined)).toBeUndefined();
  });

  it('copies an equal neighbour with the cheapest exact modes', () => {
    const c = flat(90, 100, 110);
    expect(exactIntraPrediction(c, flat(90, 100, 110), undefined)).toEqual({ lumaMode: LUMA_HORIZONTAL, chromaMode: CHROMA_DC });
    expect(exactIntraPrediction(c, undefined, flat(90, 100, 110))).toEqual({ lumaMode: LUMA_VERTICAL, chromaMode: CHROMA_DC });
    expect(exactIntraPrediction(c, flat(90, 100, 110), flat(90, 100, 110))).toEqual({
      lumaMode: LUMA_VERTICAL,
      chromaMode: CHROMA_DC,
    });
  });

  it('uses DC when the rounded average of different neighbours equals the colour', () => {
    // (16*100 + 16*102 + 16) >> 5 = 101
    expect(exactIntraPrediction(flat(101), flat(100), flat(102))).toEqual({ lumaMode: LUMA_DC, chromaMode: CHROMA_DC });
    expect(exactIntraPrediction(flat(102), flat(100), flat(102))?.lumaMode).toBe(LUMA_VERTICAL);
    expect(exactIntraPrediction(flat(100), flat(100), flat(102))?.lumaMode).toBe(LUMA_HORIZONTAL);
    expect(exactIntraPrediction(flat(103), flat(100), flat(102))).toBeUndefined();
  });

  it('reads only the shared edge of a detailed neighbour', () => {
    const left = samples(50, 128, 128);
    for (let row = 0; row < 16; row++) left.y[row * 16 + 15] = 77; // right column
    expect(exactIntraPrediction(flat(77), left, undefined)?.lumaMode).toBe(LUMA_HORIZONTAL);
    left.y[9 * 16 + 15] = 78;
    // The average (15*77 + 78 + 8) >> 4 is still 77, but horizontal prediction no longer matches.
    expect(exactIntraPrediction(flat(77), left, undefined)?.lumaMode).toBe(LUMA_DC);
    const top = samples(50, 128, 128);
    top.y.fill(60, 240, 256); // bottom row
    expect(exactIntraPrediction(flat(60), undefined, top)?.lumaMode).toBe(LUMA_VERTICAL);
  });

  it('applies the per-block chroma DC rules (8.3.4.3): top-right block prefers the upper edge', () => {
    // Upper neighbour chroma 100, left neighbour chroma 140; luma equal to the upper one.
    // Blocks (0,0) and (1,1) average to 120, block (1,0) takes 100, block (0,1) takes 140: no single
    // DC colour, so a cb of 100 falls back to vertical chroma prediction.
    const top = flat(60, 100, 128);
    const left = flat(60, 140, 128);
    expect(exactIntraPrediction(flat(60, 100, 128), left, top)).toEqual({
      lumaMode: LUMA_VERTICAL,
      chromaMode: CHROMA_VERTICAL,
    });
    expect(exactIntraPrediction(flat(60, 140, 128), left, top)?.chromaMode).toBe(CHROMA_HORIZONTAL);
    expect(exactIntraPrediction(flat(60, 120, 128), left, top)).toBeUndefined();
  });

  it('takes the upper edge for block (1,0) and the left edge for block (0,1) when both exist', () => {
    // Upper chroma right half 90, left half 110; left neighbour 100 in its top half, 80 below.
    const top = samples(60, 0, 128);
    const left = samples(60, 0, 128);
    for (let x = 0; x < 8; x++) top.cb[56 + x] = x < 4 ? 110 : 90;
    for (let y = 0; y < 8; y++) left.cb[y * 8 + 7] = y < 4 ? 100 : 80;
    // Block (0,0): (440+400+4)>>3 = 105; (1,0): 90; (0,1): 80; (1,1): (360+320+4)>>3 = 85. Never uniform.
    expect(exactIntraPrediction(flat(60, 105, 128), left, top)).toBeUndefined();
    // With both halves equal the four blocks agree and DC is exact.
    top.cb.fill(100, 56, 64);
    left.cb.fill(100);
    expect(exactIntraPrediction(flat(60, 100, 128), left, top)?.chromaMode).toBe(CHROMA_DC);
  });
});
