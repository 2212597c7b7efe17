/**
 * Compare a decoded picture with the documented scene, unit by unit (one unit = 16 px at full size,
 * fewer in thumbnails and spritesheets). Sampling unit centres keeps each sample inside one flat
 * area, so only the codec's own error is measured.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { unpack, unitColour, type Rgb, type Scene } from '../../src/media/scene.js';
import { colourDistance, type RgbFrame } from '../helpers/ffmpeg.js';

const run = promisify(execFile);

export interface Mismatch {
  ux: number;
  uy: number;
  expected: Rgb;
  got: [number, number, number];
}

export interface CompareOptions {
  /** Pixels per unit in the decoded picture. */
  unitPx: number;
  /** Largest per-channel difference accepted. */
  tolerance: number;
  /** Pixel offset of the scene inside the decoded picture (spritesheet cells). */
  ox?: number;
  oy?: number;
  /**
   * Only compare units whose neighbours within this many units have the same colour: lossy codecs
   * with small units blur edges, so their samples are taken away from them.
   */
  uniformRadius?: number;
}

export function compareWithScene(frame: RgbFrame, scene: Scene, sceneFrame: number, o: CompareOptions): { compared: number; mismatches: Mismatch[] } {
  const mismatches: Mismatch[] = [];
  let compared = 0;
  const r = o.uniformRadius ?? 0;
  for (let uy = 0; uy < scene.heightUnits; uy++) {
    for (let ux = 0; ux < scene.widthUnits; ux++) {
      const c = unitColour(scene, ux, uy, sceneFrame);
      if (r > 0 && !uniformAround(scene, ux, uy, sceneFrame, r, c)) continue;
      const expected = unpack(c);
      const got = frame.pixel((o.ox ?? 0) + ux * o.unitPx + (o.unitPx >> 1), (o.oy ?? 0) + uy * o.unitPx + (o.unitPx >> 1));
      compared++;
      if (colourDistance(expected, got) > o.tolerance) mismatches.push({ ux, uy, expected, got });
    }
  }
  return { compared, mismatches };
}

function uniformAround(scene: Scene, ux: number, uy: number, frame: number, r: number, c: number): boolean {
  for (let y = uy - r; y <= uy + r; y++) {
    for (let x = ux - r; x <= ux + r; x++) {
      if (x < 0 || y < 0 || x >= scene.widthUnits || y >= scene.heightUnits) return false;
      if (unitColour(scene, x, y, frame) !== c) return false;
    }
  }
  return true;
}

/** Decode several frames (by index) of a video in one ffmpeg pass, as RGB24. */
export async function decodeFramesRgb(path: string, width: number, height: number, frames: number[]): Promise<RgbFrame[]> {
  const select = frames.map((f) => `eq(n\\,${f})`).join('+');
  const { stdout } = await run(
    'ffmpeg',
    ['-nostdin', '-v', 'error', '-i', path, '-vf', `select=${select}`, '-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 },
  );
  const size = width * height * 3;
  if (stdout.length !== size * frames.length) {
    throw new Error(`decodeFramesRgb: expected ${frames.length} frames (${size * frames.length} bytes), got ${stdout.length} bytes`);
  }
  return frames.map((_, i) => {
    const data = stdout.subarray(i * size, (i + 1) * size);
    return {
      width,
      height,
      data,
      pixel(x: number, y: number): [number, number, number] {
        const p = (y * width + x) * 3;
        return [data[p], data[p + 1], data[p + 2]];
      },
    };
  });
}
