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
function failMedia(message: string, media: Pick<Downloaded, 'exchange' | 'origin'>, said?: { expected?: string; actual?: string }): never {
  // The report's request (and its curl line) is the API call that asked for the media: the one to rerun.
  if (media.origin && media.origin !== media.exchange) fail(`${message}\n  ${describeExchange(media.exchange)}`, media.origin, said);
  fail(message, media.exchange, said);
}

/** An expectation in a few words, for reports: `portrait hd 15 s`, `720x1280 10 s`. */
function describeExpectation(expected: VideoExpectation): string {
  return [expected.size ? `${expected.size.width}x${expected.size.height}` : '', expected.orientation ?? '', expected.quality ?? '', expected.seconds !== undefined ? `${expected.seconds} s` : '']
    .filter(Boolean)
    .join(' ');
}

export function describeFacts(facts: MediaFacts): string {
  if (facts.kind === 'image') return `${facts.format} ${facts.width}x${facts.height}`;
  return `${facts.format}/${facts.codec} ${facts.width}x${facts.height} ${facts.durationSeconds.toFixed(2)} s ${facts.frameRate.toFixed(1)} fps`;
}

/** Media kept for reports, up to this size each (a report shows or saves it). */
const EVIDENCE_BYTES = 32 * 1024 * 1024;

/** Note media a check judged on its client, for the report (inline images, saved videos). */
export function noteMedia(client: ConformanceClient, exchange: Exchange, decoded: { facts?: MediaFacts; error?: string }): void {
  client.media.push({
    url: exchange.request.url,
    status: exchange.status,
    contentType: exchange.contentType,
    ...(decoded.facts ? { facts: describeFacts(decoded.facts), kind: decoded.facts.kind } : {}),
    ...(decoded.error ? { error: decoded.error } : {}),
    ...(exchange.body.length <= EVIDENCE_BYTES ? { bytes: exchange.body } : {}),
  });
}

/** Download a media link (or the content endpoint) and decode it; fails on a non-2xx or undecodable body. */
export async function download(client: ConformanceClient, path: string, what: string, origin?: Exchange): Promise<Downloaded> {
  const exchange = await client.request({ path });
  if (exchange.status < 200 || exchange.status > 299) failMedia(`${what}: expected a 2xx answer, got ${exchange.status}`, { exchange, origin });
  try {
    const facts = await inspectMedia(exchange.body);
    noteMedia(client, exchange, { facts });
    return { exchange, facts, origin };
  } catch (error) {
    if (error instanceof MediaInspectionError) {
      noteMedia(client, exchange, { error: error.message });
      failMedia(`${what}: the body does not decode as media (${error.message})`, { exchange, origin });
    }
    throw error;
  }
}

/**
 * Download links in turn until one decodes to the kind wanted: a deployment may write other links
 * (a progress page, a preview) beside the media. Fails with what each link was when none is.
 */
export async function downloadFirst(client: ConformanceClient, links: readonly string[], kind: 'image' | 'video', what: string, origin: Exchange): Promise<Downloaded> {
  const seen: string[] = [];
  let last: Downloaded | undefined;
  for (const link of links.slice(0, MAX_LINKS_TRIED)) {
    const exchange = await client.request({ path: link });
    if (exchange.status < 200 || exchange.status > 299) {
      seen.push(`${link} answered ${exchange.status}`);
      continue;
    }
    try {
      const facts = await inspectMedia(exchange.body);
      last = { exchange, facts, origin };
      if (facts.kind === kind) {
        noteMedia(client, exchange, { facts });
        return last;
      }
      seen.push(`${link} decodes as ${describeFacts(facts)}`);
    } catch (error) {
      if (!(error instanceof MediaInspectionError)) throw error;
      seen.push(`${link} does not decode (${error.message})`);
    }
  }
  if (last) noteMedia(client, last.exchange, { facts: last.facts });
  if (!links.length) fail(`${what}: the answer has no link at all`, origin, { expected: `a link to ${kind === 'image' ? 'an image' : 'a video'}`, actual: 'no link' });
  failMedia(`${what}: no link is ${kind === 'image' ? 'an image' : 'a video'}: ${seen.join('; ')}`, { exchange: last?.exchange ?? origin, origin });
}

/** Links tried per answer before giving up (a deployment's text is bounded, but the run's time is too). */
const MAX_LINKS_TRIED = 8;

export function expectImage(media: Downloaded, what: string): ImageFacts {
  if (media.facts.kind !== 'image') failMedia(`${what}: expected an image, decoded ${describeFacts(media.facts)}`, media, { expected: 'an image', actual: describeFacts(media.facts) });
  return media.facts;
}

export function expectVideo(media: Downloaded, what: string): VideoFacts {
  if (media.facts.kind !== 'video') failMedia(`${what}: expected a video, decoded ${describeFacts(media.facts)}`, media, { expected: 'a video', actual: describeFacts(media.facts) });
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
    failMedia(`${what}: expected a ${aspect} image, decoded ${describeFacts(facts)} (${seen ?? `ratio ${(facts.width / facts.height).toFixed(3)}, ${imageAspectOf(facts)}-ish`})`, media, {
      expected: `a ${aspect} image`,
      actual: describeFacts(facts),
    });
  }
  return facts;
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

export function expectVideoMatches(media: Downloaded, expected: VideoExpectation, what: string): VideoFacts {
  const facts = expectVideo(media, what);
  const problems = videoMismatches(facts, expected);
  if (problems.length) failMedia(`${what}: decoded ${describeFacts(facts)}: ${problems.join('; ')}`, media, { expected: describeExpectation(expected), actual: describeFacts(facts) });
  return facts;
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
