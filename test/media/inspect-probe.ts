/**
 * Compare inspection facts with what ffprobe says about the same file, so every caller (fixture tests,
 * generator tests) holds the readers to the same independent judge.
 */
import { expect } from 'vitest';
import type { MediaFacts } from '../../src/media/inspect.js';
import { ffprobe, rational, toTempFile, type ProbeStream } from '../helpers/ffmpeg.js';

/** Fields ffprobe prints that the shared helper's type leaves out. */
interface ProbeStreamExtra extends ProbeStream {
  level?: number;
  side_data_list?: { side_data_type: string; rotation?: number }[];
}

/** ffprobe's codec for each image format (its demuxer name varies: `jpeg_pipe`, or `image2` by file extension). */
const IMAGE_CODEC_NAMES: Record<string, string> = {
  png: 'png',
  jpeg: 'mjpeg',
  webp: 'webp',
  gif: 'gif',
};

/** H.264 profile_idc for the profile names ffprobe prints. */
const H264_PROFILE_IDC: Record<string, number> = {
  Baseline: 66,
  'Constrained Baseline': 66,
  Main: 77,
  High: 100,
};

export async function expectAgreesWithFfprobe(facts: MediaFacts, bytes: Uint8Array, name: string): Promise<void> {
  const probe = await ffprobe(toTempFile(bytes, name));
  const video = probe.streams.find((s) => s.codec_type === 'video') as ProbeStreamExtra | undefined;
  expect(video, `ffprobe finds a picture in ${name}`).toBeDefined();
  if (!video) return;

  if (facts.kind === 'image') {
    expect(video.codec_name).toBe(IMAGE_CODEC_NAMES[facts.format]);
    expect([facts.width, facts.height]).toEqual([video.width, video.height]);
    return;
  }

  expect(probe.format.format_name.split(',')).toContain(facts.format === 'mkv' ? 'matroska' : facts.format);
  expect(video.codec_name).toBe(facts.codec);
  // ffprobe reports coded size and a counter-clockwise display rotation; facts carry both views.
  expect([facts.codedWidth, facts.codedHeight]).toEqual([video.width, video.height]);
  const ccw = video.side_data_list?.find((d) => d.side_data_type === 'Display Matrix')?.rotation ?? 0;
  expect(facts.rotation).toBe((((360 - ccw) % 360) + 360) % 360);
  const swapped = facts.rotation === 90 || facts.rotation === 270;
  expect([facts.width, facts.height]).toEqual(swapped ? [video.height, video.width] : [video.width, video.height]);

  expect(facts.frameRate).toBeCloseTo(rational(video.avg_frame_rate), 2);
  if (video.nb_frames !== undefined) expect(facts.frameCount).toBe(Number(video.nb_frames));
  const frame = 1 / rational(video.avg_frame_rate);
  expect(Math.abs(facts.durationSeconds - Number(probe.format.duration))).toBeLessThanOrEqual(frame);

  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  expect(facts.hasAudio).toBe(audio !== undefined);
  expect(facts.audioCodec).toBe(audio?.codec_name);

  if (facts.codec === 'h264') {
    // avc1.PPCCLL: profile_idc, constraint flags, level_idc, in hex.
    expect(facts.codecString).toMatch(/^avc1\.[0-9a-f]{6}$/i);
    const codecString = facts.codecString ?? '';
    expect(parseInt(codecString.slice(5, 7), 16)).toBe(H264_PROFILE_IDC[video.profile ?? '']);
    expect(parseInt(codecString.slice(9, 11), 16)).toBe(video.level);
  }
}
