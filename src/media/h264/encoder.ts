/**
 * A lossless H.264 encoder for pictures described macroblock by macroblock (see types.ts).
 *
 * Every picture is one slice. IDR pictures code each macroblock as Intra_16x16 with zero residual
 * when a prediction mode reproduces its flat colour exactly (predict.ts), else as I_PCM. P pictures
 * code unchanged macroblocks as P_Skip and changed ones as intra macroblocks the same way.
 *
 * Why P_Skip always copies the co-located macroblock: its motion vector is predicted from neighbours
 * (8.4.1.1), and every macroblock this encoder emits has a zero vector (intra ones count as refIdx -1
 * with a zero vector, P_Skip ones inherit a prediction from zero vectors). By induction every
 * prediction, median or not, is the zero vector, so no skip run can pick up motion, next to intra
 * macroblocks or anywhere else.
 */
import { BitWriter } from './bitwriter.js';
import { NAL_IDR, NAL_SLICE, lengthPrefixedNal } from './nal.js';
import { avcDecoderConfig, codecString, levelFor, ppsNal, spsNal } from './params.js';
import { NO_EXACT_PREDICTION, exactIntraModes } from './predict.js';
import type { MbContent, VideoFrameSource } from './types.js';

/** mb_type offsets (Table 7-11): I_16x16_<pred>_0_0 is 1 + pred; I_PCM is 25. P slices add 5 (Table 7-13). */
const MB_I16X16_BASE = 1;
const MB_I_PCM = 25;
const P_INTRA_OFFSET = 5;
const SLICE_P = 5;
const SLICE_I = 7;

export interface EncodedFrame {
  /** One MP4 sample: the picture's slice NAL unit with a 4-byte length prefix. */
  data: Uint8Array;
  key: boolean;
  /** Macroblocks coded by exact intra prediction, as I_PCM, and skipped, in this picture. */
  predicted: number;
  pcm: number;
  skipped: number;
}

export interface H264StreamInfo {
  /** RFC 6381 codec string, e.g. `avc1.42c028`. */
  codec: string;
  level: number;
  /** SPS and PPS NAL units (no start code, no length prefix). */
  sps: Uint8Array;
  pps: Uint8Array;
  /** AVCDecoderConfigurationRecord: the MP4 `avcC` payload / WebCodecs `description`. */
  avcC: Uint8Array;
}

export interface H264EncoderOptions {
  fps: number;
  keyframeInterval: number;
}

/** Check a macroblock's shape and keep its values where I_PCM may carry them (integers 1..255). */
function normalise(c: MbContent, frame: number, mbx: number, mby: number): MbContent {
  if (c.kind === 'flat') {
    if (isPcmSample(c.y) && isPcmSample(c.cb) && isPcmSample(c.cr)) return c;
    return { kind: 'flat', y: clampSample(c.y), cb: clampSample(c.cb), cr: clampSample(c.cr) };
  }
  if (c.y.length !== 256 || c.cb.length !== 64 || c.cr.length !== 64) {
    throw new RangeError(
      `encodeH264: macroblock (${mbx}, ${mby}) of frame ${frame} has ${c.y.length}/${c.cb.length}/${c.cr.length} ` +
        'luma/Cb/Cr samples; expected 256/64/64',
    );
  }
  if (c.y.includes(0) || c.cb.includes(0) || c.cr.includes(0)) {
    // Early H.264 editions forbid pcm_sample values of 0 and some hardware decoders still reject them.
    return { kind: 'samples', y: c.y.map(clampSample), cb: c.cb.map(clampSample), cr: c.cr.map(clampSample) };
  }
  return c;
}

function isPcmSample(v: number): boolean {
  return Number.isInteger(v) && v >= 1 && v <= 255;
}

function clampSample(v: number): number {
  return Number.isNaN(v) ? 128 : Math.min(255, Math.max(1, Math.round(v)));
}

/** Bits of frame_num: enough that it does not wrap within a GOP (wrapping is legal, just less tidy). */
function log2MaxFrameNumFor(keyframeInterval: number): number {
  return Math.min(16, Math.max(4, Math.ceil(Math.log2(keyframeInterval + 1))));
}

/**
 * coeff_token for TotalCoeff = 0, TrailingOnes = 0 (Table 9-5), by the nC range it is read with.
 * Intra_16x16 always carries its luma DC block, so even a zero residual needs this code.
 */
