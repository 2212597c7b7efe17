/**
 * JPEG output (spritesheets): a small baseline encoder (JFIF, 4:4:4, Huffman tables of ITU-T T.81
 * Annex K).
 *
 * Why not jpeg-js: it runs a full DCT on every 8x8 block, and a spritesheet of the scene is almost all
 * flat colour, so it spent ~140 ms per 1120x640 sheet on arithmetic whose answer is known. Here a block
 * whose 64 samples are equal is coded from its DC term alone (its DCT is `8 x value`, every AC term
 * zero), and only the blocks on shape edges go through the DCT. A spritesheet shows one scene 25 times,
 * so edge blocks repeat: their quantised coefficients are remembered by content (a bounded table,
 * hits confirmed by comparing all 64 pixels) and each distinct block is transformed once. Bits are
 * written through a 32-bit accumulator, not one at a time. Output is deterministic (the table only
 * saves work: the bytes are those of transforming every block) and decodes with any baseline decoder.
 */
import type { RgbImage } from './scene.js';

export const JPEG_QUALITY = 90;

/** Position in natural (row-major) order of the k-th coefficient in zigzag order. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55,
  62, 63,
];

/** Annex K.1 quantisation tables, natural order. */
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80,
  62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98,
  112, 100, 103, 99,
];
const CHROMA_Q = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99,
  99, ...new Array<number>(32).fill(99),
];

