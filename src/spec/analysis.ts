/**
 * Prompt analysis: the platform's "analyse prompt" setting (是否开启 Sora 分析 Prompt). It reads the
 * user's prompt for an orientation or aspect ratio, which the rules use when `size` and the model
 * name leave the shape open. Environment-free (global fetch, no node: imports) so it runs in browsers.
 *
 * The heuristic is hand-written because no library reads Chinese and English shape words; the
 * `openai` mode asks an OpenAI-compatible endpoint with Structured Outputs, as the platform does.
 */
import { z } from 'zod';
import type { Orientation } from './model.js';

export const PROMPT_ANALYSIS_MODES = ['off', 'heuristic', 'openai'] as const;
export type PromptAnalysisMode = (typeof PROMPT_ANALYSIS_MODES)[number];

/** The aspect ratios analysis can report, width:height. */
export const PROMPT_ASPECTS = ['1:1', '16:9', '9:16', '4:3', '3:4', '3:2', '2:3', '21:9', '9:21'] as const;
export type PromptAspect = (typeof PROMPT_ASPECTS)[number];

export interface PromptAnalysis {
  /** Orientation the prompt asks for; absent for square or undecided prompts. */
  orientation?: Orientation;
  /** Aspect ratio the prompt asks for, when it names one (a ratio, or a square word -> 1:1). */
  aspect?: PromptAspect;
  /** The words of the prompt that decided (empty when nothing decided, or for the openai source). */
  matched: string[];
}

/** Who decided: `off` when analysis is disabled (nothing decided). */
export type PromptAnalysisSource = 'off' | 'heuristic' | 'openai' | 'fallback';

export interface PromptAnalysisResult extends PromptAnalysis {
  source: PromptAnalysisSource;
  /** Why the openai mode fell back to the heuristic (only with source 'fallback'). */
  fallbackReason?: string;
}

export interface OpenAIAnalysisOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  apiKey: string;
  /** Chat model to ask; it must support Structured Outputs. */
  model?: string;
  /** Injected fetch (tests, proxies); defaults to the global one. */
  fetch?: typeof fetch;
  /** Abort the request after this many milliseconds and fall back. */
  timeoutMs?: number;
}

export interface AnalyzePromptOptions {
  mode: PromptAnalysisMode;
  openai?: OpenAIAnalysisOptions;
}

export const DEFAULT_ANALYSIS_MODEL = 'gpt-4o-mini';
export const DEFAULT_ANALYSIS_TIMEOUT_MS = 10_000;

/** The width and height of an aspect ratio, as small integers. */
export function aspectDimensions(aspect: PromptAspect): { width: number; height: number } {
  const [w, h] = aspect.split(':').map(Number);
  return { width: w, height: h };
}

function orientationOfAspect(aspect: PromptAspect): Orientation | undefined {
  const { width, height } = aspectDimensions(aspect);
  if (width === height) return undefined;
  return width > height ? 'landscape' : 'portrait';
}

/**
 * One rule for both sources: an aspect ratio is more specific than an orientation, so when both are
 * present and disagree the ratio wins and the orientation follows from it.
 */
export function normalizeAnalysis(analysis: PromptAnalysis): PromptAnalysis {
  if (!analysis.aspect) return analysis;
  const orientation = orientationOfAspect(analysis.aspect);
  const out: PromptAnalysis = { aspect: analysis.aspect, matched: analysis.matched };
  if (orientation) out.orientation = orientation;
  return out;
}

/* ------------------------------------------------------------------------------------------------ */
/* Heuristic                                                                                        */
/* ------------------------------------------------------------------------------------------------ */

/**
 * Signal strength. An explicit ratio beats an explicit shape word, which beats the English nouns
 * "landscape", "portrait" and "square" on their own: "a portrait of a cat in landscape format" asks
 * for landscape, and "a landscape painting" need not ask for anything.
 */
const RATIO = 3;
const EXPLICIT = 2;
const WEAK = 1;

interface Rule {
  pattern: RegExp;
  strength: number;
  shape: Orientation | 'square';
}

const FORMAT_NOUN = '(?:orientation|format|mode|aspect|layout|view|shot|video|image|picture|photo|frame|screen|ratio)';

