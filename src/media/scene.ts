/**
 * The deterministic scene every image, video, thumbnail and spritesheet shows.
 *
 * Everything is drawn on a grid of UNITS of 16x16 pixels (one H.264 macroblock), so every macroblock
 * of a video is one flat colour: the encoder codes those in a few bits. Sizes of all outputs are
 * multiples of 16. Elements, painted in this order (unit coordinates, W x H units, S = min(W, H)):
 *
 *   sky       the whole canvas, colour `palette.sky`
 *   ground    rows floor(H * 0.64) .. H-1, colour `palette.ground` (a horizon: "up" is obvious)
 *   sun       a disc (|dx| <= sqrt((r+0.5)^2 - dy^2)) of radius r = 3 + S*(0.08..0.14) in the sky,
 *             colour `palette.sun`
 *   blocks    3 rectangles standing on the horizon, colours `palette.blocks`
 *   arrow     orientation: landscape -> a horizontal arrow in the ground pointing right;
 *             portrait -> a vertical arrow along the centre column pointing up; square -> none.
 *             Colour `palette.arrow` (light).
 *   input     only with an input digest (edits, image-to-video): a 2-unit outer ring in
 *             `palette.inputOuter` and a 1-unit inner ring in `palette.inputInner`, both derived from
 *             the input digest alone, so an edit of another image has another frame.
 *   variant   a dark plate at unit (3,3), 4 units tall, 3*(index+1)+1 wide, with index+1 white
 *             2x2-unit dots at (4 + 3k, 4): variant k of n shows k+1 dots.
 *   watermark only when `watermark` is true: a 17x7-unit dark plate at the top right, 3 units from
 *             the top and right edges (clear of the arrow in both orientations), with "SORA" in a
 *             3x5-unit font (one unit per font pixel), white.
 *   progress  video only: the bottom row of units. Units 0 .. filled-1 are PROGRESS_FILL, the rest
 *             PROGRESS_TRACK, with filled = floor((frame + 1) * W / frameCount): the bar grows with
 *             the clip and is full on its last frame. It is the only thing that moves, so between
 *             two frames at most a few macroblocks of one row change.
 *
 * Colours come from the recipe: `palette` hashes (seed, prompt digest), so variants and sizes of one
 * prompt share colours; `layout` hashes (seed, prompt digest, index), so variants differ in shape
 * placement. The prompt enters only through its digest, which is what a recipe carries.
 */
import { digestHex } from './recipe.js';
import type { Recipe } from './recipe.js';

export type Rgb = [number, number, number];

/** Pixels per unit at full resolution (one macroblock). */
export const SCENE_UNIT = 16;
export const PROGRESS_FILL: Rgb = [250, 204, 21];
export const PROGRESS_TRACK: Rgb = [40, 40, 40];
export const PLATE: Rgb = [24, 24, 24];
export const INK: Rgb = [245, 245, 245];

export interface ScenePalette {
  sky: Rgb;
  ground: Rgb;
  sun: Rgb;
  blocks: Rgb[];
  arrow: Rgb;
  inputOuter?: Rgb;
  inputInner?: Rgb;
}

export interface Scene {
  width: number;
  height: number;
  widthUnits: number;
  heightUnits: number;
  /** 1 for images. */
  frameCount: number;
  fps: number;
  palette: ScenePalette;
  /** Static picture, one packed 0xRRGGBB per unit, row-major (the progress bar is not in it). */
  units: Uint32Array;
  /** Whether the bottom row is a progress bar (videos). */
  progress: boolean;
}

/** 32-bit PRNG (mulberry32): tiny, fast, and identical in every JS engine. */
function prng(hex: string): () => number {
  let state = parseInt(hex.slice(0, 8), 16) ^ parseInt(hex.slice(8, 16), 16);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h * 12) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

function range(rand: () => number, lo: number, hi: number): number {
  return lo + rand() * (hi - lo);
}

