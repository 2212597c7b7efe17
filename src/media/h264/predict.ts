/**
 * Which intra prediction (8.3.3 Intra_16x16, 8.3.4 chroma) reproduces a flat macroblock exactly from
 * its left and upper neighbours, so it can be coded with no residual at all.
 *
 * Coding is lossless (prediction-exact or I_PCM) and deblocking is off, so the decoder's
 * reconstruction of every macroblock equals its source content: neighbours are read straight from
 * the source's MbContent, never from a reconstructed picture.
 */
import type { MbContent } from './types.js';

/** Intra16x16PredMode values (Table 8-4). */
export const LUMA_VERTICAL = 0;
export const LUMA_HORIZONTAL = 1;
export const LUMA_DC = 2;
/** intra_chroma_pred_mode values (Table 7-16). */
export const CHROMA_DC = 0;
export const CHROMA_HORIZONTAL = 1;
export const CHROMA_VERTICAL = 2;

/** Plane 0 is luma (16x16), 1 is Cb and 2 is Cr (8x8 each). */
type Plane = 0 | 1 | 2;

function flatValue(c: MbContent & { kind: 'flat' }, plane: Plane): number {
  return plane === 0 ? c.y : plane === 1 ? c.cb : c.cr;
}

function planeData(c: MbContent & { kind: 'samples' }, plane: Plane): Uint8Array {
  return plane === 0 ? c.y : plane === 1 ? c.cb : c.cr;
}

/**
 * Sum of `count` samples from `start` along the edge a neighbour shares with the current
 * macroblock: its right column (`right`, for the left neighbour) or its bottom row (upper neighbour).
 */
function edgeSum(c: MbContent, plane: Plane, right: boolean, start: number, count: number): number {
  if (c.kind === 'flat') return count * flatValue(c, plane);
  const d = planeData(c, plane);
  const n = plane === 0 ? 16 : 8;
  let s = 0;
  if (right) for (let i = start; i < start + count; i++) s += d[i * n + n - 1];
  else for (let i = start; i < start + count; i++) s += d[(n - 1) * n + i];
  return s;
}

/** Whether the whole shared edge equals `v`. */
function edgeIs(c: MbContent, plane: Plane, right: boolean, v: number): boolean {
  if (c.kind === 'flat') return flatValue(c, plane) === v;
  const d = planeData(c, plane);
  const n = plane === 0 ? 16 : 8;
  for (let i = 0; i < n; i++) {
    if ((right ? d[i * n + n - 1] : d[(n - 1) * n + i]) !== v) return false;
  }
  return true;
}

/** Intra_16x16_DC prediction value (8.3.3.3), 128 without neighbours. */
function lumaDc(left: MbContent | undefined, top: MbContent | undefined): number {
  if (left && top) return (edgeSum(left, 0, true, 0, 16) + edgeSum(top, 0, false, 0, 16) + 16) >> 5;
  if (left) return (edgeSum(left, 0, true, 0, 16) + 8) >> 4;
  if (top) return (edgeSum(top, 0, false, 0, 16) + 8) >> 4;
  return 128;
}

/**
 * Whether chroma DC prediction (8.3.4.1-3) gives `v` in all four 4x4 blocks of the plane.
 * The rule differs per block position: diagonal blocks average both edges, the top-right block
 * prefers the upper edge and the bottom-left block the left edge.
 */
function chromaDcIs(left: MbContent | undefined, top: MbContent | undefined, plane: Plane, v: number): boolean {
  for (let blk = 0; blk < 4; blk++) {
    const bx = blk & 1;
    const by = blk >> 1;
    const t = top ? edgeSum(top, plane, false, bx * 4, 4) : 0;
    const l = left ? edgeSum(left, plane, true, by * 4, 4) : 0;
    let dc: number;
    if (bx === by) {
      dc = left && top ? (t + l + 4) >> 3 : left ? (l + 2) >> 2 : top ? (t + 2) >> 2 : 128;
    } else if (bx === 1) {
      dc = top ? (t + 2) >> 2 : left ? (l + 2) >> 2 : 128;
    } else {
      dc = left ? (l + 2) >> 2 : top ? (t + 2) >> 2 : 128;
    }
    if (dc !== v) return false;
  }
  return true;
}

export interface IntraChoice {
  lumaMode: number;
  chromaMode: number;
}

/** What exactIntraModes answers when only I_PCM reproduces the macroblock. */
export const NO_EXACT_PREDICTION = -1;

/**
 * Prediction modes that reproduce flat colour `c` exactly, packed as `lumaMode << 2 | chromaMode`,
 * or NO_EXACT_PREDICTION. A number rather than an IntraChoice: an IDR picture asks this of every
 * macroblock (7,168 at 1792x1024), and an object each was a third of what encoding a video allocated.
 * Among exact modes the cheapest codes win: luma vertical/horizontal have shorter mb_type codes than
 * DC, chroma DC the shortest intra_chroma_pred_mode code.
 */
export function exactIntraModes(c: MbContent & { kind: 'flat' }, left: MbContent | undefined, top: MbContent | undefined): number {
  let lumaMode: number;
  if (top && edgeIs(top, 0, false, c.y)) lumaMode = LUMA_VERTICAL;
  else if (left && edgeIs(left, 0, true, c.y)) lumaMode = LUMA_HORIZONTAL;
  else if (lumaDc(left, top) === c.y) lumaMode = LUMA_DC;
  else return NO_EXACT_PREDICTION;

  let chromaMode: number;
  if (chromaDcIs(left, top, 1, c.cb) && chromaDcIs(left, top, 2, c.cr)) chromaMode = CHROMA_DC;
  else if (left && edgeIs(left, 1, true, c.cb) && edgeIs(left, 2, true, c.cr)) chromaMode = CHROMA_HORIZONTAL;
  else if (top && edgeIs(top, 1, false, c.cb) && edgeIs(top, 2, false, c.cr)) chromaMode = CHROMA_VERTICAL;
  else return NO_EXACT_PREDICTION;
  return (lumaMode << 2) | chromaMode;
}

/** exactIntraModes as an object, or undefined when only I_PCM can reproduce `c`. */
export function exactIntraPrediction(
  c: MbContent & { kind: 'flat' },
  left: MbContent | undefined,
  top: MbContent | undefined,
): IntraChoice | undefined {
  const modes = exactIntraModes(c, left, top);
  return modes === NO_EXACT_PREDICTION ? undefined : { lumaMode: modes >> 2, chromaMode: modes & 3 };
}