function writeNoCoefficients(w: BitWriter, nC: number): void {
  if (nC < 2) w.u(1, 0b1);
  else if (nC < 4) w.u(2, 0b11);
  else if (nC < 8) w.u(4, 0b1111);
  else w.u(6, 0b000011);
}

export class H264Encoder {
  readonly info: H264StreamInfo;
  private readonly source: VideoFrameSource;
  private readonly keyframeInterval: number;
  private readonly log2MaxFrameNum: number;
  private readonly total: number;
  /** Content of every macroblock in the picture being coded (equal to its reconstruction). */
  private readonly cur: MbContent[];
  /** frame + 1 for macroblocks coded (not skipped) in that frame. */
  private readonly codedIn: Int32Array;
  /** 1 where the macroblock was last coded as I_PCM (TotalCoeff counts 16 for nC, 9.2.1). */
  private readonly isPcm: Uint8Array;
  private readonly writer = new BitWriter(1 << 18);
  private readonly pcmScratch = new Uint8Array(384);
  private pcmCount = 0;

  constructor(source: VideoFrameSource, options: H264EncoderOptions) {
    const { widthMbs, heightMbs, frameCount } = source;
    for (const [name, v] of [
      ['widthMbs', widthMbs],
      ['heightMbs', heightMbs],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`H264Encoder: ${name} must be a positive integer, got ${v}`);
    }
    if (!Number.isInteger(frameCount) || frameCount < 0) {
      throw new RangeError(`H264Encoder: frameCount must be a non-negative integer, got ${frameCount}`);
    }
    if (!(options.fps > 0) || !Number.isFinite(options.fps)) {
      throw new RangeError(`H264Encoder: fps must be a positive number, got ${options.fps}`);
    }
    if (!Number.isInteger(options.keyframeInterval) || options.keyframeInterval < 1) {
      throw new RangeError(`H264Encoder: keyframeInterval must be a positive integer, got ${options.keyframeInterval}`);
    }
    this.source = source;
    this.keyframeInterval = options.keyframeInterval;
    this.log2MaxFrameNum = log2MaxFrameNumFor(options.keyframeInterval);
    this.total = widthMbs * heightMbs;
    this.cur = new Array<MbContent>(this.total);
    this.codedIn = new Int32Array(this.total);
    this.isPcm = new Uint8Array(this.total);
    const level = levelFor(widthMbs, heightMbs, options.fps);
    const sps = spsNal({ widthMbs, heightMbs, fps: options.fps, log2MaxFrameNum: this.log2MaxFrameNum });
    const pps = ppsNal();
    this.info = { codec: codecString(level), level, sps, pps, avcC: avcDecoderConfig(sps, pps) };
  }

  /** Encode every frame of the source in order; each item is one MP4 sample. */
  *frames(): Generator<EncodedFrame> {
    const { widthMbs: W, heightMbs: H, frameCount } = this.source;
    let frameNum = 0;
    let idrCount = 0;
    for (let f = 0; f < frameCount; f++) {
      const key = f % this.keyframeInterval === 0;
      let changed: number[] = [];
      if (f === 0) {
        for (let mby = 0, i = 0; mby < H; mby++) {
          for (let mbx = 0; mbx < W; mbx++, i++) this.cur[i] = normalise(this.source.mb(0, mbx, mby), 0, mbx, mby);
        }
      } else {
        changed = this.fetchChanged(f);
      }
      const w = this.writer;
      w.reset();
      this.pcmCount = 0;
      frameNum = key ? 0 : (frameNum + 1) % (1 << this.log2MaxFrameNum);
      this.sliceHeader(key, frameNum, idrCount);
      if (key) {
        for (let i = 0; i < this.total; i++) this.intraMb(i, f, 0);
        idrCount++;
      } else {
        let prev = -1;
        for (const i of changed) {
          w.ue(i - prev - 1); // mb_skip_run
          this.intraMb(i, f, P_INTRA_OFFSET);
          prev = i;
        }
        if (prev < this.total - 1) w.ue(this.total - 1 - prev);
      }
      w.trailingBits();
      yield {
        data: lengthPrefixedNal(key ? 3 : 2, key ? NAL_IDR : NAL_SLICE, w.view()),
        key,
        predicted: (key ? this.total : changed.length) - this.pcmCount,
        pcm: this.pcmCount,
        skipped: key ? 0 : this.total - changed.length,
      };
    }
  }

