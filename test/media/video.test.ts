import { describe, expect, it } from 'vitest';
import { generateVideo, sceneColourAt, videoRecipe, PROGRESS_FILL, PROGRESS_TRACK, INK, PLATE } from '../../src/media/index.js';
import { buildScene, progressUnits, unpack, unitColour } from '../../src/media/scene.js';
import { parseModelName } from '../../src/spec/model.js';
import { VIDEO_FPS, videoSpecFor } from '../../src/spec/rules.js';
import { colourDistance, ffmpegDecodeErrors, ffprobe, rational, toTempFile } from '../helpers/ffmpeg.js';
import { compareWithScene, decodeFramesRgb } from './scene-samples.js';

/** Every size x duration of the platform (sora_video is 5 s; sora_video2 10/15/25 s; hd doubles the size). */
const MATRIX = ['portrait', 'landscape'].flatMap((orientation) =>
  ['', '-hd'].flatMap((hd) =>
    [
      ['sora_video', 5],
      ['sora_video2', 10],
      ['sora_video2', 15],
      ['sora_video2', 25],
    ].map(([base, seconds]) => {
      const name = base === 'sora_video' ? 'sora_video' : `sora_video2-${orientation}${hd}${seconds === 10 ? '' : `-${seconds}s`}`;
      return { name, orientation: orientation as 'portrait' | 'landscape', seconds: seconds as number };
    }),
  ),
).filter((c, i, all) => all.findIndex((d) => d.name === c.name && d.orientation === c.orientation) === i);

/** Colour tolerance after BT.601 limited-range YCbCr and back. */
const TOLERANCE = 6;

describe.concurrent('H.264 MP4 video', () => {
  for (const { name, orientation, seconds } of MATRIX) {
    const parsed = parseModelName(name);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const spec = videoSpecFor(parsed.model, orientation);
    // Alternate the watermark so both states are checked at every size.
    const watermark = seconds === 10 || seconds === 25;
    it(`${name} (${spec.size}, ${spec.seconds} s, watermark ${watermark}): probes, decodes cleanly, frames match the scene`, async () => {
      expect(spec.seconds).toBe(seconds);
      const recipe = videoRecipe({ prompt: `a red fox running, ${name}`, spec, watermark, index: 1 });
      const path = toTempFile(await generateVideo(recipe), `video-${name}-${orientation}.mp4`);
      const probe = await ffprobe(path);
      const video = probe.streams.find((s) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'h264', width: spec.width, height: spec.height, pix_fmt: 'yuv420p' });
      expect(rational(video!.r_frame_rate)).toBe(VIDEO_FPS);
      expect(Math.abs(Number(probe.format.duration) - seconds)).toBeLessThanOrEqual(1 / VIDEO_FPS);
      expect(await ffmpegDecodeErrors(path)).toBe('');

      const scene = buildScene(recipe);
      const frameCount = seconds * VIDEO_FPS;
      const times = [0, Math.floor(frameCount / 3), Math.floor(frameCount / 2), frameCount - 1];
      const frames = await decodeFramesRgb(path, spec.width, spec.height, times);
      const W = scene.widthUnits;
      const H = scene.heightUnits;
      for (const [i, f] of times.entries()) {
        const { mismatches } = compareWithScene(frames[i], scene, f, { unitPx: 16, tolerance: TOLERANCE });
        expect(mismatches.slice(0, 3), `frame ${f}`).toEqual([]);
        // The progress bar: filled exactly up to progressUnits, which grows to full on the last frame.
        const filled = progressUnits(scene, f);
        const row = (H - 1) * 16 + 8;
        if (filled > 0) expect(colourDistance(frames[i].pixel((filled - 1) * 16 + 8, row), PROGRESS_FILL)).toBeLessThanOrEqual(TOLERANCE);
        if (filled < W) expect(colourDistance(frames[i].pixel(filled * 16 + 8, row), PROGRESS_TRACK)).toBeLessThanOrEqual(TOLERANCE);
        const secondsAt = (f + 0.5) / VIDEO_FPS;
        expect(unpack(unitColour(scene, filled - 1, H - 1, f))).toEqual(sceneColourAt(recipe, (filled - 1) * 16, (H - 1) * 16, secondsAt));
      }
      expect(progressUnits(scene, frameCount - 1)).toBe(W);
      expect(progressUnits(scene, 0)).toBeLessThan(W / 4);
      // The watermark plate and the first ink unit of "SORA", top right.
      const plate = frames[1].pixel((W - 20) * 16 + 8, 3 * 16 + 8);
      const ink = frames[1].pixel((W - 19) * 16 + 8, 4 * 16 + 8);
      expect(colourDistance(plate, PLATE) <= TOLERANCE && colourDistance(ink, INK) <= TOLERANCE).toBe(watermark);
    });
  }
});
