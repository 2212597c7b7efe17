/**
 * ISO BMFF (MP4/MOV) checks run before mediabunny sees the file.
 *
 * 1. Completeness: every top-level box fits in the file and a `moov` is among them (mediabunny reads a
 *    faststart `moov` and never notices a cut-off `mdat`).
 * 2. Bounded work: mediabunny expands the sample tables (`stts`, `ctts` run lengths, `stsc` chunks) into
 *    per-sample work synchronously. One corrupted count there makes it loop billions of times, which no timer
 *    can interrupt (fuzzing found inputs taking minutes). So every table must be consistent with the
 *    bytes that actually exist before parsing starts: entry lists fit their box, run lengths add up to
 *    at most the number of samples, and that number is bounded by the file size.
 */
import { MediaInspectionError } from './inspect-error.js';

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
}

interface Box {
  type: string;
  start: number;
  /** First byte of the payload (after size, type and any 64-bit size). */
  body: number;
  end: number;
}

type BoxProblem = { kind: 'short-header' | 'too-small' | 'overruns'; at: number; type: string; size: number; needed: number };

/** The boxes laid out in [start, end), or the first framing problem. */
function boxesIn(b: Uint8Array, start: number, end: number, nested: boolean): Box[] | BoxProblem {
  const boxes: Box[] = [];
  let at = start;
  while (at < end) {
    // QuickTime writers may close a container with a 4-byte zero terminator instead of a box.
    if (nested && end - at < 8 && b.subarray(at, end).every((x) => x === 0)) break;
    if (end - at < 8) return { kind: 'short-header', at, type: '', size: end - at, needed: at + 8 };
    let size = u32(b, at);
    const type = fourcc(b, at + 4);
    let header = 8;
    if (size === 1) {
      if (end - at < 16) return { kind: 'short-header', at, type, size: end - at, needed: at + 16 };
      size = u32(b, at + 8) * 2 ** 32 + u32(b, at + 12);
      header = 16;
    } else if (size === 0) {
      size = end - at; // "extends to the end", allowed for the last box only
    }
    if (size < header) return { kind: 'too-small', at, type, size, needed: header };
    if (at + size > end) return { kind: 'overruns', at, type, size, needed: at + size };
    boxes.push({ type, start: at, body: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

function corrupt(message: string, b: Uint8Array): MediaInspectionError {
  return new MediaInspectionError('corrupt', `MP4 ${message}`, b.length);
}

/** Top-level framing: a file cut short shows up as a box running past the end or a missing `moov`. */
function topLevelBoxes(b: Uint8Array): Box[] {
  const boxes = boxesIn(b, 0, b.length, false);
  if (Array.isArray(boxes)) {
    if (!boxes.some((box) => box.type === 'moov')) {
      // A moov-at-end file cut exactly after its mdat looks like this; so does a file never finished.
      const last = boxes[boxes.length - 1]?.type ?? '';
      throw new MediaInspectionError(
        'truncated',
        `MP4 has no 'moov' box (the track index): expected one before or after the media data, the file ends after '${last}' at byte ${b.length}`,
        b.length,
      );
    }
    return boxes;
  }
  const { kind, at, type, size, needed } = boxes;
  if (kind === 'too-small') throw corrupt(`box '${type}' at byte ${at} declares size ${size}, smaller than its header`, b);
  const what = kind === 'short-header' ? `box header at byte ${at} is cut off` : `box '${type}' at byte ${at} declares ${size} bytes but the file ends first`;
  throw new MediaInspectionError('truncated', `MP4 ${what}: expected at least ${needed} bytes, saw ${b.length}`, b.length);
}

/** Boxes whose payload is just more boxes, on the way from `moov`/`moof` down to the sample tables. */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts', 'mvex', 'moof', 'traf']);

/** Full-box tables: bytes per entry, for checking that `entry_count` entries fit the box. */
const ENTRY_SIZE: Record<string, number> = { stts: 8, ctts: 8, stsc: 12, stco: 4, co64: 8, stss: 4, stps: 4 };

function checkTable(b: Uint8Array, box: Box): void {
  const entrySize = ENTRY_SIZE[box.type];
  if (entrySize === undefined || box.end - box.body < 8) return;
  const count = u32(b, box.body + 4);
  if (box.body + 8 + count * entrySize > box.end) {
    throw corrupt(`'${box.type}' at byte ${box.start} declares ${count} entries, more than its ${box.end - box.start} bytes hold`, b);
  }
}

/** Sum of the run lengths of an `stts`/`ctts` box (its first field per entry). */
function runLengthTotal(b: Uint8Array, box: Box): number {
  const count = u32(b, box.body + 4);
  let total = 0;
  for (let i = 0; i < count; i++) total += u32(b, box.body + 8 + i * 8);
  return total;
}

function sampleCount(b: Uint8Array, box: Box): number {
  if (box.end - box.body < 12) throw corrupt(`'${box.type}' at byte ${box.start} is too short`, b);
  if (box.type === 'stz2') {
    const fieldBits = b[box.body + 7];
    const count = u32(b, box.body + 8);
    if (box.body + 12 + Math.ceil((count * fieldBits) / 8) > box.end) {
      throw corrupt(`'stz2' at byte ${box.start} declares ${count} samples, more than its bytes hold`, b);
    }
    return count;
  }
  const uniformSize = u32(b, box.body + 4);
  const count = u32(b, box.body + 8);
  if (uniformSize === 0 && box.body + 12 + count * 4 > box.end) {
    throw corrupt(`'stsz' at byte ${box.start} declares ${count} samples, more than its bytes hold`, b);
  }
  if (uniformSize !== 0 && count * uniformSize > b.length) {
    throw corrupt(`'stsz' at byte ${box.start} declares ${count} samples of ${uniformSize} bytes, more than the ${b.length}-byte file holds`, b);
  }
  return count;
}

/** A sample table's run lengths must not describe more samples than its size table lists. */
function checkSampleTable(b: Uint8Array, stbl: Box, children: Box[]): void {
  const sizes = children.find((c) => c.type === 'stsz' || c.type === 'stz2');
  const samples = sizes ? sampleCount(b, sizes) : 0;
  for (const runs of children.filter((c) => c.type === 'stts' || c.type === 'ctts')) {
    const total = runLengthTotal(b, runs);
    if (total > samples) {
      throw corrupt(`'${runs.type}' in the sample table at byte ${stbl.start} covers ${total} samples, but the table lists ${samples}`, b);
    }
  }
  // A faststart file cut right after its `moov` has every box whole but no media data: the chunk
  // offsets then point past the end of the file.
  const offsets = children.find((c) => c.type === 'stco' || c.type === 'co64');
  if (offsets && samples > 0) {
    const wide = offsets.type === 'co64';
    const count = u32(b, offsets.body + 4);
    for (let i = 0; i < count; i++) {
      const at = offsets.body + 8 + i * (wide ? 8 : 4);
      const offset = wide ? u32(b, at) * 2 ** 32 + u32(b, at + 4) : u32(b, at);
      if (offset >= b.length) {
        throw new MediaInspectionError(
          'truncated',
          `MP4 sample data of the track at byte ${stbl.start} starts at byte ${offset}, but the file ends at byte ${b.length}`,
          b.length,
        );
      }
    }
  }
  // mediabunny walks a whole chunk to locate each sample, so a huge samples-per-chunk is quadratic work.
  const chunks = children.find((c) => c.type === 'stsc');
  if (!chunks) return;
  const entries = u32(b, chunks.body + 4);
  for (let i = 0; i < entries; i++) {
    const perChunk = u32(b, chunks.body + 8 + i * 12 + 4);
    if (perChunk > samples) {
      throw corrupt(`'stsc' at byte ${chunks.start} puts ${perChunk} samples in a chunk, but the table lists ${samples}`, b);
    }
  }
}

/** Fragmented files: a `trun` without per-sample fields can claim any count; bound it by the file size. */
function checkTrackRun(b: Uint8Array, box: Box): void {
  if (box.end - box.body < 8) throw corrupt(`'trun' at byte ${box.start} is too short`, b);
  const flags = (b[box.body + 1] << 16) | (b[box.body + 2] << 8) | b[box.body + 3];
  const count = u32(b, box.body + 4);
  const perSample = [0x100, 0x200, 0x400, 0x800].filter((bit) => flags & bit).length * 4;
  const fits = perSample > 0 ? box.body + 8 + count * perSample <= box.end : count <= b.length;
  if (!fits) throw corrupt(`'trun' at byte ${box.start} declares ${count} samples, more than the file can hold`, b);
}

function checkTree(b: Uint8Array, parent: Box): void {
  const children = boxesIn(b, parent.body, parent.end, true);
  if (!Array.isArray(children)) {
    const { type, at, size } = children;
    throw corrupt(`box '${type}' at byte ${at} (size ${size}) does not fit inside its parent '${parent.type}'`, b);
  }
  for (const child of children) {
    if (CONTAINERS.has(child.type)) checkTree(b, child);
    else if (child.type === 'trun') checkTrackRun(b, child);
    else checkTable(b, child);
  }
  if (parent.type === 'stbl') checkSampleTable(b, parent, children);
}

/** Throws `MediaInspectionError` ('truncated' or 'corrupt') unless the file is whole and its tables consistent. */
export function checkIsoBmff(b: Uint8Array): void {
  for (const box of topLevelBoxes(b)) if (box.type === 'moov' || box.type === 'moof') checkTree(b, box);
}
