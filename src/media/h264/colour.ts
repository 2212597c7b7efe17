import type { Ycbcr } from './types.js';

/**
 * RGB (0..255, full range) to BT.601 limited-range YCbCr with integer arithmetic.
 *
 * The BT.601 matrix scaled to studio swing (219/255 for Y, 224/255 for Cb/Cr), in 16-bit fixed point:
 *   Y  = 16  + ((16829 R + 33039 G +  6416 B + 32768) >> 16)   // 65.481, 128.553, 24.966 / 255
 *   Cb = 128 + ((-9714 R - 19070 G + 28784 B + 32768) >> 16)   // -37.797, -74.203, 112 / 255
 *   Cr = 128 + ((28784 R - 24103 G -  4681 B + 32768) >> 16)   // 112, -93.786, -18.214 / 255
 * Each chroma row sums to zero, so greys map to Cb = Cr = 128 exactly; results stay within
 * Y 16..235 and Cb/Cr 16..240 and are within one level of the exactly rounded real-valued formula
 * (equal to it for more than 99.8% of colours). The encoder signals BT.601 (SMPTE 170M) in the
 * stream's VUI so decoders convert back with the same matrix.
 */
export function rgbToYcbcr(r: number, g: number, b: number): Ycbcr {
  return {
    y: 16 + ((16829 * r + 33039 * g + 6416 * b + 32768) >> 16),
    cb: 128 + ((-9714 * r - 19070 * g + 28784 * b + 32768) >> 16),
    cr: 128 + ((28784 * r - 24103 * g - 4681 * b + 32768) >> 16),
  };
}
