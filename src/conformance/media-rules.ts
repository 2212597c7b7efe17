/**
 * What generated media should be, as pure functions of decoded facts and text: aspect classes, the
 * resolution class, how a video differs from what was asked, the links a text carries. The checks
 * (media.ts) and the registry's judgments both read media through these.
 */
import type { MediaFacts, VideoFacts } from '../media/inspect.js';
import type { Orientation } from '../spec/model.js';
import type { ImageAspect, VideoQuality } from '../spec/rules.js';

/** Tolerated difference between the asked and the decoded duration (container rounding, last frame). */
export const DURATION_TOLERANCE_SECONDS = 0.5;
/** An image is of an aspect class when its ratio is within 2 % of the class's ratio. */
const ASPECT_TOLERANCE = 0.02;

export function describeFacts(facts: MediaFacts): string {
  if (facts.kind === 'image') return `${facts.format} ${facts.width}x${facts.height}`;
  return `${facts.format}/${facts.codec} ${facts.width}x${facts.height} ${facts.durationSeconds.toFixed(2)} s ${facts.frameRate.toFixed(1)} fps`;
}

const RATIOS: Record<ImageAspect, number> = { '1:1': 1, '3:2': 1.5, '2:3': 2 / 3 };

export function aspectClass(width: number, height: number): ImageAspect | undefined {
  const ratio = width / height;
  const found = (Object.keys(RATIOS) as ImageAspect[]).find((a) => Math.abs(ratio / RATIOS[a] - 1) <= ASPECT_TOLERANCE);
  return found;
}

/** The resolution class of a video: SD up to 1280 px on the long side (标清), HD above (高清). */
export function qualityOf(width: number, height: number): VideoQuality {
  return Math.max(width, height) > 1280 ? 'hd' : 'sd';
}

export interface VideoExpectation {
  orientation?: Orientation;
  quality?: VideoQuality;
  seconds?: number;
  /** Exact display size, when the check knows it. */
  size?: { width: number; height: number };
}

/** Every way the decoded video differs from the expectation; empty when it matches. */
export function videoMismatches(facts: VideoFacts, expected: VideoExpectation): string[] {
  const problems: string[] = [];
  const orientation: Orientation = facts.width > facts.height ? 'landscape' : 'portrait';
  if (expected.orientation && orientation !== expected.orientation) problems.push(`orientation ${orientation}, expected ${expected.orientation}`);
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

/**
 * Every http(s) link in a text, whatever form the deployment writes it in: a markdown image or link
 * (`![a](u)`, `[a](u "title")`, `<u>`), HTML (`src="u"`, `href='u'`) or a bare URL, in order of
 * appearance, each once. HTML entities in attributes are decoded (`&amp;` in a query).
 */
export function findLinks(text: string): string[] {
  const found: Array<{ at: number; url: string }> = [];
  const add = (at: number, raw: string) => found.push({ at, url: raw.replace(/&amp;/g, '&') });
  for (const m of text.matchAll(/\]\(\s*<?(https?:\/\/[^\s)>]+)>?(?:\s+["'(][^)]*)?\)/gi)) add(m.index, m[1]);
  for (const m of text.matchAll(/\b(?:src|href|poster)\s*=\s*(?:"(https?:\/\/[^"]+)"|'(https?:\/\/[^']+)')/gi)) add(m.index, m[1] ?? m[2]);
  for (const m of text.matchAll(/https?:\/\/[^\s<>"'()\[\]`]+/gi)) {
    // A bare URL: trailing punctuation of the sentence is not part of it.
    add(m.index, m[0].replace(/[.,;:!?*_~]+$/, ''));
  }
  found.sort((a, b) => a.at - b.at);
  // The bare scan also sees the URLs inside markdown and HTML: keep each once, in its first place
  // (a Set keeps insertion order and answers in constant time: 30,000 links are linear work).
  return [...new Set(found.map((f) => f.url))];
}
