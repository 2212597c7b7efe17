/**
 * Video and its derivatives. The scene is already macroblock-aligned (one unit = one 16x16
 * macroblock), so the frame source hands the encoder flat colours only, and lists as changed just
 * the progress-bar macroblocks that flipped since the previous frame.
 *
 * Derivatives (sizes follow from the video size, all exact because the scene unit is 16 px):
 *   thumbnail    WebP (lossless) of the frame in the middle of the clip (floor(frameCount / 2)),
 *                at a quarter of the video size (4 px per unit): 1280x720 -> 320x180,
 *                1792x1024 -> 448x256, 720x1280 -> 180x320, 1024x1792 -> 256x448.
 *   spritesheet  JPEG grid of SPRITE_COLUMNS x SPRITE_ROWS frames, row-major, frame k being
 *                floor((k + 0.5) * frameCount / 25) (evenly spread, centred in each 1/25 of the clip),
 *                each cell an eighth of the video size (2 px per unit): 1280x720 -> cells 160x90,
 *                sheet 800x450.
 */
import { rgbToYcbcr } from './h264/colour.js';
import type { MbContent, VideoFrameSource } from './h264/types.js';
import { encodeJpeg } from './jpeg.js';
import { encodeMp4 } from './mp4.js';
import type { Recipe, VideoRecipe } from './recipe.js';
import { buildScene, progressUnits, renderFrame, unitColour, type RgbImage, type Scene } from './scene.js';
import { encodeWebpLossless } from './webp.js';

export const THUMBNAIL_UNIT_PX = 4;
export const SPRITE_COLUMNS = 5;
export const SPRITE_ROWS = 5;
export const SPRITE_UNIT_PX = 2;

export function videoFrameSource(scene: Scene): VideoFrameSource {
  const W = scene.widthUnits;
  const flat = new Map<number, MbContent>();
  const mbOf = (rgb: number): MbContent => {
    let mb = flat.get(rgb);
    if (!mb) {
      mb = { kind: 'flat', ...rgbToYcbcr((rgb >>> 16) & 255, (rgb >>> 8) & 255, rgb & 255) };
      flat.set(rgb, mb);
    }
    return mb;
  };
  return {
    widthMbs: W,
    heightMbs: scene.heightUnits,
    frameCount: scene.frameCount,
    mb: (frame, mbx, mby) => mbOf(unitColour(scene, mbx, mby, frame)),
    *changed(frame) {
      if (!scene.progress || frame < 1) return;
      const row = (scene.heightUnits - 1) * W;
      for (let x = progressUnits(scene, frame - 1); x < progressUnits(scene, frame); x++) yield row + x;
    },
  };
}

export function generateVideo(recipe: VideoRecipe): Promise<Uint8Array> {
  const scene = buildScene(recipe);
  return encodeMp4(videoFrameSource(scene), { fps: scene.fps });
}

/** The frame a thumbnail shows: the middle of the clip (frame 0 of an image). */
export function thumbnailFrame(scene: Scene): number {
  return Math.floor(scene.frameCount / 2);
}

export function generateThumbnail(recipe: Recipe): Uint8Array {
  const scene = buildScene(recipe);
  return encodeWebpLossless(renderFrame(scene, thumbnailFrame(scene), THUMBNAIL_UNIT_PX));
}

/** Frames of the spritesheet cells, row-major. */
export function spritesheetFrames(scene: Scene): number[] {
  const cells = SPRITE_COLUMNS * SPRITE_ROWS;
  return Array.from({ length: cells }, (_, k) => Math.floor(((k + 0.5) * scene.frameCount) / cells));
}

/**
 * Reused sheet canvas: generateSpritesheet is synchronous, every cell overwrites all of its pixels and
 * the JPEG copies what it needs. A fresh 2 MB buffer per sheet cost ~7 ms of page faults in bench:media.
 */
let sheetCanvas: RgbImage | undefined;

export function generateSpritesheet(recipe: VideoRecipe): Uint8Array {
  const scene = buildScene(recipe);
  const cellW = scene.widthUnits * SPRITE_UNIT_PX;
  const cellH = scene.heightUnits * SPRITE_UNIT_PX;
  const width = cellW * SPRITE_COLUMNS;
  const height = cellH * SPRITE_ROWS;
  if (!sheetCanvas || sheetCanvas.width !== width || sheetCanvas.height !== height) {
    sheetCanvas = { width, height, data: new Uint8Array(width * height * 3) };
  }
  const sheet = sheetCanvas;
  spritesheetFrames(scene).forEach((frame, k) => {
    renderFrame(scene, frame, SPRITE_UNIT_PX, sheet, (k % SPRITE_COLUMNS) * cellW, Math.floor(k / SPRITE_COLUMNS) * cellH);
  });
  return encodeJpeg(sheet);
}
