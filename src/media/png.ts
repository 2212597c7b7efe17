/**
 * PNG output (8-bit RGB), with a deflate writer specialised for the scene.
 *
 * Why not fast-png here: it copies every byte through IOBuffer.writeByte and then deflates with a
 * general-purpose hash-chain search; for a 1536x1024 scene that measured ~165 ms, against a 60 ms
 * budget. This writer knows what scenes look like: with the PNG "Up" filter every row equal to the
 * row above becomes zeros, and the rest are runs. So the only back-references it looks for are
 * distance 1 (runs of a byte), 3 (runs of a pixel) and one row back, coded with deflate's fixed
 * Huffman table: linear time, no hashing, and still a valid PNG for any picture (unmatched bytes
 * are literals).
 */
import type { RgbImage } from './scene.js';
import { BitWriter } from './webp.js';

const MAX_MATCH = 258;
const MIN_MATCH = 3;
const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const MAX_DISTANCE = 32768;

function reverse(code: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) r = (r << 1) | ((code >> i) & 1);
  return r;
}

/** Deflate's fixed literal/length code (RFC 1951 3.2.6), bit-reversed for the LSB-first writer. */
const FIXED = (() => {
  const codes = new Uint16Array(288);
  const lengths = new Uint8Array(288);
  for (let v = 0; v < 288; v++) {
    const [code, len] = v < 144 ? [0x30 + v, 8] : v < 256 ? [0x190 + v - 144, 9] : v < 280 ? [v - 256, 7] : [0xc0 + v - 280, 8];
    codes[v] = reverse(code, len);
    lengths[v] = len;
  }
  return { codes, lengths };
})();

/** For each match length 3..258: its length symbol index (0..28). */
const LENGTH_SYMBOL = (() => {
  const table = new Uint8Array(MAX_MATCH + 1);
  for (let s = 0; s < LENGTH_BASE.length; s++) {
    const end = s + 1 < LENGTH_BASE.length ? LENGTH_BASE[s + 1] : MAX_MATCH + 1;
    for (let l = LENGTH_BASE[s]; l < end && l <= MAX_MATCH; l++) table[l] = s;
  }
  table[MAX_MATCH] = 28; // 258 has its own code (285), not 284 + extra bits
  return table;
})();

function writeLiteral(w: BitWriter, v: number): void {
  w.write(FIXED.codes[v], FIXED.lengths[v]);
}

function writeMatch(w: BitWriter, length: number, distance: number): void {
  const s = LENGTH_SYMBOL[length];
  writeLiteral(w, 257 + s);
  if (LENGTH_EXTRA[s]) w.write(length - LENGTH_BASE[s], LENGTH_EXTRA[s]);
  let d = DIST_BASE.length - 1;
  while (DIST_BASE[d] > distance) d--;
  w.write(reverse(d, 5), 5);
  if (DIST_EXTRA[d]) w.write(distance - DIST_BASE[d], DIST_EXTRA[d]);
}

/** One fixed-Huffman deflate block over `data`, trying the given match distances at each byte. */
function deflateFixed(data: Uint8Array, distances: number[]): Uint8Array {
  const w = new BitWriter();
  w.write(1, 1); // BFINAL
  w.write(1, 2); // BTYPE = fixed Huffman
  const n = data.length;
  for (let i = 0; i < n; ) {
    let best = 0;
    let bestDistance = 0;
    const limit = Math.min(MAX_MATCH, n - i);
    for (const d of distances) {
      if (d > i || d > MAX_DISTANCE) continue;
      let l = 0;
      while (l < limit && data[i + l] === data[i + l - d]) l++;
      if (l > best) {
        best = l;
        bestDistance = d;
        if (l === limit) break;
      }
    }
    if (best >= MIN_MATCH) {
      writeMatch(w, best, bestDistance);
      i += best;
    } else {
      writeLiteral(w, data[i++]);
    }
  }
  writeLiteral(w, 256); // end of block
  return w.finish();
}

function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    // 5552 is the largest n for which the sums cannot overflow 2^32 before the modulo (zlib's NMAX).
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

/**
 * The filtered rows are a few megabytes that live only during one call; reusing one buffer (calls are
 * synchronous) keeps the mock from handing the garbage collector megabytes per image, which showed as
 * 30 ms pauses in bench:media.
 */
let scratch = new Uint8Array(0);

export function encodePng(image: RgbImage): Uint8Array {
  const { width, height, data } = image;
  const stride = width * 3;
  const size = (stride + 1) * height;
  if (scratch.length < size) scratch = new Uint8Array(size);
  // Filter: None for the first row, Up for the others (rows equal to the row above become zeros).
  const filtered = scratch.subarray(0, size);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    const row = y * stride;
    if (y === 0) {
      filtered[0] = 0;
      filtered.set(data.subarray(0, stride), 1);
      continue;
    }
    filtered[o] = 2;
    for (let x = 0; x < stride; x++) filtered[o + 1 + x] = (data[row + x] - data[row - stride + x]) & 255;
  }
  const deflated = deflateFixed(filtered, [1, 3, stride + 1]);
  const zlib = new Uint8Array(2 + deflated.length + 4);
  zlib[0] = 0x78; // deflate, 32 KiB window
  zlib[1] = 0x01; // no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 == 0
  zlib.set(deflated, 2);
  new DataView(zlib.buffer).setUint32(2 + deflated.length, adler32(filtered));

  const ihdr = new Uint8Array(13);
  const hv = new DataView(ihdr.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour RGB, deflate, adaptive filtering, no interlace
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
