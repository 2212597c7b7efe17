/**
 * The platform's size and orientation rules as pure functions (documented in specs/rules.md).
 * The mock applies them to decide what to generate; the conformance runner applies them to decide
 * what a deployment should have generated. One implementation, so the two can never disagree.
 */
import type { ModelName, Orientation, VideoSeconds } from './model.js';
import { formatModelName, modelOptionsOf } from './model.js';
import {
  BASE_MODEL_TABLE,
  OPTION_BASE,
  VIDEO_DEFAULTS,
  baseRow,
  optionRow,
  secondsOfBase,
  type OptionEffect,
  type VideoBase,
  type VideoQuality,
} from './options.js';
import { aspectDimensions, type PromptAnalysis } from './analysis.js';
import type { IgnoredParam } from './ignored.js';
import { describeValue } from './describe.js';

// The header that reports IgnoredParam lives in its own module; re-exported so callers need one import.
export * from './ignored.js';

export type ImageAspect = '1:1' | '3:2' | '2:3';
export type ImageSize = '1024x1024' | '1536x1024' | '1024x1536';
export type VideoSize = '720x1280' | '1280x720' | '1024x1792' | '1792x1024';
export type { VideoQuality };

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
  base: VideoBase;
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

/**
 * What the options of a name fix, merged from their rows of the option table, and the duration a
 * base fixes on its own (sora_video: 5 s).
 */
export function fixedByName(model: ModelName): OptionEffect {
  const fixed: OptionEffect = {};
  for (const option of modelOptionsOf(model)) Object.assign(fixed, optionRow(option)!.effect);
  const base = baseRow(model.base);
  if (base.kind === 'video' && base.fixesSeconds) fixed.seconds = base.seconds;
  return fixed;
}

/**
 * Build the video spec of a model name once the orientation has been decided. `seconds` is the
 * duration chosen by the `seconds` parameter when the name does not fix one (see resolveVideoRequest);
 * a duration fixed by the name always wins. Throws only on programmer error (an image model).
 */
export function videoSpecFor(model: ModelName, orientation: Orientation, seconds?: VideoSeconds): VideoSpec {
  const base = baseRow(model.base);
  if (base.kind !== 'video') throw new TypeError(`videoSpecFor: ${model.base} is not a video model`);
  const fixed = fixedByName(model);
  const quality = fixed.quality ?? VIDEO_DEFAULTS.quality;
  return {
    model: formatModelName(model),
    base: base.base,
    orientation,
    quality,
    ...VIDEO_SIZES[quality][orientation],
    seconds: (fixed.seconds ?? seconds ?? base.seconds) as VideoSeconds,
    pro: fixed.pro ?? VIDEO_DEFAULTS.pro,
    fps: VIDEO_FPS,
  };
}

/* ------------------------------------------------------------------------------------------------ */
/* Request resolution: body parameters + model name + prompt analysis -> what to generate.          */
/* Everything below returns errors as data; nothing throws on user input.                           */
/* ------------------------------------------------------------------------------------------------ */

/** A rejected request parameter, ready to wrap in the OpenAI error envelope (type `invalid_request_error`). */
export interface RuleError {
  param: string;
  message: string;
  code: 'invalid_value' | 'invalid_type';
}

/** Largest width or height `parseSize` accepts: far above anything the platform renders, so only absurd values trip it. */
export const MAX_DIMENSION = 16384;

export type ParseSizeResult = { ok: true; dims: Dimensions } | { ok: false; error: RuleError };

// The one describer of received values (strings in single quotes here); re-exported for callers.
export { cutText, describeValue } from './describe.js';

const SIZE_PATTERN = /^([0-9]+)x([0-9]+)$/;

/** Parse a `WxH` size: lowercase `x`, positive integers, each at most MAX_DIMENSION. */
export function parseSize(value: unknown, param = 'size'): ParseSizeResult {
  const accepted = `'WxH' with positive integers up to ${MAX_DIMENSION}, e.g. '1792x1024'`;
  if (typeof value !== 'string') {
    return { ok: false, error: { param, code: 'invalid_type', message: `Invalid '${param}': expected a string ${accepted}, got ${describeValue(value)}.` } };
  }
  const match = SIZE_PATTERN.exec(value);
  const width = match ? Number(match[1]) : NaN;
  const height = match ? Number(match[2]) : NaN;
  if (!match || !(width >= 1 && width <= MAX_DIMENSION && height >= 1 && height <= MAX_DIMENSION)) {
    return { ok: false, error: { param, code: 'invalid_value', message: `Invalid '${param}' ${describeValue(value)}: expected ${accepted}.` } };
  }
  return { ok: true, dims: { width, height } };
}

export function formatSize({ width, height }: Dimensions): string {
  return `${width}x${height}`;
}

