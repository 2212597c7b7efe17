/**
 * Sequence and picture parameter sets (7.3.2.1, 7.3.2.2, Annex E VUI) for the one stream shape this
 * encoder produces: Constrained Baseline, CAVLC, progressive, POC type 2, one reference frame,
 * deblocking disabled per slice.
 */
import { BitWriter } from './bitwriter.js';
import { NAL_PPS, NAL_SPS, nalUnit } from './nal.js';

export const PROFILE_BASELINE = 66;
/** constraint_set0_flag and constraint_set1_flag: Constrained Baseline (A.2.1.1). */
export const CONSTRAINT_FLAGS = 0xc0;

export interface StreamParams {
  widthMbs: number;
  heightMbs: number;
  fps: number;
  /** log2_max_frame_num: frame_num has this many bits in each slice header. */
  log2MaxFrameNum: number;
}

/** Table A-1 rows: level_idc, MaxMBPS (macroblocks/s), MaxFS (macroblocks/frame). */
const LEVELS: ReadonlyArray<readonly [number, number, number]> = [
  [10, 1485, 99],
  [11, 3000, 396],
  [12, 6000, 396],
  [13, 11880, 396],
  [20, 11880, 396],
  [21, 19800, 792],
  [22, 20250, 1620],
  [30, 40500, 1620],
  [31, 108000, 3600],
  [32, 216000, 5120],
  [40, 245760, 8192],
  [42, 522240, 8704],
  [50, 589824, 22080],
  [51, 983040, 36864],
  [52, 2073600, 36864],
];

/**
 * Smallest level whose frame size, macroblock rate and per-dimension limit (A.3.1 h/i:
 * each dimension at most sqrt(8 * MaxFS) macroblocks) admit the stream. The bit rate limits are
 * ignored: I_PCM pictures exceed them by design and decoders do not enforce them.
 */
export function levelFor(widthMbs: number, heightMbs: number, fps: number): number {
  const fs = widthMbs * heightMbs;
  for (const [idc, maxMbps, maxFs] of LEVELS) {
    const maxDim = Math.sqrt(8 * maxFs);
    if (fs <= maxFs && fs * fps <= maxMbps && widthMbs <= maxDim && heightMbs <= maxDim) return idc;
  }
  throw new RangeError(`levelFor: ${widthMbs}x${heightMbs} macroblocks at ${fps} fps exceeds level 5.2`);
}

/** RFC 6381 codec string, e.g. `avc1.42c028`. */
export function codecString(level: number): string {
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `avc1.${hex(PROFILE_BASELINE)}${hex(CONSTRAINT_FLAGS)}${hex(level)}`;
}

/** VUI timing as num_units_in_tick/time_scale with two ticks per frame (E.2.1: one tick per field). */
function timing(fps: number): { unitsInTick: number; timeScale: number } {
  if (Number.isInteger(fps)) return { unitsInTick: 1, timeScale: 2 * fps };
  return { unitsInTick: 1000, timeScale: Math.round(2000 * fps) };
}

export function spsNal(p: StreamParams): Uint8Array {
  const w = new BitWriter(64);
  w.u(8, PROFILE_BASELINE);
  w.u(8, CONSTRAINT_FLAGS);
  w.u(8, levelFor(p.widthMbs, p.heightMbs, p.fps));
  w.ue(0); // seq_parameter_set_id
  w.ue(p.log2MaxFrameNum - 4);
  w.ue(2); // pic_order_cnt_type 2: output order = decode order, no POC in slice headers
  w.ue(1); // max_num_ref_frames: P_Skip only ever looks at the previous frame
  w.flag(false); // gaps_in_frame_num_value_allowed_flag
  w.ue(p.widthMbs - 1);
  w.ue(p.heightMbs - 1);
  w.flag(true); // frame_mbs_only_flag
  w.flag(true); // direct_8x8_inference_flag
  w.flag(false); // frame_cropping_flag: every supported size is a multiple of 16
  w.flag(true); // vui_parameters_present_flag
  writeVui(w, p.fps);
  w.trailingBits();
  return nalUnit(3, NAL_SPS, w.view());
}

