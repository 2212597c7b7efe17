/**
 * The platform's size and orientation rules as pure functions (documented in specs/rules.md).
 * The mock applies them to decide what to generate; the conformance runner applies them to decide
 * what a deployment should have generated. One implementation, so the two can never disagree.
 */
import type { ModelName, Orientation, VideoSeconds } from './model.js';
import { formatModelName } from './model.js';

export type ImageAspect = '1:1' | '3:2' | '2:3';
export type ImageSize = '1024x1024' | '1536x1024' | '1024x1536';
export type VideoSize = '720x1280' | '1280x720' | '1024x1792' | '1792x1024';
export type VideoQuality = 'sd' | 'hd';

/** Frame rate of every video sora-kit generates (24 fps divides every duration into whole frames). */
export const VIDEO_FPS = 24;

export const IMAGE_SIZES: Record<ImageAspect, { width: number; height: number; size: ImageSize }> = {
  '1:1': { width: 1024, height: 1024, size: '1024x1024' },
  '3:2': { width: 1536, height: 1024, size: '1536x1024' },
  '2:3': { width: 1024, height: 1536, size: '1024x1536' },
};

export const VIDEO_SIZES: Record<VideoQuality, Record<Orientation, { width: number; height: number; size: VideoSize }>> = {
  sd: {
    portrait: { width: 720, height: 1280, size: '720x1280' },
    landscape: { width: 1280, height: 720, size: '1280x720' },
  },
  hd: {
    portrait: { width: 1024, height: 1792, size: '1024x1792' },
    landscape: { width: 1792, height: 1024, size: '1792x1024' },
  },
};

/** What an image request resolves to. */
export interface ImageSpec {
  aspect: ImageAspect;
  width: number;
  height: number;
  size: ImageSize;
}

/** What a video request resolves to: the same object the mock's jobs store and the checker verifies. */
export interface VideoSpec {
  /** Canonical model name of the request (e.g. `sora_video2-landscape-hd`). */
  model: string;
  base: 'sora_video' | 'sora_video2';
  orientation: Orientation;
  quality: VideoQuality;
  width: number;
  height: number;
  size: VideoSize;
  seconds: VideoSeconds;
  pro: boolean;
  fps: number;
}

/** A parsed `WxH` size. */
export interface Dimensions {
  width: number;
  height: number;
}

export function imageAspectOf({ width, height }: Dimensions): ImageAspect {
  if (width === height) return '1:1';
  return width > height ? '3:2' : '2:3';
}

export function imageSpecFor(aspect: ImageAspect): ImageSpec {
  return { aspect, ...IMAGE_SIZES[aspect] };
}

export function videoOrientationOf({ width, height }: Dimensions): Orientation {
  return width > height ? 'landscape' : 'portrait';
}

/** Build the video spec of a model name once the orientation has been decided. */
export function videoSpecFor(model: ModelName, orientation: Orientation): VideoSpec {
  if (model.base === 'sora_image') throw new TypeError('videoSpecFor: sora_image is not a video model');
  const quality: VideoQuality = model.base === 'sora_video2' && model.hd ? 'hd' : 'sd';
  const seconds: VideoSeconds = model.base === 'sora_video' ? 5 : (model.seconds ?? 10);
  return {
    model: formatModelName(model),
    base: model.base,
    orientation,
    quality,
    ...VIDEO_SIZES[quality][orientation],
    seconds,
    pro: model.base === 'sora_video2' && model.pro,
    fps: VIDEO_FPS,
  };
}
