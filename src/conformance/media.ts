/**
 * Judging generated media by its bytes: download a link, decode it with sora-kit's media inspection
 * (which assumes nothing about who made the file), and compare it with what the rules say.
 */
import { inspectMedia, MediaInspectionError, type ImageFacts, type MediaFacts, type VideoFacts } from '../media/inspect.js';
import { imageAspectOf, type ImageAspect, type VideoQuality } from '../spec/rules.js';
import type { Orientation } from '../spec/model.js';
import type { ConformanceClient, Exchange } from './client.js';
import { describeExchange } from './client.js';
import { fail } from './expect.js';

/** Tolerated difference between the asked and the decoded duration (container rounding, last frame). */
export const DURATION_TOLERANCE_SECONDS = 0.5;
/** An image is of an aspect class when its ratio is within 2 % of the class's ratio. */
const ASPECT_TOLERANCE = 0.02;

export interface Downloaded {
  /** The download (or, for b64_json, the API answer that carried the bytes). */
  exchange: Exchange;
  facts: MediaFacts;
  /** The API request that produced the link, shown in failures next to the download. */
  origin?: Exchange;
}

/** Fail showing the request that asked for the media and the download that brought it. */
function failMedia(message: string, media: Pick<Downloaded, 'exchange' | 'origin'>): never {
  if (media.origin && media.origin !== media.exchange) fail(`${message}\n  ${describeExchange(media.origin)}`, media.exchange);
  fail(message, media.exchange);
}

export function describeFacts(facts: MediaFacts): string {
  if (facts.kind === 'image') return `${facts.format} ${facts.width}x${facts.height}`;
  return `${facts.format}/${facts.codec} ${facts.width}x${facts.height} ${facts.durationSeconds.toFixed(2)} s ${facts.frameRate.toFixed(1)} fps`;
}

/** Download a media link (or the content endpoint) and decode it; fails on a non-2xx or undecodable body. */
export async function download(client: ConformanceClient, path: string, what: string, origin?: Exchange): Promise<Downloaded> {
  const exchange = await client.request({ path });
  if (exchange.status < 200 || exchange.status > 299) failMedia(`${what}: expected a 2xx answer, got ${exchange.status}`, { exchange, origin });
  try {
    return { exchange, facts: await inspectMedia(exchange.body), origin };
  } catch (error) {
    if (error instanceof MediaInspectionError) failMedia(`${what}: the body does not decode as media (${error.message})`, { exchange, origin });
    throw error;
  }
}

export function expectImage(media: Downloaded, what: string): ImageFacts {
  if (media.facts.kind !== 'image') failMedia(`${what}: expected an image, decoded ${describeFacts(media.facts)}`, media);
  return media.facts;
}

export function expectVideo(media: Downloaded, what: string): VideoFacts {
  if (media.facts.kind !== 'video') failMedia(`${what}: expected a video, decoded ${describeFacts(media.facts)}`, media);
  return media.facts;
}

const RATIOS: Record<ImageAspect, number> = { '1:1': 1, '3:2': 1.5, '2:3': 2 / 3 };

export function aspectClass(width: number, height: number): ImageAspect | undefined {
  const ratio = width / height;
  const found = (Object.keys(RATIOS) as ImageAspect[]).find((a) => Math.abs(ratio / RATIOS[a] - 1) <= ASPECT_TOLERANCE);
  return found;
}

export function expectImageAspect(media: Downloaded, aspect: ImageAspect, what: string): ImageFacts {
  const facts = expectImage(media, what);
  const seen = aspectClass(facts.width, facts.height);
  if (seen !== aspect) {
    failMedia(`${what}: expected a ${aspect} image, decoded ${describeFacts(facts)} (${seen ?? `ratio ${(facts.width / facts.height).toFixed(3)}, ${imageAspectOf(facts)}-ish`})`, media);
  }
  return facts;
}

/** The resolution class of a video: SD up to 1280 px on the long side (标清), HD above (高清). */
export function qualityOf(width: number, height: number): VideoQuality {
  return Math.max(width, height) > 1280 ? 'hd' : 'sd';
}

export interface VideoExpectation {
  orientation: Orientation;
  quality?: VideoQuality;
  seconds?: number;
  /** Exact display size, when the check knows it. */
  size?: { width: number; height: number };
}

/** Every way the decoded video differs from the expectation; empty when it matches. */
export function videoMismatches(facts: VideoFacts, expected: VideoExpectation): string[] {
  const problems: string[] = [];
  const orientation: Orientation = facts.width > facts.height ? 'landscape' : 'portrait';
  if (orientation !== expected.orientation) problems.push(`orientation ${orientation}, expected ${expected.orientation}`);
  if (expected.quality && qualityOf(facts.width, facts.height) !== expected.quality) {
    problems.push(`resolution class ${qualityOf(facts.width, facts.height)}, expected ${expected.quality}`);
  }
  if (expected.size && (facts.width !== expected.size.width || facts.height !== expected.size.height)) {
    problems.push(`size ${facts.width}x${facts.height}, expected ${expected.size.width}x${expected.size.height}`);
  }
  if (expected.seconds !== undefined && Math.abs(facts.durationSeconds - expected.seconds) > DURATION_TOLERANCE_SECONDS) {
    problems.push(`duration ${facts.durationSeconds.toFixed(2)} s, expected ${expected.seconds} s (±${DURATION_TOLERANCE_SECONDS})`);
  }
  return problems;
}

export function expectVideoMatches(media: Downloaded, expected: VideoExpectation, what: string): VideoFacts {
  const facts = expectVideo(media, what);
  const problems = videoMismatches(facts, expected);
  if (problems.length) failMedia(`${what}: decoded ${describeFacts(facts)}: ${problems.join('; ')}`, media);
  return facts;
}

/** Markdown image links `![alt](url)` in order. */
export function imageLinks(markdown: string): string[] {
  return [...markdown.matchAll(/!\[[^\]]*\]\(\s*(\S+?)\s*\)/g)].map((m) => m[1]);
}

/** Every http(s) link in a text, markdown or bare, in order. */
export function allLinks(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s)\]"'<>]+/g)].map((m) => m[0]);
}
