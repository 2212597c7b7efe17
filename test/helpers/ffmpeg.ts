/**
 * Independent decoders for tests: Debian's ffprobe/ffmpeg (installed by .ci/run).
 * Media made by sora-kit is judged only by what these tools decode, never by sora-kit's own readers.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const MAX_BUFFER = 512 * 1024 * 1024;

let scratch: string | undefined;
/** Write bytes to a scratch file (ffmpeg reads files more reliably than pipes for MP4 with moov seeks). */
export function toTempFile(bytes: Uint8Array, name: string): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'sora-kit-test-'));
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

export interface ProbeStream {
  codec_type: 'video' | 'audio' | string;
  codec_name: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  duration?: string;
  nb_frames?: string;
  profile?: string;
}

export interface ProbeResult {
  format: { format_name: string; duration?: string };
  streams: ProbeStream[];
}

export async function ffprobe(path: string): Promise<ProbeResult> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path],
    { maxBuffer: MAX_BUFFER },
  );
  return JSON.parse(stdout) as ProbeResult;
}

/** Decode every frame; returns what ffmpeg printed at `-v error` (empty for a clean decode). */
export async function ffmpegDecodeErrors(path: string): Promise<string> {
  const { stdout, stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', path, '-f', 'null', '-'], {
    maxBuffer: MAX_BUFFER,
  });
  return (stdout + stderr).trim();
}

export interface RgbFrame {
  width: number;
  height: number;
  /** Packed RGB24. */
  data: Buffer;
  pixel(x: number, y: number): [number, number, number];
}

function rgbFrame(width: number, height: number, data: Buffer): RgbFrame {
  return {
    width,
    height,
    data,
    pixel(x, y) {
      const i = (y * width + x) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    },
  };
}

/**
 * Decode one frame to RGB24 with ffmpeg: for a video, the frame shown at `seconds`; for an image, the image.
 * `-ss` after `-i` makes the seek frame-accurate (decode and discard up to that time).
 */
export async function decodeFrameRgb(path: string, width: number, height: number, seconds?: number): Promise<RgbFrame> {
  const args = ['-nostdin', '-v', 'error', '-i', path];
  if (seconds !== undefined) args.push('-ss', seconds.toFixed(3));
  args.push('-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-');
  const { stdout } = await run('ffmpeg', args, { encoding: 'buffer', maxBuffer: MAX_BUFFER });
  if (stdout.length !== width * height * 3) {
    throw new Error(`decodeFrameRgb: expected ${width * height * 3} bytes of RGB24, ffmpeg gave ${stdout.length}`);
  }
  return rgbFrame(width, height, stdout);
}

/** Largest per-channel difference between two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/** Parse an ffprobe rational such as "24/1". */
export function rational(s: string | undefined): number {
  if (!s) return NaN;
  const [n, d] = s.split('/').map(Number);
  return d ? n / d : n;
}
