/**
 * NAL unit framing (7.3.1, 7.4.1): the one-byte header and emulation prevention, so that no
 * 0x000000..0x000003 pattern of the RBSP can be mistaken for a start code.
 */

export const NAL_SLICE = 1;
export const NAL_IDR = 5;
export const NAL_SPS = 7;
export const NAL_PPS = 8;

/** Bytes needed for `rbsp` once emulation prevention bytes are inserted. */
function escapedLength(rbsp: Uint8Array): number {
  let zeros = 0;
  let extra = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i];
    if (zeros >= 2 && b <= 3) {
      extra++;
      zeros = 0;
    }
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return rbsp.length + extra;
}

/** Write header + escaped RBSP into `out` at `offset`; returns the offset after the last byte. */
function writeNal(out: Uint8Array, offset: number, refIdc: number, type: number, rbsp: Uint8Array): number {
  let o = offset;
  out[o++] = ((refIdc & 3) << 5) | (type & 31);
  let zeros = 0;
  for (let i = 0; i < rbsp.length; i++) {
    const b = rbsp[i];
    if (zeros >= 2 && b <= 3) {
      out[o++] = 3;
      zeros = 0;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return o;
}

/** A NAL unit (header + EBSP) without any framing, as stored in avcC. */
export function nalUnit(refIdc: number, type: number, rbsp: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + escapedLength(rbsp));
  writeNal(out, 0, refIdc, type, rbsp);
  return out;
}

/** A NAL unit prefixed by its 4-byte big-endian length: one MP4 sample (avcC lengthSizeMinusOne = 3). */
export function lengthPrefixedNal(refIdc: number, type: number, rbsp: Uint8Array): Uint8Array {
  const size = 1 + escapedLength(rbsp);
  const out = new Uint8Array(4 + size);
  out[0] = size >>> 24;
  out[1] = (size >>> 16) & 0xff;
  out[2] = (size >>> 8) & 0xff;
  out[3] = size & 0xff;
  writeNal(out, 4, refIdc, type, rbsp);
  return out;
}
