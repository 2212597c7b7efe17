/**
 * Media inspection: what a file is, from its bytes, whoever made it. The conformance runner uses this
 * on any deployment's downloads, so nothing here assumes sora-kit wrote the file, and every failure is
 * a `MediaInspectionError` whose message says what was expected and what was seen.
 *
 * Video facts come from mediabunny (pure TypeScript demuxers for MP4/MOV, WebM/MKV, MPEG-TS); image
 * dimensions from image-size's environment-free entry (the `fromFile` entry is the only one that
 * touches `node:fs`). Both run in browsers, which is why nothing here imports `node:`.
 */
import { imageSize } from 'image-size';
import type { AudioCodec, Input, InputFormat, VideoCodec } from 'mediabunny';
import { loadMediabunny, type Mediabunny } from './mediabunny.js';
import { MediaInspectionError, withTimeout } from './inspect-error.js';
import { checkImageStructure, checkVideoStructure } from './inspect-structure.js';
import {
  describeLeadingBytes,
  IMAGE_MIME,
  sniffMediaType,
  VIDEO_MIME,
  type ImageFormat,
  type SniffedMediaType,
  type VideoFormat,
} from './inspect-sniff.js';

export { MediaInspectionError, type MediaInspectionErrorCode } from './inspect-error.js';
export {
  sniffMediaType,
  type ImageFormat,
  type OtherFormat,
  type SniffedMediaType,
  type VideoFormat,
} from './inspect-sniff.js';

/** Codec names as ffprobe prints them (`codec_name`), so facts compare directly with ffprobe output. */
export type VideoCodecName = 'h264' | 'hevc' | 'vp8' | 'vp9' | 'av1' | 'prores';

export interface ImageFacts {
  kind: 'image';
  format: ImageFormat;
  mime: string;
  width: number;
  height: number;
}

export interface VideoFacts {
  kind: 'video';
  format: VideoFormat;
  mime: string;
  /** Display size: what a player shows, after pixel aspect ratio and rotation metadata. */
  width: number;
  height: number;
  /** Size of the encoded frames, before rotation (what ffprobe calls width/height). */
  codedWidth: number;
  codedHeight: number;
  /** Clockwise rotation a player applies to the coded frames. */
  rotation: 0 | 90 | 180 | 270;
  /** End of the longest track, in seconds (ffprobe's format duration). */
  durationSeconds: number;
  /** Average frames per second of the primary video track. */
  frameRate: number;
  frameCount: number;
  codec: VideoCodecName;
  /** RFC 6381 codec string (e.g. `avc1.42c01f`), as a browser's `canPlayType` wants it. */
  codecString?: string;
  hasAudio: boolean;
  /** Audio codec of the primary audio track, in ffprobe's naming (`aac`, `opus`, `pcm_s16le`, ...). */
  audioCodec?: string;
}

export type MediaFacts = ImageFacts | VideoFacts;