export const IMAGE_COUNT_MIN = 1;
export const IMAGE_COUNT_MAX = 4;
export const IMAGE_COUNT_DEFAULT = 1;

/**
 * Parse `n`. Decimal-digit strings count as integers because multipart forms (the seed's curl) carry
 * every field as text; JSON numbers must be integers.
 */
export function parseImageCount(value: unknown): { ok: true; n: number } | { ok: false; error: RuleError } {
  if (value === undefined || value === null) return { ok: true, n: IMAGE_COUNT_DEFAULT };
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (Number.isInteger(n) && n >= IMAGE_COUNT_MIN && n <= IMAGE_COUNT_MAX) return { ok: true, n };
  return {
    ok: false,
    error: {
      param: 'n',
      code: typeof value === 'number' || typeof value === 'string' ? 'invalid_value' : 'invalid_type',
      message: `Invalid 'n' ${describeValue(value)}: expected an integer from ${IMAGE_COUNT_MIN} to ${IMAGE_COUNT_MAX} (default ${IMAGE_COUNT_DEFAULT}).`,
    },
  };
}

/** Image aspect class implied by a prompt analysis: an explicit ratio first, else the orientation. */
export function imageAspectFromAnalysis(analysis: PromptAnalysis | null | undefined): ImageAspect | undefined {
  if (!analysis) return undefined;
  if (analysis.aspect) return imageAspectOf(aspectDimensions(analysis.aspect));
  if (analysis.orientation) return analysis.orientation === 'landscape' ? '3:2' : '2:3';
  return undefined;
}

/** Video orientation implied by a prompt analysis, with the same W > H rule as `size`. */
export function videoOrientationFromAnalysis(analysis: PromptAnalysis | null | undefined): Orientation | undefined {
  if (!analysis) return undefined;
  if (analysis.orientation) return analysis.orientation;
  if (analysis.aspect) return videoOrientationOf(aspectDimensions(analysis.aspect));
  return undefined;
}

export type ImageDecidedBy = 'size' | 'analysis' | 'input_image' | 'default';

export interface ImageRequestInput {
  /** The `size` body parameter as received (`WxH`, or `auto` meaning "not given"). */
  size?: unknown;
  /** The `n` body parameter as received. */
  n?: unknown;
  /** The prompt analysis result, when analysis is enabled. */
  analysis?: PromptAnalysis | null;
  /** Dimensions of the first input image (edits, image-to-image chat). */
  firstInputImage?: Dimensions;
}

export type ImageResolution =
  | { ok: true; spec: ImageSpec; n: number; decidedBy: ImageDecidedBy }
  | { ok: false; error: RuleError };

/** Resolve an image request. Precedence of the aspect: size > analysis > first input image > 1:1. */
export function resolveImageRequest(input: ImageRequestInput): ImageResolution {
  const count = parseImageCount(input.n);
  if (!count.ok) return count;
  const n = count.n;
  if (input.size !== undefined && input.size !== null && input.size !== 'auto') {
    const size = parseSize(input.size);
    if (!size.ok) return size;
    return { ok: true, spec: imageSpecFor(imageAspectOf(size.dims)), n, decidedBy: 'size' };
  }
  const fromAnalysis = imageAspectFromAnalysis(input.analysis);
  if (fromAnalysis) return { ok: true, spec: imageSpecFor(fromAnalysis), n, decidedBy: 'analysis' };
  if (input.firstInputImage) {
    return { ok: true, spec: imageSpecFor(imageAspectOf(input.firstInputImage)), n, decidedBy: 'input_image' };
  }
  return { ok: true, spec: imageSpecFor('1:1'), n, decidedBy: 'default' };
}

/** The durations each video base can produce (seed: sora_video 5 s; sora_video2 10 s default, and its duration options). */
export const VIDEO_SECONDS_BY_BASE = Object.fromEntries(
  BASE_MODEL_TABLE.flatMap((row) => (row.kind === 'video' ? [[row.base, secondsOfBase(row.base)]] : [])),
) as Readonly<Record<VideoBase, readonly VideoSeconds[]>>;

export function acceptedSecondsFor(model: ModelName): readonly VideoSeconds[] {
  const base = baseRow(model.base);
  return VIDEO_SECONDS_BY_BASE[base.kind === 'video' ? base.base : OPTION_BASE];
}

/** Parse `seconds` (the SDK sends a string, JSON clients may send a number) against what the model can produce. */
export function parseSeconds(value: unknown, model: ModelName): { ok: true; seconds: VideoSeconds } | { ok: false; error: RuleError } {
  const accepted = acceptedSecondsFor(model);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  const found = accepted.find((s) => s === n);
  if (found !== undefined) return { ok: true, seconds: found };
  return {
    ok: false,
    error: {
      param: 'seconds',
      code: typeof value === 'number' || typeof value === 'string' ? 'invalid_value' : 'invalid_type',
      message:
        `Invalid 'seconds' ${describeValue(value)} for model ${formatModelName(model)}: ` +
        `expected one of ${accepted.map((s) => `'${s}'`).join(', ')}.`,
    },
  };
}

