/**
 * A recipe is everything that decides what a piece of generated media looks like. The same recipe
 * always gives the same bytes, so the mock can put an encoded recipe in a stateless media URL and
 * regenerate the file on demand instead of storing it.
 *
 * Canonical encoding (URL-safe, only [A-Za-z0-9._-]):
 *
 *   r2.<kind>.<model>.<size>.<seconds>.<fps>.<index>.<watermark>.<seed>.<inputDigest>.<promptDigest>
 *
 *   kind       `i` (image) or `v` (video)
 *   model      canonical model name (`sora_image`, `sora_video2-landscape-hd`, ...)
 *   size       `WxH` of the spec
 *   seconds    video duration (empty for images)
 *   fps        video frame rate (empty for images)
 *   index      variant index, decimal
 *   watermark  `0` or `1`
 *   seed       base64url (no padding) of the UTF-8 seed
 *   inputDigest lower-case hex, or empty
 *   promptDigest 16 lower-case hex digits: digestHex of the UTF-8 prompt. The scene uses the prompt
 *              only through hashes, so its digest decides the picture as well as its text would, and
 *              the encoding has a bounded length whatever the prompt (r1 carried the prompt's text,
 *              and a 32,000-character prompt made a link of 128 KB that servers refuse with 431).
 *
 * Every field has exactly one spelling, and decodeRecipe rejects anything that would not re-encode to
 * the same string, so a recipe has exactly one encoding and its digest is a stable id.
 *
 * Dependencies: this codec imports spec TYPES only. What makes a model, size, seconds or fps field
 * valid is the model table and the size rules, so that reading lives in spec/ (media-spec.ts) and
 * comes in as a parameter of decodeRecipeWith; media/index.ts binds it as decodeRecipe.
 */
import { fromBase64, toBase64Url } from '../util/index.js';
import type { ImageSpec, VideoSpec } from '../spec/rules.js';
import type { MediaSpecReader } from '../spec/media-spec.js';

export const DEFAULT_SEED = 'sora-kit';
const VERSION = 'r2';
/** Variants are `0..n-1` with n <= 4 on the platform; a little headroom costs nothing. */
export const MAX_VARIANT_INDEX = 63;

interface RecipeCommon {
  /** digestHex of the prompt (promptDigestOf): all the scene needs of it. */
  promptDigest: string;
  /** Canonical model name. */
  model: string;
  /** Variant index, 0..n-1. */
  index: number;
  seed: string;
  /** Hex digest of the input images (edits, image-to-video); absent for plain generations. */
  inputDigest?: string;
  watermark: boolean;
}

export interface ImageRecipe extends RecipeCommon {
  kind: 'image';
  spec: ImageSpec;
}

export interface VideoRecipe extends RecipeCommon {
  kind: 'video';
  spec: VideoSpec;
}

export type Recipe = ImageRecipe | VideoRecipe;

export type DecodeRecipeResult = { ok: true; recipe: Recipe } | { ok: false; message: string };

// ---------------------------------------------------------------------------------------------
// Digest. Web Crypto's digest is async-only, and these ids are computed on the hot path of every
// media request (cache keys, scene seeds), so a synchronous non-cryptographic 64-bit FNV-1a is
// written here: nothing about it needs to resist an adversary, only to spread bits.

const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;

/** 64-bit FNV-1a of bytes as [hi, lo] 32-bit halves (prime 2^40 + 0x1b3, split so no BigInt is needed). */
export function fnv1a64(bytes: Uint8Array): [number, number] {
  let hi = FNV_OFFSET_HI;
  let lo = FNV_OFFSET_LO;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    const t = lo * 0x1b3; // < 2^41, exact in a double
    const carry = Math.floor(t / 0x100000000);
    hi = (Math.imul(hi, 0x1b3) + (lo << 8) + carry) >>> 0;
    lo = t >>> 0;
  }
  return [hi, lo];
}

const utf8 = new TextEncoder();

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** 16 hex digits of the FNV-1a 64 of a string's UTF-8 or of raw bytes. */
export function digestHex(input: string | Uint8Array): string {
  const [hi, lo] = fnv1a64(typeof input === 'string' ? utf8.encode(input) : input);
  return hex32(hi) + hex32(lo);
}

/** What a recipe keeps of a prompt: the 16-hex-digit digest of its UTF-8. */
export function promptDigestOf(prompt: string): string {
  return digestHex(prompt);
}

/** Digest of the input images of an edit or image-to-video request, in the order given. */
export function inputDigestOf(images: readonly Uint8Array[]): string {
  // Length-prefix each image so ([a, b], [c]) and ([a], [b, c]) differ.
  const parts = images.map((img) => `${img.length}:${digestHex(img)}`);
  return digestHex(parts.join(','));
}