export interface InspectOptions {
  /**
   * Give up with code 'timeout' after this long (default 10 s). This catches parses that stall; it
   * cannot preempt synchronous work, which the container pre-checks (inspect-isobmff, inspect-ebml)
   * bound instead.
   */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

const VIDEO_CODEC_NAMES: Record<VideoCodec, VideoCodecName> = {
  avc: 'h264',
  hevc: 'hevc',
  vp8: 'vp8',
  vp9: 'vp9',
  av1: 'av1',
  prores: 'prores',
};

/** mediabunny's `pcm-s16` is ffprobe's `pcm_s16le`: ffprobe spells out the byte order of multi-byte PCM. */
function audioCodecName(codec: AudioCodec): string {
  if (codec === 'ulaw') return 'pcm_mulaw';
  if (codec === 'alaw') return 'pcm_alaw';
  if (!codec.startsWith('pcm-')) return codec;
  const name = codec.replace('-', '_');
  if (name.endsWith('be') || name.endsWith('8')) return name;
  return `${name}le`;
}

function videoFormatOf(mb: Mediabunny, format: InputFormat): VideoFormat | undefined {
  if (format === mb.MP4) return 'mp4';
  if (format === mb.QTFF) return 'mov';
  if (format === mb.WEBM) return 'webm';
  if (format === mb.MATROSKA) return 'mkv';
  if (format === mb.MPEG_TS) return 'ts';
  return undefined;
}

/** HLS is left out: a playlist names other files, which mediabunny would try to fetch over the network. */
const videoInputFormats = (mb: Mediabunny): InputFormat[] => mb.ALL_FORMATS.filter((f) => f !== mb.HLS);

const SUPPORTED = 'an image (PNG, JPEG, WebP, GIF) or a video (MP4, MOV, WebM, Matroska, MPEG-TS)';

function unsupported(bytes: Uint8Array, sniffed: SniffedMediaType | undefined): MediaInspectionError {
  const seen = sniffed ? `${bytes.length} bytes of ${describeSniffed(sniffed)}` : `${bytes.length} bytes of unknown data`;
  return new MediaInspectionError(
    'unsupported',
    `expected ${SUPPORTED}, saw ${seen} starting ${describeLeadingBytes(bytes, textLike(sniffed) ? 60 : 16)}`,
    bytes.length,
  );
}

function textLike(sniffed: SniffedMediaType | undefined): boolean {
  return sniffed?.kind === 'other' && ['html', 'xml', 'json', 'text'].includes(sniffed.format);
}

function describeSniffed(sniffed: SniffedMediaType): string {
  const names: Record<string, string> = {
    html: 'an HTML document',
    xml: 'an XML/SVG document',
    json: 'JSON (an API error body?)',
    text: 'plain text',
  };
  return names[sniffed.format] ?? `${sniffed.format.toUpperCase()} (${sniffed.mime})`;
}

function inspectImage(bytes: Uint8Array, format: ImageFormat): ImageFacts {
  checkImageStructure(format, bytes);
  let size: { width?: number; height?: number };
  try {
    size = imageSize(bytes);
  } catch (cause) {
    throw new MediaInspectionError(
      'corrupt',
      `${format.toUpperCase()} header could not be read (${(cause as Error).message}) in ${bytes.length} bytes`,
      bytes.length,
      { cause },
    );
  }
  const { width, height } = size;
  if (!width || !height || !Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new MediaInspectionError(
      'corrupt',
      `${format.toUpperCase()} header declares an invalid size ${width}x${height}: expected positive whole numbers`,
      bytes.length,
    );
  }
  return { kind: 'image', format, mime: IMAGE_MIME[format], width, height };
}

function asRotation(degrees: number): VideoFacts['rotation'] {
  const r = ((Math.round(degrees / 90) * 90) % 360 + 360) % 360;
  return r as VideoFacts['rotation'];
}

async function readVideo(mb: Mediabunny, input: Input, bytes: Uint8Array, sniffed: VideoFormat): Promise<VideoFacts> {
  const container = await input.getFormat();
  const format = videoFormatOf(mb, container) ?? sniffed;
  const track = await input.getPrimaryVideoTrack();
  const audioTracks = await input.getAudioTracks();
  if (!track) {
    const audio = audioTracks.length ? ` (it has ${audioTracks.length} audio track(s): audio only)` : '';
    throw new MediaInspectionError(
      'unsupported',
      `expected a video track in the ${container.name} file of ${bytes.length} bytes, found none${audio}`,
      bytes.length,
    );
  }
  const codec = await track.getCodec();
  if (!codec) {
    throw new MediaInspectionError(
      'unsupported',
      `the video track's codec is not one of ${Object.values(VIDEO_CODEC_NAMES).join(', ')}`,
      bytes.length,
    );
  }
  const stats = await track.computePacketStats();
  if (stats.packetCount === 0) {
    throw new MediaInspectionError(
      'corrupt',
      `the ${container.name} file declares a video track but it holds no frames (${bytes.length} bytes)`,
      bytes.length,
    );
  }
  const durationSeconds = await input.computeDuration();
  const width = await track.getDisplayWidth();
  const height = await track.getDisplayHeight();
  if (!(width > 0 && height > 0) || !(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
    throw new MediaInspectionError(
      'corrupt',
      `the video track declares size ${width}x${height} and duration ${durationSeconds} s: expected positive values`,
      bytes.length,
    );
  }
  const primaryAudio = audioTracks.length ? await input.getPrimaryAudioTrack() : null;
  const audioCodec = primaryAudio ? await primaryAudio.getCodec() : null;
  const codecString = await track.getCodecParameterString();
  return {
    kind: 'video',
    format,
    mime: VIDEO_MIME[format],
    width,
    height,
    codedWidth: await track.getCodedWidth(),
    codedHeight: await track.getCodedHeight(),
    rotation: asRotation(await track.getRotation()),
    durationSeconds,
    frameRate: stats.averagePacketRate,
    frameCount: stats.packetCount,
    codec: VIDEO_CODEC_NAMES[codec],
    ...(codecString ? { codecString } : {}),
    hasAudio: audioTracks.length > 0,
    ...(audioCodec ? { audioCodec: audioCodecName(audioCodec) } : {}),
  };
}

function wrapLibraryError(cause: unknown, bytes: Uint8Array, format: string): MediaInspectionError {
  if (cause instanceof MediaInspectionError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = /unsupported|unrecognizable/i.test(message) ? 'unsupported' : 'corrupt';
  return new MediaInspectionError(
    code,
    `${format.toUpperCase()} could not be parsed (${message}) in ${bytes.length} bytes`,
    bytes.length,
    { cause },
  );
}

async function inspectVideo(bytes: Uint8Array, format: VideoFormat, timeoutMs: number): Promise<VideoFacts> {
  checkVideoStructure(format, bytes);
  const mb = await loadMediabunny();
  const input = new mb.Input({ source: new mb.BufferSource(bytes), formats: videoInputFormats(mb) });
  try {
    // Disposing on timeout cancels mediabunny's pending reads, so the abandoned parse stops too.
    return await withTimeout(
      readVideo(mb, input, bytes, format),
      timeoutMs,
      { what: format.toUpperCase(), bytesSeen: bytes.length },
      () => input.dispose(),
    );
  } catch (cause) {
    throw wrapLibraryError(cause, bytes, format);
  } finally {
    input.dispose();
  }
}

/**
 * Report what `bytes` hold: format, size and, for video, duration, frame rate, codec and audio.
 * Rejects only with `MediaInspectionError`.
 */
export async function inspectMedia(bytes: Uint8Array, options: InspectOptions = {}): Promise<MediaFacts> {
  const length = ArrayBuffer.isView(bytes) ? bytes.byteLength : 0;
  try {
    if (!(bytes instanceof Uint8Array)) {
      throw new MediaInspectionError('unsupported', `expected a Uint8Array of file bytes, got ${typeof bytes}`, 0);
    }
    if (bytes.length === 0) {
      throw new MediaInspectionError('empty', `expected ${SUPPORTED}, saw 0 bytes`, 0);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) {
      throw new MediaInspectionError('unsupported', `options.timeoutMs must be a positive number, got ${timeoutMs}`, length);
    }
    const sniffed = sniffMediaType(bytes);
    if (sniffed?.kind === 'image') return inspectImage(bytes, sniffed.format);
    if (sniffed?.kind === 'video') return await inspectVideo(bytes, sniffed.format, timeoutMs);
    throw unsupported(bytes, sniffed);
  } catch (cause) {
    throw wrapLibraryError(cause, bytes instanceof Uint8Array ? bytes : new Uint8Array(0), 'media');
  }
}
