import { describe, expect, it } from 'vitest';
import { encodeMp4 } from '../../../src/media/mp4.js';
import {
  colourDistance,
  decodeFrameRgb,
  ffmpegDecodeErrors,
  ffprobe,
  rational,
  toTempFile,
} from '../../helpers/ffmpeg.js';
import { syntheticSource, ycbcrToRgb, type SyntheticSource } from './synthetic.js';

const FPS = 24;
const SIZES = [
  [720, 1280],
  [1280, 720],
  [1024, 1792],
  [1792, 1024],
] as const;
const SECONDS = [5, 10, 15, 25] as const;

/**
 * Time to ask decodeFrameRgb for to get frame f: ffmpeg's constant-frame-rate output picks the frame
 * nearest to the time, so aim at its exact start (the checkerboard, whose phase flips every frame,
 * makes an off-by-one fail the pixel check).
 */
const frameTime = (f: number) => f / FPS;

const sourceFor = (width: number, height: number, seconds: number) =>
  syntheticSource({ widthMbs: width / 16, heightMbs: height / 16, frameCount: seconds * FPS });

/** Top-level and nested ISO BMFF boxes, enough to read the few fields the tests check. */
function boxes(bytes: Uint8Array, start = 0, end = bytes.length): Array<{ type: string; start: number; end: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Array<{ type: string; start: number; end: number }> = [];
  for (let pos = start; pos + 8 <= end; ) {
    const size = view.getUint32(pos);
    if (size < 8) throw new Error(`box at ${pos} has size ${size}`);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    out.push({ type, start: pos + 8, end: pos + size });
    pos += size;
  }
  return out;
}

function findBox(bytes: Uint8Array, path: string[], start = 0, end = bytes.length): { start: number; end: number } {
  const [head, ...rest] = path;
  const b = boxes(bytes, start, end).find((x) => x.type === head);
  if (!b) throw new Error(`box ${head} not found`);
  return rest.length ? findBox(bytes, rest, b.start, b.end) : b;
}

/**
 * Compare decoded pixels with the source on a 4-pixel grid, skipping points within 3 pixels of a
 * colour change (chroma upsampling legitimately blends there). Returns how many points were checked.
 */
function expectFrameMatches(source: SyntheticSource, frame: number, rgb: Awaited<ReturnType<typeof decodeFrameRgb>>): number {
  const { width, height } = rgb;
  // Packed Y/Cb/Cr of every pixel, so the neighbourhood test compares numbers.
  const packed = new Int32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [l, cb, cr] = source.ycbcrAt(frame, x, y);
      packed[y * width + x] = (l << 16) | (cb << 8) | cr;
    }
  }
  let checked = 0;
  const failures: string[] = [];
  for (let y = 3; y < height - 3; y += 4) {
    for (let x = 3; x < width - 3; x += 4) {
      const k = packed[y * width + x];
      let uniform = true;
      for (let dy = -3; dy <= 3 && uniform; dy++) {
        for (let dx = -3; dx <= 3 && uniform; dx++) uniform = packed[(y + dy) * width + x + dx] === k;
      }
      if (!uniform) continue;
      checked++;
      const want = ycbcrToRgb([k >> 16, (k >> 8) & 255, k & 255]);
      const got = rgb.pixel(x, y);
      if (colourDistance(want, got) > 3 && failures.length < 5) failures.push(`(${x},${y}) want ${want} got ${got}`);
    }
  }
  expect(failures, `frame ${frame}`).toEqual([]);
  return checked;
}

/** Full decodes are the slow part: every size at 5 s plus the longest, largest clip. */
const decodeChecked = (width: number, seconds: number) => seconds === 5 || (seconds === 25 && width === 1792);

