/**
 * JPEG output (spritesheets): a small baseline encoder (JFIF, 4:4:4, Huffman tables of ITU-T T.81
 * Annex K).
 *
 * Why not jpeg-js: it runs a full DCT on every 8x8 block, and a spritesheet of the scene is almost all
 * flat colour, so it spent ~140 ms per 1120x640 sheet on arithmetic whose answer is known. Here a block
 * whose 64 samples are equal is coded from its DC term alone (its DCT is `8 x value`, every AC term
 * zero), and only the blocks on shape edges go through the DCT. Output is deterministic and decodes with
 * any baseline decoder.
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

class BitSink {
  private bytes = new Uint8Array(1 << 16);
  private size = 0;
  private acc = 0;
  private count = 0;

  byte(b: number): void {
    if (this.size === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.size++] = b;
  }

  raw(data: ArrayLike<number>): void {
    for (let i = 0; i < data.length; i++) this.byte(data[i]);
  }

  /** Entropy-coded bits, most significant first, with 0xFF byte stuffing. */
  bits(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >>> i) & 1);
      if (++this.count === 8) {
        this.byte(this.acc);
        if (this.acc === 0xff) this.byte(0);
        this.acc = 0;
        this.count = 0;
      }
    }
  }

  /** Pad the last byte with 1 bits, as T.81 F.1.2.3 asks. */
  flush(): void {
    if (this.count > 0) this.bits((1 << (8 - this.count)) - 1, 8 - this.count);
  }

  result(): Uint8Array {
    return this.bytes.slice(0, this.size);
  }
}

/** Magnitude category of a coefficient and its additional bits (T.81 F.1.2.1). */
function category(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a > 0) {
    n++;
    a >>= 1;
  }
  return n;
}

function writeValue(sink: BitSink, v: number, size: number): void {
  if (size > 0) sink.bits(v < 0 ? v + (1 << size) - 1 : v, size);
}

const blockY = new Float64Array(64);
const blockCb = new Float64Array(64);
const blockCr = new Float64Array(64);
const temp = new Float64Array(64);
const coefficients = new Float64Array(64);
const quantised = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/**
 * Read the 8x8 block at (bx, by) as level-shifted Y, Cb, Cr (JFIF full-range BT.601); blocks past the
 * right or bottom edge repeat the last column or row. Returns whether all 64 pixels are one colour.
 */
function readBlock(image: RgbImage, bx: number, by: number): boolean {
  const { data, width, height } = image;
  const first = (Math.min(by, height - 1) * width + Math.min(bx, width - 1)) * 3;
  const fr = data[first];
  const fg = data[first + 1];
  const fb = data[first + 2];
  let flat = true;
  // Scenes are runs of one colour: convert a colour once per run, not once per pixel.
  let pr = -1;
  let pg = -1;
  let pb = -1;
  let vy = 0;
  let vcb = 0;
  let vcr = 0;
  for (let y = 0; y < 8; y++) {
    const row = Math.min(by + y, height - 1) * width;
    for (let x = 0; x < 8; x++) {
      const i = (row + Math.min(bx + x, width - 1)) * 3;
      const r = data[i];
      const g = data[i + 1];
      const b = data[i + 2];
      if (r !== pr || g !== pg || b !== pb) {
        pr = r;
        pg = g;
        pb = b;
        vy = 0.299 * r + 0.587 * g + 0.114 * b - 128;
        vcb = -0.168736 * r - 0.331264 * g + 0.5 * b;
        vcr = 0.5 * r - 0.418688 * g - 0.081312 * b;
        if (r !== fr || g !== fg || b !== fb) flat = false;
      }
      const k = y * 8 + x;
      blockY[k] = vy;
      blockCb[k] = vcb;
      blockCr[k] = vcr;
    }
  }
  return flat;
}

/** Quantised coefficients of one component block, in zigzag order, into `out`. */
function transformBlock(block: Float64Array, flat: boolean, table: Uint8Array, out: Int32Array): void {
  if (flat) {
    // The DCT of a constant block is 8 x value at DC and zero elsewhere.
    out.fill(0);
    out[0] = Math.round((8 * block[0]) / table[0]);
    return;
  }
  // Separable DCT: rows, then columns.
  for (let y = 0; y < 8; y++) dct8(block, temp, y * 8, 1);
  for (let u = 0; u < 8; u++) dct8(temp, coefficients, u, 8);
  for (let k = 0; k < 64; k++) {
    const natural = ZIGZAG[k];
    out[k] = Math.round(coefficients[natural] / table[natural]);
  }
}

function encodeBlock(sink: BitSink, quantised: Int32Array, previousDc: number, dc: HuffmanCodes, ac: HuffmanCodes): number {
  const diff = quantised[0] - previousDc;
  const size = category(diff);
  sink.bits(dc.code[size], dc.length[size]);
  writeValue(sink, diff, size);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = quantised[k];
    if (v === 0) {
      run++;
      continue;
    }
    while (run > 15) {
      sink.bits(ac.code[0xf0], ac.length[0xf0]);
      run -= 16;
    }
    const s = category(v);
    const symbol = (run << 4) | s;
    sink.bits(ac.code[symbol], ac.length[symbol]);
    writeValue(sink, v, s);
    run = 0;
  }
  if (run > 0) sink.bits(ac.code[0x00], ac.length[0x00]);
  return quantised[0];
}

function segment(sink: BitSink, marker: number, payload: number[]): void {
  sink.raw([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff]);
  sink.raw(payload);
}

export function encodeJpeg(image: RgbImage, quality = JPEG_QUALITY): Uint8Array {
  const { width, height } = image;
  if (width < 1 || height < 1 || width > 65535 || height > 65535) {
    throw new RangeError(`encodeJpeg: ${width}x${height} is outside 1..65535`);
  }
  const lumaQ = scaledTable(LUMA_Q, quality);
  const chromaQ = scaledTable(CHROMA_Q, quality);
  const sink = new BitSink();
  sink.raw([0xff, 0xd8]);
  segment(sink, 0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  segment(sink, 0xdb, [0x00, ...ZIGZAG.map((i) => lumaQ[i]), 0x01, ...ZIGZAG.map((i) => chromaQ[i])]);
  segment(sink, 0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  const table = (cls: number, spec: HuffmanSpec) => [cls, ...spec.bits, ...spec.values];
  segment(sink, 0xc4, [...table(0x00, DC_LUMA), ...table(0x10, AC_LUMA), ...table(0x01, DC_CHROMA), ...table(0x11, AC_CHROMA)]);
  segment(sink, 0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0]);

  let dcY = 0;
  let dcCb = 0;
  let dcCr = 0;
  const [qy, qcb, qcr] = quantised;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      const flat = readBlock(image, bx, by);
      transformBlock(blockY, flat, lumaQ, qy);
      transformBlock(blockCb, flat, chromaQ, qcb);
      transformBlock(blockCr, flat, chromaQ, qcr);
      dcY = encodeBlock(sink, qy, dcY, CODES.dcLuma, CODES.acLuma);
      dcCb = encodeBlock(sink, qcb, dcCb, CODES.dcChroma, CODES.acChroma);
      dcCr = encodeBlock(sink, qcr, dcCr, CODES.dcChroma, CODES.acChroma);
    }
  }
  sink.flush();
  sink.raw([0xff, 0xd9]);
  return sink.result();
}
