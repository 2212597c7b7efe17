/**
 * Inspection agrees with ffprobe on what sora-kit itself generates: every video size (the shortest
 * duration, to keep the run short; duration handling is covered by the ffmpeg fixtures), every image
 * size, the thumbnail and the spritesheet.
 */
import { describe, expect, it } from 'vitest';
import { generateImage, generateSpritesheet, generateThumbnail, generateVideo, imageRecipe, videoRecipe } from '../../src/media/index.js';
import { inspectMedia } from '../../src/media/inspect.js';
import { parseModelName } from '../../src/spec/model.js';
import { IMAGE_SIZES, VIDEO_FPS, videoSpecFor } from '../../src/spec/rules.js';
import { expectAgreesWithFfprobe } from './inspect-probe.js';

function videoSpec(model: string, orientation: 'portrait' | 'landscape') {
  const parsed = parseModelName(model);
  if (!parsed.ok) throw new Error(`test setup: ${model} is not a model name`);
  return videoSpecFor(parsed.model, orientation);
}

const VIDEO_CASES = [
  videoSpec('sora_video2', 'portrait'),
  videoSpec('sora_video2', 'landscape'),
  videoSpec('sora_video2-hd', 'portrait'),
  videoSpec('sora_video2-hd', 'landscape'),
].map((spec) => ({ ...spec, seconds: 5 as const }));

describe('inspectMedia on sora-kit generated media', () => {
  for (const spec of VIDEO_CASES) {
    it(`video ${spec.size}: ${spec.seconds} s H.264 MP4 agrees with ffprobe`, async () => {
      const bytes = await generateVideo(videoRecipe({ prompt: 'a red kite over the sea', spec }));
      const facts = await inspectMedia(bytes);
      expect(facts).toMatchObject({
        kind: 'video',
        format: 'mp4',
        codec: 'h264',
        width: spec.width,
        height: spec.height,
        rotation: 0,
      });
      if (facts.kind !== 'video') return;
      expect(facts.frameRate).toBeCloseTo(VIDEO_FPS, 3);
      expect(Math.abs(facts.durationSeconds - spec.seconds)).toBeLessThanOrEqual(1 / VIDEO_FPS);
      await expectAgreesWithFfprobe(facts, bytes, `generated-${spec.size}.mp4`);
    });
  }

  it('thumbnail (WebP) and spritesheet (JPEG) of a video agree with ffprobe', async () => {
    const recipe = videoRecipe({ prompt: 'a red kite over the sea', spec: { ...VIDEO_CASES[1] } });
    const thumbnail = generateThumbnail(recipe);
    const spritesheet = generateSpritesheet(recipe);
    const thumbFacts = await inspectMedia(thumbnail);
    const spriteFacts = await inspectMedia(spritesheet);
    expect(thumbFacts).toMatchObject({ kind: 'image', format: 'webp' });
    expect(spriteFacts).toMatchObject({ kind: 'image', format: 'jpeg' });
    await expectAgreesWithFfprobe(thumbFacts, thumbnail, 'generated-thumbnail.webp');
    await expectAgreesWithFfprobe(spriteFacts, spritesheet, 'generated-spritesheet.jpg');
  });

  for (const { width, height, size } of Object.values(IMAGE_SIZES)) {
    it(`image ${size}: PNG agrees with ffprobe`, async () => {
      const bytes = generateImage(imageRecipe({ prompt: 'a lighthouse at dusk', spec: { aspect: '1:1', width, height, size } }));
      const facts = await inspectMedia(bytes);
      expect(facts).toMatchObject({ kind: 'image', format: 'png', width, height });
      await expectAgreesWithFfprobe(facts, bytes, `generated-${size}.png`);
    });
  }
});
