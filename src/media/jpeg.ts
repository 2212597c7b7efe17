/** JPEG output (spritesheets), through jpeg-js: a pure-JS baseline encoder, deterministic. */
import jpeg from 'jpeg-js';
import type { RgbImage } from './scene.js';

export const JPEG_QUALITY = 90;

export function encodeJpeg(image: RgbImage, quality = JPEG_QUALITY): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  const src = image.data;
  for (let i = 0, j = 0; i < src.length; i += 3, j += 4) {
    rgba[j] = src[i];
    rgba[j + 1] = src[i + 1];
    rgba[j + 2] = src[i + 2];
    rgba[j + 3] = 255;
  }
  const { data } = jpeg.encode({ width: image.width, height: image.height, data: rgba }, quality);
  // jpeg-js returns a Node Buffer in Node; callers get a plain Uint8Array everywhere.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
}
