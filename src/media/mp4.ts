/**
 * MP4 container for the H.264 stream (and an optional silent AAC track), muxed with mediabunny.
 *
 * mediabunny writes correct mvhd/tkhd/mdhd durations, avcC, stts/stss/stsz/stco tables and, with
 * `fastStart: 'in-memory'`, moov before mdat. Its one non-deterministic field is the creation and
 * modification time (the wall clock), which `zeroCreationTimes` resets so the same input always
 * gives the same bytes.
 */
import {
  AAC_CHANNELS,
  AAC_CODEC,
  AAC_FRAME_SAMPLES,
  AAC_SAMPLE_RATE,
  aacAudioSpecificConfig,
  aacFrameCount,
  aacSilentFrame,
} from './aac.js';
import { H264Encoder } from './h264/encoder.js';
import { loadMediabunny } from './mediabunny.js';
import type { EncodeVideoOptions, VideoFrameSource } from './h264/types.js';

export type { EncodeVideoOptions, VideoFrameSource, MbContent } from './h264/types.js';

/** Default IDR spacing in frames (see EncodeVideoOptions.keyframeInterval). */
export function defaultKeyframeInterval(fps: number): number {
  return Math.max(1, Math.round(2 * fps));
}

/** Encode the source as H.264 and mux it into a fast-start MP4. Deterministic: same input, same bytes. */
export async function encodeMp4(source: VideoFrameSource, options: EncodeVideoOptions): Promise<Uint8Array> {
  const { fps } = options;
  if (!(fps > 0) || !Number.isFinite(fps)) throw new RangeError(`encodeMp4: fps must be a positive number, got ${fps}`);
  if (source.frameCount < 1) throw new RangeError(`encodeMp4: frameCount must be at least 1, got ${source.frameCount}`);
  const audio = options.audio ?? 'silent-aac';
  if (audio !== 'silent-aac' && audio !== 'none') {
    throw new RangeError(`encodeMp4: audio must be 'silent-aac' or 'none', got ${String(audio)}`);
  }
  const encoder = new H264Encoder(source, {
    fps,
    keyframeInterval: options.keyframeInterval ?? defaultKeyframeInterval(fps),
  });

  const { BufferTarget, EncodedAudioPacketSource, EncodedPacket, EncodedVideoPacketSource, Mp4OutputFormat, Output } = await loadMediabunny();
  const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'in-memory' }), target: new BufferTarget() });
  const video = new EncodedVideoPacketSource('avc');
  output.addVideoTrack(video, { frameRate: fps });
  const aac = audio === 'silent-aac' ? new EncodedAudioPacketSource('aac') : undefined;
  if (aac) output.addAudioTrack(aac);
  await output.start();

  const frameDuration = 1 / fps;
  const audioFrames = aac ? aacFrameCount(source.frameCount / fps) : 0;
  const audioFrameDuration = AAC_FRAME_SAMPLES / AAC_SAMPLE_RATE;
  const silence = aacSilentFrame();
  let audioIndex = 0;
  // Interleave by time (audio up to each video frame's end) so mediabunny never buffers one track.
  const addAudioUntil = async (seconds: number) => {
    while (aac && audioIndex < audioFrames && audioIndex * audioFrameDuration < seconds) {
      await aac.add(
        new EncodedPacket(silence, 'key', audioIndex * audioFrameDuration, audioFrameDuration),
        audioIndex === 0
          ? {
              decoderConfig: {
                codec: AAC_CODEC,
                numberOfChannels: AAC_CHANNELS,
                sampleRate: AAC_SAMPLE_RATE,
                description: aacAudioSpecificConfig(),
              },
            }
          : undefined,
      );
      audioIndex++;
    }
  };

  let f = 0;
  for (const frame of encoder.frames()) {
    await video.add(
      new EncodedPacket(frame.data, frame.key ? 'key' : 'delta', f * frameDuration, frameDuration),
      f === 0
        ? {
            decoderConfig: {
              codec: encoder.info.codec,
              codedWidth: source.widthMbs * 16,
              codedHeight: source.heightMbs * 16,
              description: encoder.info.avcC,
            },
          }
        : undefined,
    );
    f++;
    await addAudioUntil(f * frameDuration);
  }
  await addAudioUntil(Infinity);
  await output.finalize();
  const buffer = output.target.buffer;
  if (!buffer) throw new Error('encodeMp4: mediabunny produced no output buffer');
  const bytes = new Uint8Array(buffer);
  zeroCreationTimes(bytes);
  return bytes;
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia']);
const TIMED = new Set(['mvhd', 'tkhd', 'mdhd']);

/**
 * Set creation_time and modification_time of mvhd/tkhd/mdhd to 0 ("unknown", ISO/IEC 14496-12
 * 8.2.2) in place. These full boxes start with version (1 byte) and flags (3 bytes), then the two
 * times as 32-bit (version 0) or 64-bit (version 1) fields.
 */
export function zeroCreationTimes(bytes: Uint8Array, start = 0, end = bytes.length): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  while (pos + 8 <= end) {
    let size = view.getUint32(pos);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(pos + 8));
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header || pos + size > end) return;
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    if (CONTAINERS.has(type)) {
      zeroCreationTimes(bytes, pos + header, pos + size);
    } else if (TIMED.has(type)) {
      const body = pos + header;
      const fieldBytes = bytes[body] === 1 ? 16 : 8;
      bytes.fill(0, body + 4, body + 4 + fieldBytes);
    }
    pos += size;
  }
}
