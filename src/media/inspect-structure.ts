/**
 * Completeness checks on container structure: is the whole file there?
 *
 * The parsers we use report facts from headers: image-size reads a PNG's IHDR and stops, mediabunny
 * reads a faststart MP4's `moov` and never looks at whether `mdat` is all there. A download cut short
 * would then pass as a good file. These walks only read the framing every format declares up front
 * (box sizes, chunk lengths, the RIFF size, end markers), which no library exposes as a check; they do
 * not decode anything. The video containers have their own modules (inspect-isobmff, inspect-ebml)
 * because they also keep mediabunny off input that would make it loop.
 */
import { MediaInspectionError } from './inspect-error.js';
import { checkEbml } from './inspect-ebml.js';
import { checkIsoBmff } from './inspect-isobmff.js';
import type { ImageFormat, VideoFormat } from './inspect-sniff.js';

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function u32le(b: Uint8Array, at: number): number {
  return ((b[at + 3] << 24) >>> 0) + (b[at + 2] << 16) + (b[at + 1] << 8) + b[at];
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

function truncated(what: string, expectedBytes: number, bytes: Uint8Array): MediaInspectionError {
  return new MediaInspectionError(
    'truncated',
    `${what}: expected at least ${expectedBytes} bytes, saw ${bytes.length}`,
    bytes.length,
  );
}

function corrupt(what: string, bytes: Uint8Array): MediaInspectionError {
  return new MediaInspectionError('corrupt', what, bytes.length);
}

/** PNG: chunks must chain from the signature to an IEND chunk without running past the end. */
function checkPng(bytes: Uint8Array): void {
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) throw truncated(`PNG chunk header at byte ${at} is cut off (no IEND chunk)`, at + 8, bytes);
    const length = u32be(bytes, at);
    const type = fourcc(bytes, at + 4);
    if (length > 0x7fffffff) throw corrupt(`PNG chunk '${type}' at byte ${at} declares an impossible length ${length}`, bytes);
    const end = at + 12 + length;
    if (end > bytes.length) throw truncated(`PNG chunk '${type}' at byte ${at} declares ${length} bytes but the file ends first`, end, bytes);
    if (type === 'IEND') return;
    at = end;
  }
}

/**
 * JPEG: walk the marker segments to the start of scan, then the entropy-coded data must be followed by
 * an EOI marker. Searching after SOS (not at the very end) tolerates trailers some cameras append, and
 * skipping segments by length ignores the EOI of an embedded EXIF thumbnail.
 */
function checkJpeg(bytes: Uint8Array): void {
  let at = 2;
  for (;;) {
    if (at + 4 > bytes.length) throw truncated(`JPEG marker segment at byte ${at} is cut off (no scan data)`, at + 4, bytes);
    if (bytes[at] !== 0xff) throw corrupt(`JPEG: expected a marker (0xFF) at byte ${at}, found 0x${bytes[at].toString(16)}`, bytes);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) throw corrupt('JPEG ends (EOI) before any scan data', bytes);
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2) throw corrupt(`JPEG segment 0xFF${marker.toString(16)} at byte ${at} declares length ${length}`, bytes);
    const end = at + 2 + length;
    if (end > bytes.length) throw truncated(`JPEG segment 0xFF${marker.toString(16)} at byte ${at} is cut off`, end, bytes);
    at = end;
    if (marker === 0xda) break;
  }
  for (let i = at; i + 1 < bytes.length; i++) if (bytes[i] === 0xff && bytes[i + 1] === 0xd9) return;
  throw truncated('JPEG has no end-of-image marker after its scan data', bytes.length + 2, bytes);
}

/** GIF: the stream ends with a trailer byte (0x3B). */
function checkGif(bytes: Uint8Array): void {
  if (bytes.length < 14 || bytes[bytes.length - 1] !== 0x3b) {
    throw truncated('GIF does not end with its trailer byte (0x3B)', bytes.length + 1, bytes);
  }
}

/** WebP: the RIFF header declares the size of everything after it. */
function checkWebp(bytes: Uint8Array): void {
  if (bytes.length < 12) throw truncated('WebP RIFF header is cut off', 12, bytes);
  const end = 8 + u32le(bytes, 4);
  if (end > bytes.length) throw truncated(`WebP RIFF container declares ${end} bytes but the file ends first`, end, bytes);
}

/** Throws `MediaInspectionError` ('truncated' or 'corrupt') when the container framing is incomplete. */
export function checkImageStructure(format: ImageFormat, bytes: Uint8Array): void {
  if (format === 'png') checkPng(bytes);
  else if (format === 'jpeg') checkJpeg(bytes);
  else if (format === 'gif') checkGif(bytes);
  else checkWebp(bytes);
}

/** Throws `MediaInspectionError` ('truncated' or 'corrupt') when the container framing is incomplete. */
export function checkVideoStructure(format: VideoFormat, bytes: Uint8Array): void {
  if (format === 'mp4' || format === 'mov') checkIsoBmff(bytes);
  else if (format === 'webm' || format === 'mkv') checkEbml(bytes);
  // MPEG-TS has no global framing to check: it is a stream of 188-byte packets by design.
}