/** Annex K.3 Huffman tables: code counts per length 1..16, then the symbols. */
const DC_LUMA = { bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const DC_CHROMA = { bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const AC_LUMA = {
  bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  values: [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32,
    0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16,
    0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94,
    0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8,
    0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};
const AC_CHROMA = {
  bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  values: [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81,
    0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34,
    0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92,
    0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
    0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
  ],
};

interface HuffmanSpec {
  bits: number[];
  values: number[];
}

interface HuffmanCodes {
  code: Uint16Array;
  length: Uint8Array;
}

/** Canonical codes from counts per length (T.81 Annex C). */
function huffmanCodes(spec: HuffmanSpec): HuffmanCodes {
  const code = new Uint16Array(256);
  const length = new Uint8Array(256);
  let next = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < spec.bits[len - 1]; i++) {
      const symbol = spec.values[k++];
      code[symbol] = next++;
      length[symbol] = len;
    }
    next <<= 1;
  }
  return { code, length };
}

const CODES = {
  dcLuma: huffmanCodes(DC_LUMA),
  acLuma: huffmanCodes(AC_LUMA),
  dcChroma: huffmanCodes(DC_CHROMA),
  acChroma: huffmanCodes(AC_CHROMA),
};

/** IJG quality scaling of a base table. */
function scaledTable(base: number[], quality: number): Uint8Array {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  return Uint8Array.from(base, (v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
}

/** Scaled cosines of the 1-D DCT basis: c[k] = cos(k pi / 16) / 2, c[0] = c[4] = 1 / (2 sqrt 2). */
const C1 = Math.cos(Math.PI / 16) / 2;
const C2 = Math.cos((2 * Math.PI) / 16) / 2;
const C3 = Math.cos((3 * Math.PI) / 16) / 2;
const C4 = Math.SQRT1_2 / 2;
const C5 = Math.cos((5 * Math.PI) / 16) / 2;
const C6 = Math.cos((6 * Math.PI) / 16) / 2;
const C7 = Math.cos((7 * Math.PI) / 16) / 2;

/**
 * One 8-point DCT-II (T.81 A.3.3 normalisation) of `src[at + i * step]` into `dst[at + i * step]`, by the
 * even/odd split: sums feed the even coefficients, differences the odd ones (22 multiplications, not 64).
 */
function dct8(src: Float64Array, dst: Float64Array, at: number, step: number): void {
  const x0 = src[at];
  const x1 = src[at + step];
  const x2 = src[at + 2 * step];
  const x3 = src[at + 3 * step];
  const x4 = src[at + 4 * step];
  const x5 = src[at + 5 * step];
  const x6 = src[at + 6 * step];
  const x7 = src[at + 7 * step];
  const s0 = x0 + x7;
  const s1 = x1 + x6;
  const s2 = x2 + x5;
  const s3 = x3 + x4;
  const d0 = x0 - x7;
  const d1 = x1 - x6;
  const d2 = x2 - x5;
  const d3 = x3 - x4;
  dst[at] = C4 * (s0 + s1 + s2 + s3);
  dst[at + 4 * step] = C4 * (s0 - s1 - s2 + s3);
  dst[at + 2 * step] = C2 * (s0 - s3) + C6 * (s1 - s2);
  dst[at + 6 * step] = C6 * (s0 - s3) - C2 * (s1 - s2);
  dst[at + step] = C1 * d0 + C3 * d1 + C5 * d2 + C7 * d3;
  dst[at + 3 * step] = C3 * d0 - C7 * d1 - C1 * d2 - C5 * d3;
  dst[at + 5 * step] = C5 * d0 - C1 * d1 + C7 * d2 + C3 * d3;
  dst[at + 7 * step] = C7 * d0 - C5 * d1 + C3 * d2 - C1 * d3;
}

/** Output bytes: markers written raw, entropy-coded data through `put` (0xFF byte stuffing). */
class JpegWriter {
  size = 0;
  private acc = 0;
  private count = 0;

  /** `bytes` is reused from the previous picture (calls are synchronous; `result` copies). */
  constructor(public bytes: Uint8Array<ArrayBuffer>) {}

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    if (this.size + n <= this.bytes.length) return;
    let length = this.bytes.length * 2;
    while (length < this.size + n) length *= 2;
    const grown = new Uint8Array(length);
    grown.set(this.bytes.subarray(0, this.size));
    this.bytes = grown;
  }

  raw(data: ArrayLike<number>): void {
    this.reserve(data.length);
    for (let i = 0; i < data.length; i++) this.bytes[this.size++] = data[i];
  }

  /**
   * The low `length` (<= 16) bits of `value`, most significant first; a 0xFF byte is followed by a
   * stuffed zero (T.81 F.1.2.3). The caller has reserved room (at most 2 bytes per 8 bits).
   */
  put(value: number, length: number): void {
    this.acc = (this.acc << length) | value;
    this.count += length;
    while (this.count >= 8) {
      this.count -= 8;
      const byte = (this.acc >>> this.count) & 0xff;
      this.bytes[this.size++] = byte;
      if (byte === 0xff) this.bytes[this.size++] = 0;
    }
    this.acc &= (1 << this.count) - 1;
  }

  /** Pad the last byte with 1 bits, as T.81 F.1.2.3 asks. */
  flush(): void {
    this.reserve(2);
    if (this.count > 0) this.put((1 << (8 - this.count)) - 1, 8 - this.count);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.size);
  }
}

/** Worst case of one 8x8 block: DC (11 + 11 bits) and 63 AC codes of 16 + 10 bits, doubled by stuffing. */
const BLOCK_MAX_BYTES = 2 * Math.ceil((22 + 63 * 26 + 16) / 8);

/** Magnitude category of a coefficient (T.81 F.1.2.1): the bit length of |v|. */
function category(v: number): number {
  return 32 - Math.clz32(v < 0 ? -v : v);
}

/**
 * One block's Huffman-coded DC difference and AC run/size symbols, from quantised coefficients in
 * zigzag order at `q[at .. at + 64)`. Returns the block's DC (the predictor of the next block).
 */
function encodeBlock(out: JpegWriter, q: Int16Array, at: number, previousDc: number, dc: HuffmanCodes, ac: HuffmanCodes): number {
  const dcValue = q[at];
  const diff = dcValue - previousDc;
  const size = category(diff);
  out.put(dc.code[size], dc.length[size]);
  if (size > 0) out.put(diff < 0 ? diff + (1 << size) - 1 : diff, size);
  let last = 63;
  while (last > 0 && q[at + last] === 0) last--;
  let run = 0;
  for (let k = 1; k <= last; k++) {
    const v = q[at + k];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      out.put(ac.code[0xf0], ac.length[0xf0]);
      run -= 16;
    }
    const s = category(v);
    const symbol = (run << 4) | s;
    out.put(ac.code[symbol], ac.length[symbol]);
    out.put(v < 0 ? v + (1 << s) - 1 : v, s);
    run = 0;
  }
  if (last < 63) out.put(ac.code[0x00], ac.length[0x00]); // end of block
  return dcValue;
}