/** `watermark`: a boolean, or the text 'true'/'false' a multipart form carries. Default false. */
export function parseWatermark(value: unknown): { ok: true; watermark: boolean } | { ok: false; error: RuleError } {
  if (value === undefined || value === null) return { ok: true, watermark: false };
  if (value === true || value === 'true') return { ok: true, watermark: true };
  if (value === false || value === 'false') return { ok: true, watermark: false };
  return {
    ok: false,
    error: {
      param: 'watermark',
      code: typeof value === 'string' ? 'invalid_value' : 'invalid_type',
      message: `Invalid 'watermark' ${describeValue(value)}: expected a boolean (true or false; default false).`,
    },
  };
}


export type VideoOrientationDecidedBy = 'model' | 'size' | 'analysis' | 'default';
export type VideoSecondsDecidedBy = 'model' | 'param' | 'default';

export interface VideoRequestInput {
  model: ModelName;
  size?: unknown;
  seconds?: unknown;
  analysis?: PromptAnalysis | null;
  watermark?: unknown;
}

export type VideoResolution =
  | {
      ok: true;
      spec: VideoSpec;
      watermark: boolean;
      decidedBy: { orientation: VideoOrientationDecidedBy; seconds: VideoSecondsDecidedBy };
      ignored: IgnoredParam[];
    }
  | { ok: false; error: RuleError };

/**
 * Resolve a video request. Orientation: model option > size > analysis > portrait. Duration: model
 * option > `seconds` > 10 s (sora_video: always 5 s). Quality comes from the model's `hd` only, never
 * from `size`. Malformed parameters are rejected even when the model overrides them, so a client
 * learns about a typo instead of having it silently ignored.
 */
export function resolveVideoRequest(input: VideoRequestInput): VideoResolution {
  const { model } = input;
  const base = baseRow(model.base);
  if (base.kind !== 'video') {
    return {
      ok: false,
      error: { param: 'model', code: 'invalid_value', message: `Invalid 'model' 'sora_image': expected a video model (sora_video, sora_video2[-options]).` },
    };
  }
  const name = formatModelName(model);
  const ignored: IgnoredParam[] = [];

  let sizeDims: Dimensions | undefined;
  if (input.size !== undefined && input.size !== null) {
    const size = parseSize(input.size);
    if (!size.ok) return size;
    sizeDims = size.dims;
  }
  let secondsParam: VideoSeconds | undefined;
  if (input.seconds !== undefined && input.seconds !== null) {
    const seconds = parseSeconds(input.seconds, model);
    if (!seconds.ok) return seconds;
    secondsParam = seconds.seconds;
  }
  const watermark = parseWatermark(input.watermark);
  if (!watermark.ok) return watermark;

  let orientation: Orientation;
  let orientationBy: VideoOrientationDecidedBy;
  const fromAnalysis = videoOrientationFromAnalysis(input.analysis);
  const fixed = fixedByName(model);
  if (fixed.orientation) {
    orientation = fixed.orientation;
    orientationBy = 'model';
    if (sizeDims && videoOrientationOf(sizeDims) !== orientation) {
      ignored.push({ param: 'size', value: formatSize(sizeDims), reason: `model ${name} fixes orientation ${orientation}` });
    }
  } else if (sizeDims) {
    orientation = videoOrientationOf(sizeDims);
    orientationBy = 'size';
  } else if (fromAnalysis) {
    orientation = fromAnalysis;
    orientationBy = 'analysis';
  } else {
    orientation = VIDEO_DEFAULTS.orientation;
    orientationBy = 'default';
  }

  const fixedSeconds = fixed.seconds as VideoSeconds | undefined;
  let seconds: VideoSeconds;
  let secondsBy: VideoSecondsDecidedBy;
  if (fixedSeconds !== undefined) {
    seconds = fixedSeconds;
    secondsBy = 'model';
    if (secondsParam !== undefined && secondsParam !== fixedSeconds) {
      ignored.push({ param: 'seconds', value: String(secondsParam), reason: `model ${name} fixes duration ${fixedSeconds}s` });
    }
  } else if (secondsParam !== undefined) {
    seconds = secondsParam;
    secondsBy = 'param';
  } else {
    seconds = base.seconds;
    secondsBy = 'default';
  }

  return {
    ok: true,
    spec: videoSpecFor(model, orientation, seconds),
    watermark: watermark.watermark,
    decidedBy: { orientation: orientationBy, seconds: secondsBy },
    ignored,
  };
}
