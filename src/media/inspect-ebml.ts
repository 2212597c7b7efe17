/**
 * Matroska/WebM checks run before mediabunny sees the file.
 *
 * 1. Completeness: the EBML header and the Segment fit in the file.
 * 2. Bounded work: every element directly inside the Segment must be one mediabunny expects there and
 *    fit inside it. When mediabunny meets anything else it "resyncs" by scanning forward, and in
 *    mediabunny 1.61 that scan never advances when exactly 8 bytes remain: a synchronous endless loop
 *    (fuzzing found it; with an in-memory source nothing awaits, so no timer can stop it). Walking the
 *    level-1 elements ourselves keeps mediabunny away from that path.
 *
 * Limits: a Cluster of unknown size (live writers such as MediaRecorder) ends the walk, because finding
 * its end means parsing its blocks; the rest of such a file is left to mediabunny.
 */
import { MediaInspectionError } from './inspect-error.js';

const SEGMENT = 0x18538067;
/**
 * What may sit directly inside a Segment, as mediabunny's demuxer accepts it (SeekHead, Info, Cluster,
 * Tracks, Cues, Attachments, Chapters, Tags, Void). A level-1 CRC-32 is legal Matroska but would send
 * mediabunny into the resync path, so it is refused too.
 */
const LEVEL_1_IDS = new Set([0x114d9b74, 0x1549a966, 0x1f43b675, 0x1654ae6b, 0x1c53bb6b, 0x1941a469, 0x1043a770, 0x1254c367, 0xec]);

function truncated(what: string, expectedBytes: number, b: Uint8Array): MediaInspectionError {
  return new MediaInspectionError('truncated', `WebM/Matroska ${what}: expected at least ${expectedBytes} bytes, saw ${b.length}`, b.length);
}

function corrupt(what: string, b: Uint8Array): MediaInspectionError {
  return new MediaInspectionError('corrupt', `WebM/Matroska ${what}`, b.length);
}

/** Bytes in a variable-size integer, from the position of the first set bit of its first byte. */
function vintLength(first: number): number {
  for (let n = 1; n <= 8; n++) if (first & (0x100 >> n)) return n;
  return 0;
}

/** An element ID keeps its length marker bits; IDs are 1 to 4 bytes long. */
function readId(b: Uint8Array, at: number): { id: number; length: number } {
  if (at >= b.length) throw truncated(`element ID at byte ${at} is cut off`, at + 1, b);
  const length = vintLength(b[at]);
  if (length === 0 || length > 4) throw corrupt(`element ID at byte ${at} is not valid (first byte 0x${b[at].toString(16)})`, b);
  if (at + length > b.length) throw truncated(`element ID at byte ${at} is cut off`, at + length, b);
  let id = 0;
  for (let i = 0; i < length; i++) id = id * 256 + b[at + i];
  return { id, length };
}

/** An element size; all value bits set means "unknown" (the element runs until its parent ends). */
function readSize(b: Uint8Array, at: number): { value: number; length: number; unknown: boolean } {
  if (at >= b.length) throw truncated(`element size at byte ${at} is cut off`, at + 1, b);
  const length = vintLength(b[at]);
  if (length === 0) throw corrupt(`element size at byte ${at} is not a valid EBML length`, b);
  if (at + length > b.length) throw truncated(`element size at byte ${at} is cut off`, at + length, b);
  let value = b[at] & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + b[at + i];
    if (b[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: allOnes };
}

function hex(id: number): string {
  return `0x${id.toString(16).toUpperCase()}`;
}

/** Throws `MediaInspectionError` ('truncated' or 'corrupt') unless the Segment's framing is sound. */
export function checkEbml(b: Uint8Array): void {
  const header = readSize(b, 4);
  if (header.unknown) throw corrupt('EBML header has an unknown size', b);
  const segmentAt = 4 + header.length + header.value;
  const segment = readId(b, segmentAt);
  if (segment.id !== SEGMENT) throw corrupt(`expected a Segment after the EBML header at byte ${segmentAt}, found ${hex(segment.id)}`, b);
  const segmentSize = readSize(b, segmentAt + segment.length);
  const bodyAt = segmentAt + segment.length + segmentSize.length;
  const end = segmentSize.unknown ? b.length : bodyAt + segmentSize.value;
  if (end > b.length) throw truncated(`Segment declares ${segmentSize.value} bytes`, end, b);

  let at = bodyAt;
  while (at < end) {
    const { id, length } = readId(b, at);
    if (!LEVEL_1_IDS.has(id)) throw corrupt(`unexpected element ${hex(id)} at byte ${at} inside the Segment`, b);
    const size = readSize(b, at + length);
    if (size.unknown) {
      if (id === 0x1f43b675) return; // live-written Cluster: see the note at the top
      throw corrupt(`element ${hex(id)} at byte ${at} has an unknown size`, b);
    }
    const elementEnd = at + length + size.length + size.value;
    if (elementEnd > end) {
      if (end === b.length) throw truncated(`element ${hex(id)} at byte ${at} declares ${size.value} bytes`, elementEnd, b);
      throw corrupt(`element ${hex(id)} at byte ${at} runs past the end of its Segment`, b);
    }
    at = elementEnd;
  }
}