/** JFIF full-range BT.601 luma, level-shifted by 128, and the two chroma differences. */
const toY = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b - 128;
const toCb = (r: number, g: number, b: number) => -0.168736 * r - 0.331264 * g + 0.5 * b;
const toCr = (r: number, g: number, b: number) => 0.5 * r - 0.418688 * g - 0.081312 * b;

const pixels = new Uint32Array(64);
const samples = new Float64Array(64);
const temp = new Float64Array(64);
const coefficients = new Float64Array(64);

/**
 * The 8x8 block at (bx, by) as packed 0xRRGGBB into `pixels`; blocks past the right or bottom edge
 * repeat the last column or row. Returns whether all 64 pixels are one colour.
 */
function readBlock(image: RgbImage, bx: number, by: number): boolean {
  const { data, width, height } = image;
  let k = 0;
  if (bx + 8 <= width && by + 8 <= height) {
    for (let y = 0; y < 8; y++) {
      let i = ((by + y) * width + bx) * 3;
      for (let x = 0; x < 8; x++, i += 3) pixels[k++] = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    }
  } else {
    for (let y = 0; y < 8; y++) {
      const row = Math.min(by + y, height - 1) * width;
      for (let x = 0; x < 8; x++) {
        const i = (row + Math.min(bx + x, width - 1)) * 3;
        pixels[k++] = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      }
    }
  }
  const first = pixels[0];
  for (k = 1; k < 64; k++) if (pixels[k] !== first) return false;
  return true;
}

/** Quantised DCT of `samples` in zigzag order into `q[at .. at + 64)`. */
function transform(table: Uint8Array, q: Int16Array, at: number): void {
  // Separable DCT: rows, then columns.
  for (let y = 0; y < 8; y++) dct8(samples, temp, y * 8, 1);
  for (let u = 0; u < 8; u++) dct8(temp, coefficients, u, 8);
  for (let k = 0; k < 64; k++) {
    const natural = ZIGZAG[k];
    q[at + k] = Math.round(coefficients[natural] / table[natural]);
  }
}

/** Quantised coefficients of the Y, Cb and Cr blocks of `pixels` (not flat), 3 x 64 in zigzag order. */
function transformBlock(lumaQ: Uint8Array, chromaQ: Uint8Array, q: Int16Array): void {
  const convert = [toY, toCb, toCr];
  for (let c = 0; c < 3; c++) {
    const f = convert[c];
    // Scenes are runs of one colour: convert a colour once per run, not once per pixel.
    let previous = -1;
    let value = 0;
    for (let k = 0; k < 64; k++) {
      const p = pixels[k];
      if (p !== previous) {
        previous = p;
        value = f(p >>> 16, (p >>> 8) & 0xff, p & 0xff);
      }
      samples[k] = value;
    }
    transform(c === 0 ? lumaQ : chromaQ, q, c * 64);
  }
}

/**
 * Blocks already transformed in this picture, by content: a spritesheet repeats one scene in every
 * cell, so most edge blocks are coded before. Bounded, and an exact comparison of the 64 pixels
 * decides a hit, so the output is what transforming every block would give.
 */
interface MemoEntry {
  pixels: Uint32Array;
  q: Int16Array;
  next: MemoEntry | undefined;
}
const MEMO_LIMIT = 8192;

function hashPixels(): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < 64; k++) h = Math.imul(h ^ pixels[k], 0x01000193);
  return h >>> 0;
}

function samePixels(a: Uint32Array): boolean {
  for (let k = 0; k < 64; k++) if (a[k] !== pixels[k]) return false;
  return true;
}

let outputBuffer: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16);