const WORD_RULES: readonly Rule[] = [
  // Chinese: these words only ever name a screen or frame shape.
  { pattern: /横屏|横版|横向|横幅|宽屏|宽幅/g, strength: EXPLICIT, shape: 'landscape' },
  { pattern: /竖屏|竖版|竖向|竖幅|纵向|竖直/g, strength: EXPLICIT, shape: 'portrait' },
  // 长方形 (rectangle) contains 方形, so 方形 only counts when 长 does not precede it.
  { pattern: /正方形|(?<!长)方形|方图|1比1/g, strength: EXPLICIT, shape: 'square' },
  // English phrases that name a format, and adjectives that only describe shape.
  { pattern: new RegExp(`\\blandscape[\\s-]+${FORMAT_NOUN}\\b|\\bin landscape\\b|\\bhorizontal\\b|\\bwide[\\s-]?screen\\b|\\bcinematic wide\\b`, 'gi'), strength: EXPLICIT, shape: 'landscape' },
  { pattern: new RegExp(`\\bportrait[\\s-]+${FORMAT_NOUN}\\b|\\bin portrait\\b|\\bvertical\\b|\\bupright\\b`, 'gi'), strength: EXPLICIT, shape: 'portrait' },
  { pattern: new RegExp(`\\bsquare[\\s-]+${FORMAT_NOUN}\\b|\\bsquare[\\s-]+(?:crop|aspect)\\b`, 'gi'), strength: EXPLICIT, shape: 'square' },
  { pattern: /\blandscapes?\b/gi, strength: WEAK, shape: 'landscape' },
  { pattern: /\bportraits?\b/gi, strength: WEAK, shape: 'portrait' },
  { pattern: /\bsquare\b/gi, strength: WEAK, shape: 'square' },
];

/** `16:9`, `16：9`, `16x9`, `16×9`, `16比9`, `16/9`; digits on either side must not continue (no `12:30` -> `2:3`). */
const RATIO_PATTERN = /(?<![0-9:：.])([0-9]{1,2})\s*(?::|：|x|×|比|\/)\s*([0-9]{1,2})(?![0-9:：.])/gi;

interface Hit {
  index: number;
  text: string;
  strength: number;
  shape: Orientation | 'square';
  aspect?: PromptAspect;
}

function findHits(prompt: string): Hit[] {
  const hits: Hit[] = [];
  for (const m of prompt.matchAll(RATIO_PATTERN)) {
    const aspect = `${Number(m[1])}:${Number(m[2])}` as PromptAspect;
    if (!(PROMPT_ASPECTS as readonly string[]).includes(aspect)) continue;
    hits.push({ index: m.index ?? 0, text: m[0], strength: RATIO, shape: orientationOfAspect(aspect) ?? 'square', aspect });
  }
  for (const rule of WORD_RULES) {
    for (const m of prompt.matchAll(rule.pattern)) {
      const index = m.index ?? 0;
      // A weak noun inside an explicit phrase ("portrait format") is the same signal, not a second one.
      if (hits.some((h) => index >= h.index && index < h.index + h.text.length)) continue;
      hits.push({ index, text: m[0], strength: rule.strength, shape: rule.shape });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/**
 * Read orientation and aspect words, Chinese and English. The strongest kind of signal present
 * decides (ratio > explicit shape word > bare noun). When the signals of that strength disagree
 * (横屏 and 竖屏, or 16:9 and 9:16) nothing is decided and the request falls through to the next
 * rule: guessing between two contradicting instructions would be arbitrary.
 */
export function analyzePromptHeuristic(prompt: string): PromptAnalysis {
  const hits = findHits(typeof prompt === 'string' ? prompt : '');
  if (hits.length === 0) return { matched: [] };
  const top = Math.max(...hits.map((h) => h.strength));
  const deciding = hits.filter((h) => h.strength === top);
  const key = (h: Hit) => h.aspect ?? h.shape;
  if (new Set(deciding.map(key)).size > 1) return { matched: [] };
  const first = deciding[0];
  const matched = deciding.map((h) => h.text);
  if (first.aspect) return normalizeAnalysis({ aspect: first.aspect, matched });
  if (first.shape === 'square') return { aspect: '1:1', matched };
  return { orientation: first.shape, matched };
}

/* ------------------------------------------------------------------------------------------------ */
/* OpenAI Structured Outputs                                                                        */
/* ------------------------------------------------------------------------------------------------ */

/** What the model must answer; null means "the prompt does not say". */
export const PromptAnalysisAnswer = z
  .object({
    orientation: z.enum(['portrait', 'landscape']).nullable(),
    aspect: z.enum(PROMPT_ASPECTS).nullable(),
  })
  .strict();
export type PromptAnalysisAnswer = z.infer<typeof PromptAnalysisAnswer>;

/**
 * The JSON Schema sent as `response_format`. Written out rather than generated from the zod schema
 * because strict Structured Outputs accepts only a subset of JSON Schema (every property required,
 * no additionalProperties, nullable as a type union) and this must stay exactly within it.
 */
export const PROMPT_ANALYSIS_JSON_SCHEMA = {
  type: 'object',
  properties: {
    orientation: {
      type: ['string', 'null'],
      enum: ['portrait', 'landscape', null],
      description: 'Orientation the user asks for (横屏 = landscape, 竖屏 = portrait), or null if the prompt does not say.',
    },
    aspect: {
      type: ['string', 'null'],
      enum: [...PROMPT_ASPECTS, null],
      description: 'Aspect ratio width:height the user asks for (方形/square = 1:1), or null if the prompt does not say.',
    },
  },
  required: ['orientation', 'aspect'],
  additionalProperties: false,
} as const;

const SYSTEM_PROMPT =
  'You read prompts for an image and video generator. Report only the frame shape the user explicitly asks for: ' +
  'an orientation (landscape/横屏 or portrait/竖屏) and/or an aspect ratio. Subjects are not shapes: "a landscape ' +
  'painting" or "a portrait of a man" do not ask for a format. Answer null for anything the prompt does not say.';

/** The request body the openai mode sends (exported so tests and operators can see exactly what is asked). */
export function promptAnalysisRequestBody(prompt: string, model: string = DEFAULT_ANALYSIS_MODEL) {
  return {
    model,
    temperature: 0,
    messages: [
      { role: 'system', content: SYSTEM_PROMPT },
      { role: 'user', content: prompt },
    ],
    response_format: {
      type: 'json_schema',
      json_schema: { name: 'prompt_shape', strict: true, schema: PROMPT_ANALYSIS_JSON_SCHEMA },
    },
  };
}

const ChatAnswer = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional(), refusal: z.string().nullable().optional() }),
      }),
    )
    .min(1),
});