describe('encodeMp4 with ffprobe/ffmpeg', () => {
  for (const [width, height] of SIZES) {
    for (const seconds of SECONDS) {
      const decode = decodeChecked(width, seconds);
      it(`${width}x${height} ${seconds}s: h264 yuv420p at 24 fps, exact duration${decode ? ', clean decode' : ''}`, async () => {
        const frames = seconds * FPS;
        const mp4 = await encodeMp4(sourceFor(width, height, seconds), { fps: FPS });
        const path = toTempFile(mp4, `clip-${width}x${height}-${seconds}.mp4`);
        const probe = await ffprobe(path);
        const video = probe.streams.find((s) => s.codec_type === 'video');
        expect(video).toMatchObject({ codec_name: 'h264', profile: 'Constrained Baseline', pix_fmt: 'yuv420p', width, height });
        expect(rational(video?.r_frame_rate)).toBe(FPS);
        expect(rational(video?.avg_frame_rate)).toBe(FPS);
        expect(Number(video?.nb_frames)).toBe(frames);
        expect(Math.abs(Number(video?.duration) - seconds)).toBeLessThan(1 / FPS);
        expect(Math.abs(Number(probe.format.duration) - seconds)).toBeLessThan(1 / FPS);
        expect(probe.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');
        if (decode) expect(await ffmpegDecodeErrors(path)).toBe('');
      });
    }
  }
});

describe('encodeMp4 pictures', () => {
  const cases = [
    { width: 1792, height: 1024, seconds: 5, frames: [0, 1, 47, 48, 49, 119] },
    { width: 720, height: 1280, seconds: 10, frames: [0, 100, 239] },
  ];
  for (const { width, height, seconds, frames } of cases) {
    it(`${width}x${height}: decoded frames ${frames.join(', ')} show the source colours`, async () => {
      const source = sourceFor(width, height, seconds);
      const path = toTempFile(await encodeMp4(source, { fps: FPS }), `pixels-${width}x${height}.mp4`);
      for (const f of frames) {
        const rgb = await decodeFrameRgb(path, width, height, frameTime(f));
        // Most of the picture is checkable; a broken frame cannot pass by having few test points.
        expect(expectFrameMatches(source, f, rgb)).toBeGreaterThan((width * height) / 16 / 2);
      }
    });
  }

  it('moves the bar: the same pixel is background early and bar colour late', async () => {
    const source = sourceFor(1280, 720, 5);
    const path = toTempFile(await encodeMp4(source, { fps: FPS }), 'bar.mp4');
    const x = 640;
    const y = (720 / 16 - 3) * 16 + 8;
    const early = await decodeFrameRgb(path, 1280, 720, frameTime(12));
    const late = await decodeFrameRgb(path, 1280, 720, frameTime(108));
    expect(colourDistance(early.pixel(x, y), [30, 60, 200])).toBeLessThanOrEqual(3);
    expect(colourDistance(late.pixel(x, y), [250, 200, 20])).toBeLessThanOrEqual(3);
  });
});

describe('encodeMp4 container', () => {
  it('puts moov before mdat, zeroes creation times and lists every IDR in stss', async () => {
    const mp4 = await encodeMp4(sourceFor(1280, 720, 5), { fps: FPS, keyframeInterval: 24 });
    const top = boxes(mp4).map((b) => b.type);
    expect(top.indexOf('moov')).toBeGreaterThan(-1);
    expect(top.indexOf('moov')).toBeLessThan(top.indexOf('mdat'));
    const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
    const mvhd = findBox(mp4, ['moov', 'mvhd']);
    expect(view.getUint32(mvhd.start + 4)).toBe(0); // creation_time
    // The movie lasts as long as its longest track: the silent audio ends within one AAC frame after the video.
    const mvhdTimescale = view.getUint32(mvhd.start + 12);
    expect(Math.abs(view.getUint32(mvhd.start + 16) / mvhdTimescale - 5)).toBeLessThan(1 / FPS);
    const traks = boxes(mp4, findBox(mp4, ['moov']).start, findBox(mp4, ['moov']).end).filter((b) => b.type === 'trak');
    const videoTrak = traks.find((t) => {
      const hdlr = findBox(mp4, ['mdia', 'hdlr'], t.start, t.end);
      return String.fromCharCode(...mp4.subarray(hdlr.start + 8, hdlr.start + 12)) === 'vide';
    });
    if (!videoTrak) throw new Error('no video trak');
    const mdhd = findBox(mp4, ['mdia', 'mdhd'], videoTrak.start, videoTrak.end);
    expect(view.getUint32(mdhd.start + 16) / view.getUint32(mdhd.start + 12)).toBe(5);
    const stss = findBox(mp4, ['mdia', 'minf', 'stbl', 'stss'], videoTrak.start, videoTrak.end);
    const count = view.getUint32(stss.start + 4);
    const syncSamples = Array.from({ length: count }, (_, i) => view.getUint32(stss.start + 8 + 4 * i));
    expect(syncSamples).toEqual([1, 25, 49, 73, 97]);
    // stsd has 8 bytes (version, flags, entry count) before its entries; avc1 has 78 before its boxes.
    const stsd = findBox(mp4, ['mdia', 'minf', 'stbl', 'stsd'], videoTrak.start, videoTrak.end);
    const avc1 = findBox(mp4, ['avc1'], stsd.start + 8, stsd.end);
    expect(view.getUint16(avc1.start + 24)).toBe(1280);
    expect(view.getUint16(avc1.start + 26)).toBe(720);
    const avcC = findBox(mp4, ['avcC'], avc1.start + 78, avc1.end);
    expect([...mp4.subarray(avcC.start, avcC.start + 5)]).toEqual([1, 66, 0xc0, 31, 0xff]);
  });

  it('gives byte-identical output for the same input and different output for a different one', async () => {
    const make = (background: [number, number, number]) =>
      encodeMp4(syntheticSource({ widthMbs: 80, heightMbs: 45, frameCount: 48, background }), { fps: FPS });
    const a = await make([30, 60, 200]);
    const b = await make([30, 60, 200]);
    const c = await make([200, 60, 30]);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it("omits the audio track with audio: 'none'", async () => {
    const path = toTempFile(await encodeMp4(sourceFor(1280, 720, 5), { fps: FPS, audio: 'none' }), 'silent.mp4');
    const probe = await ffprobe(path);
    expect(probe.streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(await ffmpegDecodeErrors(path)).toBe('');
  });

  it('rejects sources and options it cannot encode, naming the value', async () => {
    await expect(encodeMp4({ ...sourceFor(1280, 720, 5), frameCount: 0 }, { fps: FPS })).rejects.toThrow(/frameCount must be at least 1, got 0/);
    await expect(encodeMp4(sourceFor(1280, 720, 5), { fps: 0 })).rejects.toThrow(/fps must be a positive number, got 0/);
  });
});