function segment(out: JpegWriter, marker: number, payload: number[]): void {
  out.raw([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  out.raw(payload);
}

export function encodeJpeg(image: RgbImage, quality = JPEG_QUALITY): Uint8Array {
  const { width, height } = image;
  if (width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`encodeJpeg: ${width}x${height} is outside 1..65535`);
  }
  const lumaQ = scaledTable(LUMA_Q, quality);
  const chromaQ = scaledTable(CHROMA_Q, quality);
  const out = new JpegWriter(outputBuffer);
  out.raw([0xff, 0xd8]);
  segment(out, 0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  segment(out, 0xdb, [0x00, ...ZIGZAG.map((i) => lumaQ[i]), 0x01, ...ZIGZAG.map((i) => chromaQ[i])]);
  segment(out, 0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const table = (cls: number, spec: HuffmanSpec) => [cls, ...spec.bits, ...spec.values];
  segment(out, 0xc4, [...table(0x00, DC_LUMA), ...table(0x10, AC_LUMA), ...table(0x01, DC_CHROMA), ...table(0x11, AC_CHROMA)]);
  segment(out, 0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  const { dcLuma, acLuma, dcChroma, acChroma } = CODES;
  const memo = new Map<number, MemoEntry>();
  let memoSize = 0;
  const scratch = new Int16Array(192);
  // A flat block is coded from its DC terms alone: the DCT of a constant block is 8 x value at DC
  // and zero elsewhere. Neighbouring flat blocks mostly share a colour, so remember the last one.
  let flatColour = -1;
  let flatY = 0;
  let flatCb = 0;
  let flatCr = 0;
  let dcY = 0;
  let dcCb = 0;
  let dcCr = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      out.reserve(3 * BLOCK_MAX_BYTES);
      if (readBlock(image, bx, by)) {
        const c = pixels[0];
        if (c !== flatColour) {
          flatColour = c;
          const r = c >>> 16;
          const g = (c >>> 8) & 0xff;
          const b = c & 0xff;
          flatY = Math.round((8 * toY(r, g, b)) / lumaQ[0]);
          flatCb = Math.round((8 * toCb(r, g, b)) / chromaQ[0]);
          flatCr = Math.round((8 * toCr(r, g, b)) / chromaQ[0]);
        }
        dcY = encodeFlat(out, flatY - dcY, dcLuma, acLuma) + dcY;
        dcCb = encodeFlat(out, flatCb - dcCb, dcChroma, acChroma) + dcCb;
        dcCr = encodeFlat(out, flatCr - dcCr, dcChroma, acChroma) + dcCr;
        continue;
      }
      const hash = hashPixels();
      let entry = memo.get(hash);
      while (entry && !samePixels(entry.pixels)) entry = entry.next;
      let q: Int16Array;
      if (entry) {
        q = entry.q;
      } else if (memoSize < MEMO_LIMIT) {
        q = new Int16Array(192);
        transformBlock(lumaQ, chromaQ, q);
        memo.set(hash, { pixels: pixels.slice(), q, next: memo.get(hash) });
        memoSize++;
      } else {
        q = scratch;
        transformBlock(lumaQ, chromaQ, q);
      }
      dcY = encodeBlock(out, q, 0, dcY, dcLuma, acLuma);
      dcCb = encodeBlock(out, q, 64, dcCb, dcChroma, acChroma);
      dcCr = encodeBlock(out, q, 128, dcCr, dcChroma, acChroma);
    }
  }
  out.flush();
  out.raw([0xff, 0xd9]);
  // Keep the (grown) buffer for the next picture: fresh megabytes cost page faults on every call.
  outputBuffer = out.bytes;
  return out.result();
}

/** A block whose only non-zero coefficient is DC: its difference, then end of block. Returns `diff`. */
function encodeFlat(out: JpegWriter, diff: number, dc: HuffmanCodes, ac: HuffmanCodes): number {
  const size = category(diff);
  out.put(dc.code[size], dc.length[size]);
  if (size > 0) out.put(diff < 0 ? diff + (1 << size) - 1 : diff, size);
  out.put(ac.code[0x00], ac.length[0x00]);
  return diff;
}