function int(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

export function scenePalette(recipe: Recipe): ScenePalette {
  const rand = prng(digestHex(`palette\u0000${recipe.seed}\u0000${recipe.promptDigest}`));
  const hue = rand();
  const palette: ScenePalette = {
    sky: hsl(hue, range(rand, 0.45, 0.7), range(rand, 0.6, 0.7)),
    ground: hsl((hue + range(rand, 0.25, 0.5)) % 1, range(rand, 0.35, 0.6), range(rand, 0.25, 0.35)),
    sun: hsl((hue + 0.5) % 1, 0.85, 0.55),
    blocks: [0, 1, 2].map(() => hsl(rand(), range(rand, 0.5, 0.8), range(rand, 0.4, 0.5))),
    arrow: hsl(hue, 0.3, 0.88),
  };
  if (recipe.inputDigest) {
    const r = prng(digestHex(`input\u0000${recipe.inputDigest}`));
    const h = r();
    palette.inputOuter = hsl(h, 0.8, 0.45);
    palette.inputInner = hsl((h + 0.5) % 1, 0.8, 0.7);
  }
  return palette;
}

const pack = ([r, g, b]: Rgb): number => (r << 16) | (g << 8) | b;
export const unpack = (c: number): Rgb => [(c >>> 16) & 255, (c >>> 8) & 255, c & 255];

/** 3x5 glyphs of the watermark, one string per row, '#' = ink. */
const GLYPHS: Record<string, string[]> = {
  S: ['###', '#..', '###', '..#', '###'],
  O: ['###', '#.#', '#.#', '#.#', '###'],
  R: ['##.', '#.#', '##.', '#.#', '#.#'],
  A: ['.#.', '#.#', '###', '#.#', '#.#'],
};
export const WATERMARK_TEXT = 'SORA';
export const WATERMARK_UNITS = { width: 17, height: 7, margin: 3 } as const;

export function buildScene(recipe: Recipe): Scene {
  const { width, height } = recipe.spec;
  const W = width / SCENE_UNIT;
  const H = height / SCENE_UNIT;
  const S = Math.min(W, H);
  const units = new Uint32Array(W * H);
  const fill = (x: number, y: number, w: number, h: number, colour: Rgb) => {
    const c = pack(colour);
    const x0 = Math.max(0, x);
    const x1 = Math.min(W, x + w);
    for (let yy = Math.max(0, y); yy < Math.min(H, y + h); yy++) units.fill(c, yy * W + x0, yy * W + Math.max(x0, x1));
  };
  const palette = scenePalette(recipe);
  const rand = prng(digestHex(`layout\u0000${recipe.seed}\u0000${recipe.promptDigest}\u0000${recipe.index}`));

  fill(0, 0, W, H, palette.sky);
  const horizon = Math.floor(H * 0.64);
  fill(0, horizon, W, H - horizon, palette.ground);

  const r = Math.round(3 + S * range(rand, 0.08, 0.14));
  const cx = int(rand, r + 1, W - r - 2);
  const cy = int(rand, r + 1, Math.max(r + 1, horizon - r - 2));
  for (let y = cy - r; y <= cy + r; y++) {
    const half = Math.floor(Math.sqrt((r + 0.5) ** 2 - (y - cy) ** 2));
    fill(cx - half, y, 2 * half + 1, 1, palette.sun);
  }

  for (const colour of palette.blocks) {
    const w = int(rand, Math.round(S * 0.08), Math.round(S * 0.2));
    const h = Math.min(horizon - 2, int(rand, Math.round(S * 0.1), Math.round(S * 0.35)));
    fill(int(rand, 0, W - w), horizon - h, w, h, colour);
  }

  if (W !== H) drawArrow(fill, W, H, horizon, palette.arrow);

  if (palette.inputOuter && palette.inputInner) {
    ring(fill, 0, W, H, 2, palette.inputOuter);
    ring(fill, 2, W, H, 1, palette.inputInner);
  }

  const dots = recipe.index + 1;
  fill(3, 3, 3 * dots + 1, 4, PLATE);
  for (let k = 0; k < dots; k++) fill(4 + 3 * k, 4, 2, 2, INK);

  if (recipe.watermark) {
    const { width: pw, height: ph, margin } = WATERMARK_UNITS;
    const px = W - margin - pw;
    const py = margin;
    fill(px, py, pw, ph, PLATE);
    [...WATERMARK_TEXT].forEach((ch, i) => {
      GLYPHS[ch].forEach((row, gy) => {
        for (let gx = 0; gx < 3; gx++) if (row[gx] === '#') fill(px + 1 + i * 4 + gx, py + 1 + gy, 1, 1, INK);
      });
    });
  }

  const video = recipe.kind === 'video';
  return {
    width,
    height,
    widthUnits: W,
    heightUnits: H,
    frameCount: video ? recipe.spec.seconds * recipe.spec.fps : 1,
    fps: video ? recipe.spec.fps : 1,
    palette,
    units,
    progress: video,
  };
}

type Fill = (x: number, y: number, w: number, h: number, colour: Rgb) => void;

/** A frame `thickness` units wide whose outer edge is `inset` units inside the canvas. */
function ring(fill: Fill, inset: number, W: number, H: number, thickness: number, colour: Rgb): void {
  const w = W - 2 * inset;
  const h = H - 2 * inset;
  fill(inset, inset, w, thickness, colour);
  fill(inset, H - inset - thickness, w, thickness, colour);
  fill(inset, inset, thickness, h, colour);
  fill(W - inset - thickness, inset, thickness, h, colour);
}

/** An arrow along the long side: shaft of thickness T, a stepped triangular head of length 2T. */
function drawArrow(fill: Fill, W: number, H: number, horizon: number, colour: Rgb): void {
  const landscape = W > H;
  const T = Math.max(2, Math.round(Math.min(W, H) * 0.05));
  const head = 2 * T;
  if (landscape) {
    const cy = horizon + Math.floor((H - horizon) / 2);
    const x0 = Math.round(W * 0.12);
    const tip = W - x0;
    fill(x0, cy - (T >> 1), tip - head - x0, T, colour);
    for (let i = 0; i < head; i++) {
      const half = head - i; // narrows towards the tip
      fill(tip - head + i, cy - half, 1, 2 * half + (T & 1), colour);
    }
  } else {
    const cx = Math.floor(W / 2);
    const y0 = Math.round(H * 0.12);
    const bottom = H - y0;
    fill(cx - (T >> 1), y0 + head, T, bottom - y0 - head, colour);
    for (let i = 0; i < head; i++) {
      const half = i + 1; // widens away from the tip at y0
      fill(cx - half, y0 + i, 2 * half + (T & 1), 1, colour);
    }
  }
}

/** Filled units of the progress bar in frame `frame` (0-based). */
export function progressUnits(scene: Scene, frame: number): number {
  return Math.floor(((frame + 1) * scene.widthUnits) / scene.frameCount);
}

/** The frame shown at `seconds` into the clip (clamped to the clip). */
export function frameAtTime(scene: Scene, seconds: number): number {
  return Math.min(scene.frameCount - 1, Math.max(0, Math.floor(seconds * scene.fps + 1e-6)));
}

/** Colour of unit (ux, uy) in `frame`, packed 0xRRGGBB. */
export function unitColour(scene: Scene, ux: number, uy: number, frame: number): number {
  if (scene.progress && uy === scene.heightUnits - 1) {
    return ux < progressUnits(scene, frame) ? pack(PROGRESS_FILL) : pack(PROGRESS_TRACK);
  }
  return scene.units[uy * scene.widthUnits + ux];
}

/**
 * The colour of full-resolution pixel (x, y) at `seconds` into the clip (videos; ignored for
 * images). Tests use it to predict what a decoder shows.
 */
export function sceneColourAt(recipe: Recipe, x: number, y: number, seconds = 0): Rgb {
  const scene = buildScene(recipe);
  return unpack(unitColour(scene, Math.floor(x / SCENE_UNIT), Math.floor(y / SCENE_UNIT), frameAtTime(scene, seconds)));
}

export interface RgbImage {
  width: number;
  height: number;
  /** Packed RGB24, row-major. */
  data: Uint8Array;
}

/**
 * Render one frame with `unitPx` pixels per unit (16 = full size, 4 = quarter, ...), optionally
 * into `target` at pixel offset (ox, oy) (spritesheets). Rows of one unit are identical, so each is
 * built once and copied; a unit row equal to the one above is copied whole.
 */
export function renderFrame(scene: Scene, frame: number, unitPx: number, target?: RgbImage, ox = 0, oy = 0): RgbImage {
  const W = scene.widthUnits;
  const H = scene.heightUnits;
  const width = W * unitPx;
  const height = H * unitPx;
  const out = target ?? { width, height, data: new Uint8Array(width * height * 3) };
  const data = out.data;
  const stride = out.width * 3;
  const rowBytes = width * 3;
  const units = scene.units;
  const barRow = scene.progress ? H - 1 : -1;
  const filled = scene.progress ? progressUnits(scene, frame) : 0;
  const fillColour = pack(PROGRESS_FILL);
  const trackColour = pack(PROGRESS_TRACK);
  for (let uy = 0; uy < H; uy++) {
    const rowStart = (oy + uy * unitPx) * stride + ox * 3;
    const base = uy * W;
    if (uy > 0 && uy !== barRow && uy - 1 !== barRow && sameRow(units, base - W, base, W)) {
      const previous = rowStart - stride;
      for (let k = 0; k < unitPx; k++) data.copyWithin(rowStart + k * stride, previous, previous + rowBytes);
      continue;
    }
    let p = rowStart;
    for (let ux = 0; ux < W; ux++) {
      const c = uy === barRow ? (ux < filled ? fillColour : trackColour) : units[base + ux];
      const r = (c >>> 16) & 255;
      const g = (c >>> 8) & 255;
      const b = c & 255;
      for (let i = 0; i < unitPx; i++, p += 3) {
        data[p] = r;
        data[p + 1] = g;
        data[p + 2] = b;
      }
    }
    for (let k = 1; k < unitPx; k++) data.copyWithin(rowStart + k * stride, rowStart, rowStart + rowBytes);
  }
  return out;
}

function sameRow(units: Uint32Array, a: number, b: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (units[a + i] !== units[b + i]) return false;
  return true;
}