/** Ask the endpoint; returns the analysis or the reason it could not. Never throws. */
async function askOpenAI(prompt: string, options: OpenAIAnalysisOptions): Promise<{ ok: true; analysis: PromptAnalysis } | { ok: false; reason: string }> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  let response: Response;
  let text: string;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` },
      body: JSON.stringify(promptAnalysisRequestBody(prompt, options.model)),
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_ANALYSIS_TIMEOUT_MS),
    });
    // The body read is inside the try so a stalled body also hits the timeout.
    text = await response.text();
  } catch (err) {
    const name = err instanceof Error ? err.name : '';
    return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : `network error: ${String(err)}` };
  }
  if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'response is not JSON' };
  }
  const chat = ChatAnswer.safeParse(json);
  if (!chat.success) return { ok: false, reason: 'response is not a chat completion' };
  const message = chat.data.choices[0].message;
  if (message.refusal) return { ok: false, reason: `refusal: ${message.refusal}` };
  if (!message.content) return { ok: false, reason: 'empty answer' };
  let content: unknown;
  try {
    content = JSON.parse(message.content);
  } catch {
    return { ok: false, reason: 'answer is not JSON' };
  }
  const answer = PromptAnalysisAnswer.safeParse(content);
  if (!answer.success) return { ok: false, reason: 'answer does not match the schema' };
  const analysis: PromptAnalysis = { matched: [] };
  if (answer.data.orientation) analysis.orientation = answer.data.orientation;
  if (answer.data.aspect) analysis.aspect = answer.data.aspect;
  return { ok: true, analysis: normalizeAnalysis(analysis) };
}

/**
 * Analyse a prompt in the configured mode. `off` decides nothing; `heuristic` reads words; `openai`
 * asks the endpoint and falls back to the heuristic on any failure (the platform must still answer
 * when OpenAI is down). Never rejects.
 */
export async function analyzePrompt(prompt: string, options: AnalyzePromptOptions): Promise<PromptAnalysisResult> {
  if (options.mode === 'off') return { matched: [], source: 'off' };
  if (options.mode === 'heuristic') return { ...analyzePromptHeuristic(prompt), source: 'heuristic' };
  if (!options.openai) {
    return { ...analyzePromptHeuristic(prompt), source: 'fallback', fallbackReason: 'openai mode without openai options' };
  }
  const asked = await askOpenAI(prompt, options.openai);
  if (asked.ok) return { ...asked.analysis, source: 'openai' };
  return { ...analyzePromptHeuristic(prompt), source: 'fallback', fallbackReason: asked.reason };
}
