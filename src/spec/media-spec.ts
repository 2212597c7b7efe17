/**
 * Reading a media spec back from its text spelling (model, size, seconds, fps), as the mock's
 * stateless media URLs carry it. What makes a spelling valid is the model table and the size rules,
 * so it lives here; src/media/recipe.ts receives this reader as a parameter and so depends on spec
 * types only. Messages name the field and what is accepted; the caller says whose field it is.
 */
import { formatModelName, isVideoModel, parseModelName, type ModelName, type VideoSeconds } from './model.js';
import { ALL_VIDEO_SECONDS } from './options.js';
import {
  IMAGE_SIZES,
  VIDEO_SIZES,
  imageAspectOf,
  imageSpecFor,
  videoOrientationOf,
  videoSpecFor,
  type ImageSpec,
  type VideoQuality,
  type VideoSpec,
} from './rules.js';

export type SpecFieldResult<T> = { ok: true; value: T } | { ok: false; message: string };

export interface MediaSpecReader {
  /** The model field: a canonical name of a model that makes media of this kind. */
  model(kind: 'image' | 'video', text: string): SpecFieldResult<ModelName>;
  /** The spec of an image from its size field. */
  imageSpec(size: string): SpecFieldResult<ImageSpec>;
  /** The spec of a video of a checked model from its size, seconds and fps fields. */
  videoSpec(model: ModelName, size: string, seconds: string, fps: string): SpecFieldResult<VideoSpec>;
}

/** Frame rates a spelling may carry: every rate sora-kit renders (24) and headroom, never absurd ones. */
const MAX_FPS = 120;

const IMAGE_SIZE_LIST = Object.values(IMAGE_SIZES).map((s) => s.size);
const VIDEO_SIZE_LIST = (Object.keys(VIDEO_SIZES) as VideoQuality[]).flatMap((quality) =>
  Object.values(VIDEO_SIZES[quality]).map((s) => ({ quality, ...s })),
);

const bad = (message: string): { ok: false; message: string } => ({ ok: false, message });

export const MEDIA_SPEC_READER: MediaSpecReader = {
  model(kind, text) {
    const parsed = parseModelName(text);
    if (!parsed.ok) return bad(`model: ${parsed.error.message}`);
    const canonical = formatModelName(parsed.model);
    if (canonical !== text) return bad(`model '${text}' is not canonical; expected '${canonical}'`);
    if (isVideoModel(parsed.model) !== (kind === 'video')) {
      return bad(`model '${text}' does not make ${kind === 'image' ? 'images' : 'videos'}`);
    }
    return { ok: true, value: parsed.model };
  },

  imageSpec(size) {
    const found = Object.values(IMAGE_SIZES).find((s) => s.size === size);
    if (!found) return bad(`image size '${size}' is not one of ${IMAGE_SIZE_LIST.join(', ')}`);
    return { ok: true, value: imageSpecFor(imageAspectOf(found)) };
  },

  videoSpec(model, size, secondsText, fpsText) {
    const found = VIDEO_SIZE_LIST.find((s) => s.size === size);
    if (!found) return bad(`video size '${size}' is not one of ${VIDEO_SIZE_LIST.map((s) => s.size).join(', ')}`);
    const seconds = Number(secondsText) as VideoSeconds;
    if (!ALL_VIDEO_SECONDS.includes(seconds) || String(seconds) !== secondsText) {
      return bad(`seconds '${secondsText}' is not one of ${ALL_VIDEO_SECONDS.join(', ')}`);
    }
    const fps = Number(fpsText);
    if (!/^[1-9][0-9]*$/.test(fpsText) || fps > MAX_FPS) return bad(`fps '${fpsText}' is not an integer 1..${MAX_FPS}`);
    // The spelling is the authority on size, duration and rate (a recipe records what was rendered).
    const base = videoSpecFor(model, videoOrientationOf(found));
    const spec: VideoSpec = { ...base, quality: found.quality, width: found.width, height: found.height, size: found.size, seconds, fps };
    return { ok: true, value: spec };
  },
};
