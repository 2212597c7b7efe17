/**
 * The contract between a picture source (the scene) and the H.264 encoder.
 *
 * The encoder only ever sees macroblocks: 16x16 luma samples plus two 8x8 chroma blocks (4:2:0),
 * in BT.601 limited range (Y 16..235, Cb/Cr 16..240). Describing content per macroblock lets the
 * encoder pick the cheapest exact coding (DC prediction, raw PCM or skip) without analysing pixels.
 */

/** Content of one macroblock (16x16 luma + two 8x8 chroma blocks, 4:2:0, BT.601 limited range). */
export type MbContent =
  | { kind: 'flat'; y: number; cb: number; cr: number }
  | {
      kind: 'samples';
      /** 256 luma samples, row-major 16x16. */
      y: Uint8Array;
      /** 64 Cb samples, row-major 8x8. */
      cb: Uint8Array;
      /** 64 Cr samples, row-major 8x8. */
      cr: Uint8Array;
    };

export interface VideoFrameSource {
  widthMbs: number;
  heightMbs: number;
  frameCount: number;
  /** Content of macroblock (mbx, mby) in frame f. */
  mb(frame: number, mbx: number, mby: number): MbContent;
  /**
   * Indices (mby*widthMbs+mbx) of the macroblocks that differ from frame f-1 (f >= 1). Any order,
   * duplicates allowed. Listing an unchanged macroblock is harmless (it is re-coded); omitting a
   * changed one leaves the previous frame's content on screen.
   */
  changed(frame: number): Iterable<number>;
}

export interface EncodeVideoOptions {
  fps: number;
  /**
   * An IDR picture every N frames. Default: every two seconds (`2 * fps`, rounded). Seeking decodes
   * at most that many frames, which is cheap here because P frames are nearly all P_Skip; shorter
   * intervals cost size, since every IDR re-sends each detailed (I_PCM, 384-byte) macroblock.
   */
  keyframeInterval?: number;
  /** Add a silent AAC-LC stereo track like the real service's videos have (default 'silent-aac'). */
  audio?: 'silent-aac' | 'none';
}

/** A colour in BT.601 limited-range YCbCr. */
export interface Ycbcr {
  y: number;
  cb: number;
  cr: number;
}