// ---------------------------------------------------------------------------------------------
// base64url. btoa/atob exist in Node >= 16 and every browser; they work on "binary strings".

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text from base64url without padding (the recipe's only form); undefined for anything else. */
function fromBase64Url(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const bytes = fromBase64(text);
  if (!bytes) return undefined;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

export function encodeRecipe(recipe: Recipe): string {
  const video = recipe.kind === 'video' ? recipe.spec : undefined;
  return [
    VERSION,
    recipe.kind === 'image' ? 'i' : 'v',
    recipe.model,
    recipe.spec.size,
    video ? String(video.seconds) : '',
    video ? String(video.fps) : '',
    String(recipe.index),
    recipe.watermark ? '1' : '0',
    toBase64Url(utf8.encode(recipe.seed)),
    recipe.inputDigest ?? '',
    recipe.promptDigest,
  ].join('.');
}

/** A short, stable id of the recipe (16 hex digits). */
export function recipeDigest(recipe: Recipe): string {
  return digestHex(encodeRecipe(recipe));
}

function bad(message: string): DecodeRecipeResult {
  return { ok: false, message };
}

/** Decode and validate an encoded recipe, reading its spec fields with `specs`; garbage gives a message naming the bad field. */
export function decodeRecipeWith(specs: MediaSpecReader, text: unknown): DecodeRecipeResult {
  if (typeof text !== 'string') return bad(`recipe must be a string, got ${typeof text}`);
  const fields = text.split('.');
  if (fields.length !== 11 || fields[0] !== VERSION) {
    return bad(`recipe '${text.slice(0, 80)}' is not a ${VERSION} recipe (expected 11 '.'-separated fields starting with '${VERSION}')`);
  }
  const [, kind, model, size, secondsText, fpsText, indexText, watermarkText, seedText, inputDigest, promptDigest] =
    fields;
  if (kind !== 'i' && kind !== 'v') return bad(`recipe kind '${kind}' is not one of i (image), v (video)`);
  const parsed = specs.model(kind === 'i' ? 'image' : 'video', model);
  if (!parsed.ok) return bad(`recipe ${parsed.message}`);
  if (!/^(0|[1-9][0-9]?)$/.test(indexText) || Number(indexText) > MAX_VARIANT_INDEX) {
    return bad(`recipe index '${indexText}' is not an integer 0..${MAX_VARIANT_INDEX}`);
  }
  if (watermarkText !== '0' && watermarkText !== '1') return bad(`recipe watermark '${watermarkText}' is not 0 or 1`);
  const seed = fromBase64Url(seedText);
  if (seed === undefined) return bad(`recipe seed '${seedText.slice(0, 40)}' is not base64url of UTF-8 text`);
  if (!/^[0-9a-f]{16}$/.test(promptDigest)) {
    return bad(`recipe promptDigest '${promptDigest.slice(0, 40)}' is not 16 lower-case hex digits`);
  }
  if (inputDigest !== '' && !/^[0-9a-f]{1,128}$/.test(inputDigest)) {
    return bad(`recipe inputDigest '${inputDigest.slice(0, 40)}' is not lower-case hex (1..128 digits)`);
  }
  const common = {
    promptDigest,
    model,
    index: Number(indexText),
    seed,
    watermark: watermarkText === '1',
    ...(inputDigest ? { inputDigest } : {}),
  };
  let recipe: Recipe;
  if (kind === 'i') {
    if (secondsText !== '' || fpsText !== '') return bad('recipe of an image must leave seconds and fps empty');
    const spec = specs.imageSpec(size);
    if (!spec.ok) return bad(`recipe ${spec.message}`);
    recipe = { kind: 'image', ...common, spec: spec.value };
  } else {
    const spec = specs.videoSpec(parsed.value, size, secondsText, fpsText);
    if (!spec.ok) return bad(`recipe ${spec.message}`);
    recipe = { kind: 'video', ...common, spec: spec.value };
  }
  if (encodeRecipe(recipe) !== text) return bad('recipe is not in canonical form (base64url with padding or stray bits?)');
  return { ok: true, recipe };
}

export interface ImageRecipeInput {
  prompt: string;
  spec: ImageSpec;
  index?: number;
  seed?: string;
  inputDigest?: string;
  watermark?: boolean;
}

export function imageRecipe(input: ImageRecipeInput): ImageRecipe {
  return {
    kind: 'image',
    promptDigest: promptDigestOf(input.prompt),
    model: 'sora_image',
    spec: input.spec,
    index: input.index ?? 0,
    seed: input.seed ?? DEFAULT_SEED,
    watermark: input.watermark ?? false,
    ...(input.inputDigest ? { inputDigest: input.inputDigest } : {}),
  };
}

export interface VideoRecipeInput {
  prompt: string;
  spec: VideoSpec;
  index?: number;
  seed?: string;
  inputDigest?: string;
  watermark?: boolean;
}

export function videoRecipe(input: VideoRecipeInput): VideoRecipe {
  return {
    kind: 'video',
    promptDigest: promptDigestOf(input.prompt),
    model: input.spec.model,
    spec: input.spec,
    index: input.index ?? 0,
    seed: input.seed ?? DEFAULT_SEED,
    watermark: input.watermark ?? false,
    ...(input.inputDigest ? { inputDigest: input.inputDigest } : {}),
  };
}
