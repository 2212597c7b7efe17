/**
 * A small lossless WebP (VP8L) encoder, written here because no maintained pure-JS WebP encoder
 * exists (the usual options are native bindings or a multi-megabyte WASM build of libwebp).
 *
 * Scope, per the WebP lossless bitstream specification (RFC 9649):
 *   - RIFF container with one `VP8L` chunk; no transforms, no colour cache, one prefix-code group;
 *   - backward references to the pixel on the left (distance code 2 = plane offset (1,0)) and to the
 *     pixel above (distance code 1 = plane offset (0,1)), which is all a scene of flat rectangles
 *     needs: a row equal to the row above becomes one copy;
 *   - canonical prefix codes built from the token histograms, lengths limited to 15 (7 for the
 *     code-length code), written as "simple" codes when at most two small symbols are used.
 * Output is a pure function of the pixels, so it is deterministic.
 */
import type { RgbImage } from './scene.js';

const MAX_COPY_LENGTH = 4096;
const MIN_COPY_LENGTH = 3;
const NUM_LENGTH_CODES = 24;
const GREEN_ALPHABET = 256 + NUM_LENGTH_CODES; // no colour cache
const DISTANCE_ALPHABET = 40;
const CODE_LENGTH_ORDER = [17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const PLANE_CODE_ABOVE = 1;
const PLANE_CODE_LEFT = 2;

/** LSB-first bit writer, shared with the PNG writer: VP8L and deflate pack bits the same way. */
export class BitWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private acc = 0;
  private bits = 0;

  /** Append the low `n` bits of `value` (n <= 24), least significant first. */
  write(value: number, n: number): void {
    this.acc = (this.acc | (value << this.bits)) >>> 0;
    this.bits += n;
    while (this.bits >= 8) {
      if (this.len === this.buf.length) {
        const grown = new Uint8Array(this.buf.length * 2);
        grown.set(this.buf);
        this.buf = grown;
      }
      this.buf[this.len++] = this.acc & 255;
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  finish(): Uint8Array {
    if (this.bits > 0) this.write(0, 8 - this.bits);
    return this.buf.slice(0, this.len);
  }
}

/** A prefix code ready for writing: per symbol, its bit-reversed code and length (0 = not written). */
interface PrefixCode {
  lengths: Uint8Array;
  codes: Uint16Array;
}

/**
 * Huffman code lengths for `freq`, at most `maxLength` bits. When the tree is too deep the
 * frequencies are flattened (halved, floored at 1) and the tree rebuilt: simple, and the result is
 * still a complete code, which decoders require.
 */
export function huffmanLengths(freq: ArrayLike<number>, maxLength: number): Uint8Array {
  const n = freq.length;
  const lengths = new Uint8Array(n);
  let weights = Array.from(freq);
  const used = weights.map((f, s) => (f > 0 ? s : -1)).filter((s) => s >= 0);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  for (;;) {
    // Two-queue Huffman construction over leaves sorted by (weight, symbol): deterministic ties.
    const leaves = used.slice().sort((a, b) => weights[a] - weights[b] || a - b);
    const parent = new Int32Array(leaves.length * 2);
    const weight = new Float64Array(leaves.length * 2);
    leaves.forEach((s, i) => (weight[i] = weights[s]));
    let nextLeaf = 0;
    let nextNode = leaves.length;
    let nodes = leaves.length;
    const take = (): number => {
      if (nextLeaf < leaves.length && (nextNode >= nodes || weight[nextLeaf] <= weight[nextNode])) return nextLeaf++;
      return nextNode++;
    };
    while (nodes < 2 * leaves.length - 1) {
      const a = take();
      const b = take();
      weight[nodes] = weight[a] + weight[b];
      parent[a] = nodes;
      parent[b] = nodes;
      nodes++;
    }
    const root = nodes - 1;
    const depth = new Int32Array(nodes);
    for (let i = root - 1; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
    let deepest = 0;
    leaves.forEach((s, i) => {
      lengths[s] = depth[i];
      deepest = Math.max(deepest, depth[i]);
    });
    if (deepest <= maxLength) return lengths;
    weights = weights.map((w) => (w > 0 ? Math.max(1, w >> 1) : 0));
  }
}

function reverseBits(code: number, length: number): number {
  let r = 0;
  for (let i = 0; i < length; i++) {
    r = (r << 1) | (code & 1);
    code >>= 1;
  }
  return r;
}

/** Canonical codes (shorter first, then by symbol), bit-reversed because the stream is LSB-first. */
function canonicalCode(lengths: Uint8Array): PrefixCode {
  const count = new Uint16Array(16);
  let used = 0;
  for (const l of lengths) if (l) (count[l]++, used++);
  const next = new Uint16Array(16);
  let code = 0;
  for (let len = 1; len < 16; len++) {
    code = (code + count[len - 1]) << 1;
    next[len] = code;
  }
  const codes = new Uint16Array(lengths.length);
  const written = new Uint8Array(lengths.length);
  lengths.forEach((l, s) => {
    if (!l) return;
    codes[s] = reverseBits(next[l]++, l);
    // A code with a single symbol costs zero bits per symbol in VP8L decoders.
    written[s] = used === 1 ? 0 : l;
  });
  return { lengths: written, codes };
}

function writeSymbol(w: BitWriter, code: PrefixCode, symbol: number): void {
  const len = code.lengths[symbol];
  if (len) w.write(code.codes[symbol], len);
}

/** Write the code for histogram `freq` and return it. */
function writePrefixCode(w: BitWriter, freq: Uint32Array): PrefixCode {
  const used: number[] = [];
  for (let s = 0; s < freq.length && used.length <= 2; s++) if (freq[s]) used.push(s);
  if (used.length <= 2 && used.every((s) => s < 256)) {
    const symbols = used.length ? used : [0];
    w.write(1, 1); // simple code
    w.write(symbols.length - 1, 1);
    const firstWide = symbols[0] > 1 ? 1 : 0;
    w.write(firstWide, 1);
    w.write(symbols[0], firstWide ? 8 : 1);
    if (symbols.length === 2) w.write(symbols[1], 8);
    const lengths = new Uint8Array(freq.length);
    for (const s of symbols) lengths[s] = 1;
    return canonicalCode(lengths);
  }
  const lengths = huffmanLengths(freq, 15);
  writeNormalCode(w, lengths);
  return canonicalCode(lengths);
}

/** Code lengths as code-length symbols: 0..15 literal, 16 = repeat previous 3..6, 17/18 = zeros. */
function runLengthTokens(lengths: Uint8Array): Array<[symbol: number, extra: number, extraBits: number]> {
  const tokens: Array<[number, number, number]> = [];
  let i = 0;
  while (i < lengths.length) {
    const v = lengths[i];
    let run = 1;
    while (i + run < lengths.length && lengths[i + run] === v) run++;
    i += run;
    if (v === 0) {
      while (run >= 11) {
        const n = Math.min(run, 138);
        tokens.push([18, n - 11, 7]);
        run -= n;
      }
      if (run >= 3) {
        tokens.push([17, run - 3, 3]);
        run = 0;
      }
      for (; run > 0; run--) tokens.push([0, 0, 0]);
    } else {
      tokens.push([v, 0, 0]);
      run--;
      while (run >= 3) {
        const n = Math.min(run, 6);
        tokens.push([16, n - 3, 2]);
        run -= n;
      }
      for (; run > 0; run--) tokens.push([v, 0, 0]);
    }
  }
  return tokens;
}

function writeNormalCode(w: BitWriter, lengths: Uint8Array): void {
  const tokens = runLengthTokens(lengths);
  const freq = new Uint32Array(19);
  for (const [s] of tokens) freq[s]++;
  const clLengths = huffmanLengths(freq, 7);
  let count = 19;
  while (count > 4 && clLengths[CODE_LENGTH_ORDER[count - 1]] === 0) count--;
  w.write(0, 1); // normal code
  w.write(count - 4, 4);
  for (let i = 0; i < count; i++) w.write(clLengths[CODE_LENGTH_ORDER[i]], 3);
  w.write(0, 1); // no max_symbol: the lengths of the whole alphabet follow
  const clCode = canonicalCode(clLengths);
  for (const [s, extra, bits] of tokens) {
    writeSymbol(w, clCode, s);
    if (bits) w.write(extra, bits);
  }
}

/** Length/distance values as (prefix symbol, extra bits): value v >= 1, d = v - 1. */
function prefixOf(value: number): { symbol: number; extra: number; bits: number } {
  const d = value - 1;
  if (d < 4) return { symbol: d, extra: 0, bits: 0 };
  const high = 31 - Math.clz32(d);
  const second = (d >> (high - 1)) & 1;
  const bits = high - 1;
  return { symbol: 2 * high + second, extra: d & ((1 << bits) - 1), bits };
}

/** Encode an RGB image as a lossless WebP file. */
export function encodeWebpLossless(image: RgbImage): Uint8Array {
  const { width, height, data } = image;
  if (width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw new RangeError(`encodeWebpLossless: size ${width}x${height} is outside 1..16384`);
  }
  const n = width * height;
  const argb = new Uint32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) argb[i] = (0xff000000 | (data[p] << 16) | (data[p + 1] << 8) | data[p + 2]) >>> 0;

  // Tokens: a literal stores its pixel index as -(i+1); a copy stores (length << 2 | plane code).
  const tokens = new Int32Array(n);
  let tokenCount = 0;
  for (let i = 0; i < n; ) {
    let best = 0;
    let plane = 0;
    const limit = Math.min(MAX_COPY_LENGTH, n - i);
    if (i >= width) {
      let l = 0;
      while (l < limit && argb[i + l] === argb[i + l - width]) l++;
      if (l > best) (best = l), (plane = PLANE_CODE_ABOVE);
    }
    if (i >= 1 && best < limit) {
      let l = 0;
      while (l < limit && argb[i + l] === argb[i - 1]) l++;
      if (l > best) (best = l), (plane = PLANE_CODE_LEFT);
    }
    if (best >= MIN_COPY_LENGTH) {
      tokens[tokenCount++] = (best << 2) | plane;
      i += best;
    } else {
      tokens[tokenCount++] = -(i + 1);
      i++;
    }
  }

  const green = new Uint32Array(GREEN_ALPHABET);
  const red = new Uint32Array(256);
  const blue = new Uint32Array(256);
  const alpha = new Uint32Array(256);
  const dist = new Uint32Array(DISTANCE_ALPHABET);
  for (let t = 0; t < tokenCount; t++) {
    const tok = tokens[t];
    if (tok < 0) {
      const px = argb[-tok - 1];
      green[(px >>> 8) & 255]++;
      red[(px >>> 16) & 255]++;
      blue[px & 255]++;
      alpha[px >>> 24]++;
    } else {
      green[256 + prefixOf(tok >> 2).symbol]++;
      dist[prefixOf(tok & 3).symbol]++;
    }
  }

  const w = new BitWriter();
  w.write(0x2f, 8); // VP8L signature
  w.write(width - 1, 14);
  w.write(height - 1, 14);
  w.write(0, 1); // alpha_is_used: every pixel is opaque
  w.write(0, 3); // version
  w.write(0, 1); // no transform
  w.write(0, 1); // no colour cache
  w.write(0, 1); // no meta prefix codes
  const gCode = writePrefixCode(w, green);
  const rCode = writePrefixCode(w, red);
  const bCode = writePrefixCode(w, blue);
  const aCode = writePrefixCode(w, alpha);
  const dCode = writePrefixCode(w, dist);
  for (let t = 0; t < tokenCount; t++) {
    const tok = tokens[t];
    if (tok < 0) {
      const px = argb[-tok - 1];
      writeSymbol(w, gCode, (px >>> 8) & 255);
      writeSymbol(w, rCode, (px >>> 16) & 255);
      writeSymbol(w, bCode, px & 255);
      writeSymbol(w, aCode, px >>> 24);
    } else {
      const len = prefixOf(tok >> 2);
      writeSymbol(w, gCode, 256 + len.symbol);
      if (len.bits) w.write(len.extra, len.bits);
      const d = prefixOf(tok & 3);
      writeSymbol(w, dCode, d.symbol);
      if (d.bits) w.write(d.extra, d.bits);
    }
  }
  return riff(w.finish());
}

function riff(vp8l: Uint8Array): Uint8Array {
  const padded = vp8l.length + (vp8l.length & 1);
  const out = new Uint8Array(20 + padded);
  const view = new DataView(out.buffer);
  const ascii = (offset: number, s: string) => {
    for (let i = 0; i < 4; i++) out[offset + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 12 + padded, true);
  ascii(8, 'WEBP');
  ascii(12, 'VP8L');
  view.setUint32(16, vp8l.length, true);
  out.set(vp8l, 20);
  return out;
}
