/**
 * sora-kit/media: deterministic, real media for the Sora platform mock, and media inspection.
 *
 * generate*  pure functions of a Recipe (same recipe -> same bytes)
 * createMediaStore  the lazy, bounded, de-duplicating cache the mock serves media through
 */
import { createMediaCache, type MediaCache } from './cache.js';
import { encodePng } from './png.js';
import { MEDIA_SPEC_READER } from '../spec/media-spec.js';
import { decodeRecipeWith, encodeRecipe, type DecodeRecipeResult, type Recipe } from './recipe.js';
import { SCENE_UNIT, buildScene, renderFrame, type RgbImage } from './scene.js';
import { generateSpritesheet, generateThumbnail, generateVideo } from './video.js';

export * from './recipe.js';

/** Decode and validate an encoded recipe against the platform's model table and size rules. */
export function decodeRecipe(text: unknown): DecodeRecipeResult {
  return decodeRecipeWith(MEDIA_SPEC_READER, text);
}
export {
  INK,
  PLATE,
  PROGRESS_FILL,
  PROGRESS_TRACK,
  SCENE_UNIT,
  WATERMARK_TEXT,
  WATERMARK_UNITS,
  buildScene,
  frameAtTime,
  progressUnits,
  renderFrame,
  sceneColourAt,
  scenePalette,
  type Rgb,
  type RgbImage,
  type Scene,
  type ScenePalette,
} from './scene.js';
export {
  SPRITE_COLUMNS,
  SPRITE_ROWS,
  SPRITE_UNIT_PX,
  THUMBNAIL_UNIT_PX,
  generateSpritesheet,
  generateThumbnail,
  generateVideo,
  spritesheetFrames,
  thumbnailFrame,
  videoFrameSource,
} from './video.js';
export { encodePng } from './png.js';
export { encodeWebpLossless } from './webp.js';
export { encodeJpeg } from './jpeg.js';
export { createMediaCache, type MediaCache, type MediaCacheOptions } from './cache.js';
export type { MbContent, VideoFrameSource, EncodeVideoOptions, Ycbcr } from './h264/types.js';
export * from './inspect.js';

/** Reused render target: generateImage is synchronous and the PNG copies what it needs. */
let canvas: RgbImage | undefined;

/** The image of an image recipe (or frame 0 of a video recipe), as PNG at the spec's size. */
export function generateImage(recipe: Recipe): Uint8Array {
  const scene = buildScene(recipe);
  const width = scene.widthUnits * SCENE_UNIT;
  const height = scene.heightUnits * SCENE_UNIT;
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = { width, height, data: new Uint8Array(width * height * 3) };
  }
  return encodePng(renderFrame(scene, 0, SCENE_UNIT, canvas));
}

/** What `GET /videos/{id}/content?variant=` and image URLs can ask for. */
export type MediaVariant = 'image' | 'video' | 'thumbnail' | 'spritesheet';

export const MEDIA_CONTENT_TYPES: Record<MediaVariant, string> = {
  image: 'image/png',
  video: 'video/mp4',
  thumbnail: 'image/webp',
  spritesheet: 'image/jpeg',
};

/** The file extension of each variant: media links end in it, `sora-kit media --out` must. */
export const MEDIA_EXTENSIONS: Record<MediaVariant, string> = { image: 'png', video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' };

const VARIANTS_OF: Record<Recipe['kind'], readonly MediaVariant[]> = {
  image: ['image', 'thumbnail'],
  video: ['video', 'thumbnail', 'spritesheet'],
};

/** Generate one variant of a recipe; asking for a variant the kind does not have is a TypeError. */
export async function generateMedia(recipe: Recipe, variant: MediaVariant): Promise<Uint8Array> {
  if (!VARIANTS_OF[recipe.kind].includes(variant)) {
    throw new TypeError(
      `variant '${variant}' does not exist for ${recipe.kind} media; accepted: ${VARIANTS_OF[recipe.kind].join(', ')}`,
    );
  }
  if (variant === 'thumbnail') return generateThumbnail(recipe);
  if (recipe.kind === 'image') return generateImage(recipe);
  return variant === 'video' ? generateVideo(recipe) : generateSpritesheet(recipe);
}

export interface MediaFile {
  bytes: Uint8Array;
  contentType: string;
  /** Cache key: variant + canonical recipe encoding. */
  key: string;
}

export interface MediaStore {
  get(recipe: Recipe, variant: MediaVariant): Promise<MediaFile>;
  readonly cache: MediaCache;
}

/** Default bound: a few dozen 25 s HD videos or hundreds of images. */
export const DEFAULT_MEDIA_CACHE_BYTES = 256 * 1024 * 1024;

/**
 * What makes the bytes of one variant of a recipe: generateMedia by default (in this thread); the
 * Node server passes one that runs generateMedia on a pool of worker threads. It must give what
 * generateMedia gives, byte for byte.
 */
export type MediaGenerator = (recipe: Recipe, variant: MediaVariant) => Promise<Uint8Array>;

export interface MediaStoreOptions {
  /** Bound of the cache; default DEFAULT_MEDIA_CACHE_BYTES. */
  maxBytes?: number;
  /** Default: generateMedia, in this thread. */
  generate?: MediaGenerator;
}

/** The cache in front of the generator: one generation per key at a time, however many ask for it. */
export function createMediaStore(options: MediaStoreOptions = {}): MediaStore {
  const cache = createMediaCache({ maxBytes: options.maxBytes ?? DEFAULT_MEDIA_CACHE_BYTES });
  const generate = options.generate ?? generateMedia;
  return {
    cache,
    async get(recipe, variant) {
      const key = `${variant}:${encodeRecipe(recipe)}`;
      const bytes = await cache.get(key, () => generate(recipe, variant));
      return { bytes, contentType: MEDIA_CONTENT_TYPES[variant], key };
    },
  };
}
