/**
 * What every route gets: the effective options, the mock's clock, jobs, ids, media, and the helpers
 * that more than one route needs (scenario choice, prompt analysis, media URLs).
 */
import { analyzePrompt, type PromptAnalysisResult } from '../spec/analysis.js';
import { encodeRecipe, type MediaStore, type MediaVariant, type Recipe } from '../media/index.js';
import type { IdSource } from './ids.js';
import type { JobStore } from './jobs.js';
import { scenarioFromHeader } from './scenarios.js';
import type { JobEvent, MediaLink, ResolvedSoraMockOptions, ScenarioName } from './types.js';

export interface MockContext {
  options: ResolvedSoraMockOptions;
  now(): number;
  jobs: JobStore;
  ids: IdSource;
  media: MediaStore;
  ruleScenario(prompt: string, model: string): ScenarioName | undefined;
  emitJob(event: JobEvent): void;
}

/** Per-request view: the request plus what the journal wants to know about it. */
export interface RequestContext extends MockContext {
  request: Request;
  url: URL;
  /** Set by routes once they know it, for the journal. */
  scenario?: ScenarioName;
  /** Media URLs the response links to, in order, for the journal (and the inspector's thumbnails). */
  links?: MediaLink[];
}

/** Header first, then config rules; records the choice for the journal. */
export function chooseScenario(ctx: RequestContext, prompt: string, model: string): ScenarioName | undefined {
  const scenario = scenarioFromHeader(ctx.request) ?? ctx.ruleScenario(prompt, model);
  if (scenario) ctx.scenario = scenario;
  return scenario;
}

/** The platform's "analyse prompt" setting; undefined when it is off. Never rejects (openai falls back). */
export async function analyse(ctx: MockContext, prompt: string): Promise<PromptAnalysisResult | undefined> {
  const { mode, openai } = ctx.options.promptAnalysis;
  if (mode === 'off') return undefined;
  return analyzePrompt(prompt, openai ? { mode, openai } : { mode });
}

const EXTENSION: Record<MediaVariant, string> = { image: 'png', video: 'mp4', thumbnail: 'webp', spritesheet: 'jpg' };
export const VARIANT_OF_EXTENSION: Record<string, MediaVariant> = { png: 'image', mp4: 'video', webp: 'thumbnail', jpg: 'spritesheet' };

/** Files live under `<basePath>/files/`; the name is the encoded recipe, so any instance can serve it. */
export const FILES_SEGMENT = 'files';

/** `<basePath>/files/<recipe>.<ext>`: where any instance serves this recipe's media. */
export function mediaPath(options: Pick<ResolvedSoraMockOptions, 'basePath'>, recipe: Recipe, variant: MediaVariant): string {
  return `${options.basePath}/${FILES_SEGMENT}/${encodeRecipe(recipe)}.${EXTENSION[variant]}`;
}

/** The absolute URL a response links to; recorded on the request for the journal. */
export function mediaUrl(ctx: RequestContext, recipe: Recipe, variant: MediaVariant): string {
  const origin = ctx.options.publicUrl ?? ctx.url.origin;
  const url = `${origin.replace(/\/$/, '')}${mediaPath(ctx.options, recipe, variant)}`;
  (ctx.links ??= []).push({ variant, url });
  return url;
}