  /** Update `cur` with frame f's changed macroblocks; returns their indices sorted and unique. */
  private fetchChanged(f: number): number[] {
    const W = this.source.widthMbs;
    const list: number[] = [];
    for (const i of this.source.changed(f)) {
      if (!Number.isInteger(i) || i < 0 || i >= this.total) {
        throw new RangeError(`H264Encoder: changed(${f}) listed macroblock index ${i}; expected 0..${this.total - 1}`);
      }
      list.push(i);
    }
    list.sort((a, b) => a - b);
    let n = 0;
    for (let k = 0; k < list.length; k++) {
      const i = list[k];
      if (n > 0 && list[n - 1] === i) continue;
      list[n++] = i;
      const mbx = i % W;
      const mby = (i - mbx) / W;
      this.cur[i] = normalise(this.source.mb(f, mbx, mby), f, mbx, mby);
    }
    list.length = n;
    return list;
  }

  private sliceHeader(key: boolean, frameNum: number, idrCount: number): void {
    const w = this.writer;
    w.ue(0); // first_mb_in_slice
    w.ue(key ? SLICE_I : SLICE_P);
    w.ue(0); // pic_parameter_set_id
    w.u(this.log2MaxFrameNum, frameNum);
    // Consecutive IDR pictures must differ in idr_pic_id (7.4.3).
    if (key) w.ue(idrCount & 0xffff);
    else {
      w.flag(false); // num_ref_idx_active_override_flag
      w.flag(false); // ref_pic_list_modification_flag_l0
    }
    if (key) {
      w.flag(false); // no_output_of_prior_pics_flag
      w.flag(false); // long_term_reference_flag
    } else {
      w.flag(false); // adaptive_ref_pic_marking_mode_flag: sliding window
    }
    w.se(0); // slice_qp_delta
    // Deblocking off keeps prediction-exact and PCM macroblocks exactly as coded.
    w.ue(1); // disable_deblocking_filter_idc
  }

  /** macroblock_layer() of an intra macroblock; `typeOffset` is 0 in I slices and 5 in P slices. */
  private intraMb(i: number, f: number, typeOffset: number): void {
    const w = this.writer;
    const W = this.source.widthMbs;
    const c = this.cur[i];
    const hasLeft = i % W !== 0;
    const hasTop = i >= W;
    const left = hasLeft ? this.cur[i - 1] : undefined;
    const top = hasTop ? this.cur[i - W] : undefined;
    const modes = c.kind === 'flat' ? exactIntraModes(c, left, top) : NO_EXACT_PREDICTION;
    this.codedIn[i] = f + 1;
    if (modes !== NO_EXACT_PREDICTION) {
      this.isPcm[i] = 0;
      w.ue(typeOffset + MB_I16X16_BASE + (modes >> 2)); // mb_type I_16x16_<mode>_0_0
      w.ue(modes & 3); // intra_chroma_pred_mode
      w.se(0); // mb_qp_delta
      // nC of the Intra16x16DCLevel block (9.2.1): neighbours' TotalCoeff is 16 for I_PCM, 0 for
      // skipped or residual-free macroblocks.
      const nA = hasLeft && this.codedIn[i - 1] === f + 1 && this.isPcm[i - 1] === 1 ? 16 : 0;
      const nB = hasTop && this.codedIn[i - W] === f + 1 && this.isPcm[i - W] === 1 ? 16 : 0;
      const nC = hasLeft && hasTop ? (nA + nB + 1) >> 1 : hasLeft ? nA : nB;
      writeNoCoefficients(w, nC);
      return;
    }
    this.isPcm[i] = 1;
    this.pcmCount++;
    w.ue(typeOffset + MB_I_PCM);
    w.alignZero(); // pcm_alignment_zero_bit
    if (c.kind === 'flat') {
      const s = this.pcmScratch;
      s.fill(c.y, 0, 256);
      s.fill(c.cb, 256, 320);
      s.fill(c.cr, 320, 384);
      w.bytes(s);
    } else {
      w.bytes(c.y);
      w.bytes(c.cb);
      w.bytes(c.cr);
    }
  }
}