function writeVui(w: BitWriter, fps: number): void {
  w.flag(true); // aspect_ratio_info_present_flag
  w.u(8, 1); // aspect_ratio_idc 1: square samples
  w.flag(false); // overscan_info_present_flag
  // Signal BT.601 limited range so players convert with the matrix rgbToYcbcr used; browsers
  // otherwise assume BT.709 for unsignalled streams and shift the colours.
  w.flag(true); // video_signal_type_present_flag
  w.u(3, 5); // video_format: unspecified
  w.flag(false); // video_full_range_flag
  w.flag(true); // colour_description_present_flag
  w.u(8, 6); // colour_primaries: SMPTE 170M
  w.u(8, 6); // transfer_characteristics: SMPTE 170M
  w.u(8, 6); // matrix_coefficients: SMPTE 170M (BT.601)
  w.flag(false); // chroma_loc_info_present_flag
  const t = timing(fps);
  w.flag(true); // timing_info_present_flag
  w.u(32, t.unitsInTick);
  w.u(32, t.timeScale);
  w.flag(true); // fixed_frame_rate_flag
  w.flag(false); // nal_hrd_parameters_present_flag
  w.flag(false); // vcl_hrd_parameters_present_flag
  w.flag(false); // pic_struct_present_flag
  // bitstream_restriction lets decoders output each frame as soon as it is decoded (no reordering).
  w.flag(true); // bitstream_restriction_flag
  w.flag(true); // motion_vectors_over_pic_boundaries_flag
  w.ue(0); // max_bytes_per_pic_denom
  w.ue(0); // max_bits_per_mb_denom
  w.ue(16); // log2_max_mv_length_horizontal
  w.ue(16); // log2_max_mv_length_vertical
  w.ue(0); // max_num_reorder_frames
  w.ue(1); // max_dec_frame_buffering
}

export function ppsNal(): Uint8Array {
  const w = new BitWriter(16);
  w.ue(0); // pic_parameter_set_id
  w.ue(0); // seq_parameter_set_id
  w.flag(false); // entropy_coding_mode_flag: CAVLC
  w.flag(false); // bottom_field_pic_order_in_frame_present_flag
  w.ue(0); // num_slice_groups_minus1
  w.ue(0); // num_ref_idx_l0_default_active_minus1
  w.ue(0); // num_ref_idx_l1_default_active_minus1
  w.flag(false); // weighted_pred_flag
  w.u(2, 0); // weighted_bipred_idc
  w.se(0); // pic_init_qp_minus26
  w.se(0); // pic_init_qs_minus26
  w.se(0); // chroma_qp_index_offset
  w.flag(true); // deblocking_filter_control_present_flag: lets slices switch the filter off
  w.flag(false); // constrained_intra_pred_flag: intra MBs in P slices may predict from any neighbour
  w.flag(false); // redundant_pic_cnt_present_flag
  w.trailingBits();
  return nalUnit(3, NAL_PPS, w.view());
}

/** AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) for one SPS and one PPS. */
export function avcDecoderConfig(sps: Uint8Array, pps: Uint8Array): Uint8Array {
  const out = new Uint8Array(11 + sps.length + pps.length);
  let o = 0;
  out[o++] = 1; // configurationVersion
  out[o++] = sps[1]; // AVCProfileIndication
  out[o++] = sps[2]; // profile_compatibility
  out[o++] = sps[3]; // AVCLevelIndication
  out[o++] = 0xfc | 3; // lengthSizeMinusOne = 3
  out[o++] = 0xe0 | 1; // numOfSequenceParameterSets
  out[o++] = sps.length >>> 8;
  out[o++] = sps.length & 0xff;
  out.set(sps, o);
  o += sps.length;
  out[o++] = 1; // numOfPictureParameterSets
  out[o++] = pps.length >>> 8;
  out[o++] = pps.length & 0xff;
  out.set(pps, o);
  return out;
}
