/**
 * fast-check arbitraries for the Sora platform API (`sora-kit/arbitraries`), for users' own property
 * tests and for the conformance fuzzer. Each one is a plain fast-check Arbitrary, so they compose with
 * `fc.record`, `.map`, `.chain` and friends, and most carry the oracle answer next to the value.
 *
 * The structural arbitraries (model names, sizes) build their answer from how they were generated, not
 * by calling the parser, so sora-kit's own tests can check the parser against them. The request
 * arbitraries attach the answer of sora-kit's rules (`resolveVideoRequest` / `resolveImageRequest`),
 * which is the reference every deployment is judged by.
 */
import fc from 'fast-check';
import { analyzePromptHeuristic, type PromptAnalysis, type PromptAspect } from '../spec/analysis.js';
import {
  BASE_MODELS,
  EXCLUSIVE_GROUPS,
  MODEL_OPTIONS,
  OPTION_BASE,
  OPTION_FIELDS,
  formatModelName,
  modelFromOptions,
  modelOptionsOf,
  optionRow,
  parseModelName,
  type ModelName,
  type ModelNameErrorReason,
  type ModelOption,
  type Orientation,
} from '../spec/model.js';
import {
  IMAGE_COUNT_MAX,
  IMAGE_COUNT_MIN,
  MAX_DIMENSION,
  resolveImageRequest,
  resolveVideoRequest,
  type Dimensions,
  type ImageSpec,
  type VideoSpec,
} from '../spec/rules.js';

/* ------------------------------------------------------------------------------------------------ */
/* Model names                                                                                      */
/* ------------------------------------------------------------------------------------------------ */

export interface GeneratedModelName {
  /** The name as a client would send it: options in a random order. */
  name: string;
  /** What it means, built from the generated options (not by parsing `name`). */
  model: ModelName;
  /** The canonical spelling of the same model. */
  canonical: string;
  /** The option tokens in the order they appear in `name`. */
  options: ModelOption[];
}

/**
 * Every structured sora_video2 model: each field of the option table absent or set by one of its
 * options (so the options of an exclusive group never come together).
 */
export function soraVideo2Model(): fc.Arbitrary<ModelName> {
  return fc
    .tuple(...OPTION_FIELDS.map(({ rows }) => fc.constantFrom<ModelOption | undefined>(undefined, ...rows.map((r) => r.option))))
    .map((picked) => modelFromOptions(OPTION_BASE, picked.filter((o): o is ModelOption => o !== undefined)));
}

function withShuffledOptions(model: ModelName): fc.Arbitrary<GeneratedModelName> {
  const options = modelOptionsOf(model);
  return fc.shuffledSubarray(options, { minLength: options.length, maxLength: options.length }).map((order) => ({
    name: [model.base, ...order].join('-'),
    model,
    canonical: formatModelName(model),
    options: order,
  }));
}

/** A valid video model name (sora_video, or sora_video2 with any valid option set in any order). */
export function videoModelName(): fc.Arbitrary<GeneratedModelName> {
  return fc
    .oneof(
      { weight: 1, arbitrary: fc.constant<ModelName>(modelFromOptions('sora_video', [])) },
      { weight: 6, arbitrary: soraVideo2Model() },
    )
    .chain(withShuffledOptions);
}

/** Any valid model name, image or video. */
export function validModelName(): fc.Arbitrary<GeneratedModelName> {
  return fc.oneof(
    { weight: 1, arbitrary: withShuffledOptions(modelFromOptions('sora_image', [])) },
    { weight: 7, arbitrary: videoModelName() },
  );
}

export type InvalidModelNameKind =
  | 'empty'
  | 'unknown_base'
  | 'unknown_option'
  | 'duplicate_option'
  | 'conflicting_options'
  | 'options_not_supported'
  | 'case_mangled'
  | 'separator_mangled';

export interface InvalidModelName {
  name: string;
  /** The rejection reason the parser must give: the first defect, reading left to right. */
  reason: ModelNameErrorReason;
  /** How the name was broken. */
  kind: InvalidModelNameKind;
  /** The suggestion the parser must make, where the intended name is unambiguous (mangled spellings). */
  suggestion?: string;
}

const isOptionWord = (t: string) => (MODEL_OPTIONS as readonly string[]).includes(t);

/** A lowercase token that is not an option of the table (e.g. '1080p', 'uhd', '20s'). */
function junkToken(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[a-z0-9_]{1,10}$/).filter((t) => !isOptionWord(t));
}

/** Every ordered pair of options that exclude each other (from the table's exclusive groups). */
export const CONFLICTING_OPTION_PAIRS: ReadonlyArray<readonly [ModelOption, ModelOption]> = EXCLUSIVE_GROUPS.flatMap((group) =>
  group.flatMap((a) => group.filter((b) => b !== a).map((b) => [a, b] as const)),
);

/** Insert `item` into `list` at an arbitrary position, or at one after `after` when given. */
function insertAnywhere<T>(list: readonly T[], item: T, after = -1): fc.Arbitrary<T[]> {
  return fc.integer({ min: after + 1, max: list.length }).map((i) => [...list.slice(0, i), item, ...list.slice(i)]);
}

function video2Options(filter: (m: ModelName) => boolean = () => true): fc.Arbitrary<ModelOption[]> {
  return soraVideo2Model()
    .filter(filter)
    .chain((m) => withShuffledOptions(m))
    .map((g) => g.options);
}

const unknownBase: fc.Arbitrary<InvalidModelName> = fc
  .oneof(
    fc.constantFrom('sora', 'sora_vid', 'sora_video3', 'sora-video2', 'sora_images', 'dall-e-3', 'sora2', 'gpt-image-1'),
    fc.string({ minLength: 1, maxLength: 20 }),
  )
  .filter((name) => !(BASE_MODELS as readonly string[]).includes(name.split('-')[0]))
  .map((name) => ({ name, reason: 'unknown_base', kind: 'unknown_base' }));

const unknownOption: fc.Arbitrary<InvalidModelName> = fc
  .tuple(
    video2Options(),
    fc.oneof(junkToken(), fc.constantFrom('HD', 'Pro', '10s', '5s', 'sd', '4k', 'square', 'landscap', 'portait').filter((t) => !isOptionWord(t))),
  )
  .chain(([options, bad]) => insertAnywhere(options, bad))
  .map((options) => ({ name: [OPTION_BASE, ...options].join('-'), reason: 'unknown_option', kind: 'unknown_option' }));

const duplicateOption: fc.Arbitrary<InvalidModelName> = video2Options((m) => modelOptionsOf(m).length > 0)
  .chain((options) => fc.nat({ max: options.length - 1 }).chain((i) => insertAnywhere(options, options[i], i)))
  .map((options) => ({ name: [OPTION_BASE, ...options].join('-'), reason: 'duplicate_option', kind: 'duplicate_option' }));

const conflictingOptions: fc.Arbitrary<InvalidModelName> = fc
  .constantFrom(...CONFLICTING_OPTION_PAIRS)
  .chain((pair) =>
    // The rest of the name leaves the pair's field unset, so the pair is the first defect.
    video2Options((m) => m[optionRow(pair[0])!.field] === undefined)
      .chain((options) => insertAnywhere(options, pair[0]))
      .chain((options) => insertAnywhere(options, pair[1])),
  )
  .map((options) => ({ name: [OPTION_BASE, ...options].join('-'), reason: 'conflicting_options', kind: 'conflicting_options' }));

const optionsNotSupported: fc.Arbitrary<InvalidModelName> = fc
  .tuple(
    fc.constantFrom(...BASE_MODELS.filter((b) => b !== OPTION_BASE)),
    fc.array(fc.oneof(fc.constantFrom(...MODEL_OPTIONS), junkToken(), fc.constant('')), { minLength: 1, maxLength: 4 }),
  )
  .map(([base, options]) => ({ name: [base, ...options].join('-'), reason: 'options_not_supported', kind: 'options_not_supported' }));

/** A valid name with at least one letter uppercased, e.g. `Sora_Video2-HD`. */
const caseMangled: fc.Arbitrary<InvalidModelName> = validModelName().chain((valid) =>
  fc
    .array(fc.boolean(), { minLength: valid.name.length, maxLength: valid.name.length })
    .map((flags) => [...valid.name].map((c, i) => (flags[i] ? c.toUpperCase() : c)).join(''))
    .filter((name) => name !== valid.name)
    .map((name) => {
      const baseLength = valid.model.base.length;
      const baseChanged = name.slice(0, baseLength) !== valid.name.slice(0, baseLength);
      return { name, reason: baseChanged ? 'unknown_base' : 'unknown_option', kind: 'case_mangled', suggestion: valid.canonical };
    }),
);

/**
 * A sora_video2 name with one separator replaced (`_`, `.`, space, nothing, or a doubled `-`), or a
 * trailing `-`, e.g. `sora_video2_hd`, `sora_video2--hd`, `sora_video2-hd-`.
 */
const separatorMangled: fc.Arbitrary<InvalidModelName> = fc
  .oneof(
    soraVideo2Model()
      .filter((m) => modelOptionsOf(m).length > 0)
      .chain(withShuffledOptions)
      .chain((valid) =>
        fc
          .tuple(fc.nat({ max: valid.options.length - 1 }), fc.constantFrom('_', '.', ' ', '', '--'))
          .map(([i, sep]): InvalidModelName => {
            const parts = [valid.model.base, ...valid.options];
            const name = parts.slice(0, i + 1).join('-') + sep + parts.slice(i + 1).join('-');
            // A doubled '-' leaves an empty option; any other separator glues the two tokens into one,
            // which is the base token when it is the first separator.
            const reason: ModelNameErrorReason = sep === '--' || i > 0 ? 'unknown_option' : 'unknown_base';
            return { name, reason, kind: 'separator_mangled', suggestion: valid.canonical };
          }),
      ),
    soraVideo2Model()
      .chain(withShuffledOptions)
      .map((valid): InvalidModelName => ({ name: `${valid.name}-`, reason: 'unknown_option', kind: 'separator_mangled', suggestion: valid.canonical })),
  );

/** An invalid model name with the reason the parser must give (and the suggestion, for mangled spellings). */
export function invalidModelName(): fc.Arbitrary<InvalidModelName> {
  return fc.oneof(
    fc.constant<InvalidModelName>({ name: '', reason: 'empty', kind: 'empty' }),
    unknownBase,
    unknownOption,
    duplicateOption,
    conflictingOptions,
    optionsNotSupported,
    caseMangled,
    separatorMangled,
  );
}

/* ------------------------------------------------------------------------------------------------ */
/* Sizes and counts                                                                                 */
/* ------------------------------------------------------------------------------------------------ */

/** Width and height, each in 1..max (default 8192). */
export function size(max = 8192): fc.Arbitrary<Dimensions> {
  const side = fc.integer({ min: 1, max });
  return fc.record({ width: side, height: side });
}

/** A valid `WxH` string with its dimensions; equal sides are generated often so 1:1 is exercised. */
export function sizeString(max = 8192): fc.Arbitrary<{ value: string; dims: Dimensions }> {
  const side = fc.integer({ min: 1, max });
  return fc
    .oneof(size(max), side.map((s) => ({ width: s, height: s })))
    .map((dims) => ({ value: `${dims.width}x${dims.height}`, dims }));
}

/** A `size` value every endpoint must reject with 400 and param `size` (strings and wrong types). */
export function invalidSizeString(): fc.Arbitrary<{ value: unknown; param: 'size' }> {
  const n = fc.integer({ min: 1, max: 4096 });
  return fc
    .oneof(
      fc.constantFrom<unknown>('', '1024', 'x1024', '1024x', '0x1024', '1024x0', '1024X1024', '1024*1024', '1024×1024', ' 1024x1024', '1024x1024 ', '-1x5', '1.5x2', 'large', `${MAX_DIMENSION + 1}x1024`, '1024x99999999999999999999', 1024, true, [1024, 1024], { width: 1024 }),
      fc.tuple(n, n, fc.constantFrom('X', '*', ',', ':', ' x ', 'by')).map(([w, h, sep]) => `${w}${sep}${h}`),
      fc.tuple(fc.integer({ min: MAX_DIMENSION + 1, max: 10 ** 7 }), n).map(([w, h]) => `${w}x${h}`),
    )
    .map((value) => ({ value, param: 'size' as const }));
}

/** A valid `n` (1..4), as a JSON number or the text a multipart form carries. */
export function imageCount(): fc.Arbitrary<{ value: number | string; n: number }> {
  return fc
    .tuple(fc.integer({ min: IMAGE_COUNT_MIN, max: IMAGE_COUNT_MAX }), fc.boolean())
    .map(([n, asText]) => ({ value: asText ? String(n) : n, n }));
}

/** An `n` every image endpoint must reject with 400 and param `n`. */
export function invalidImageCount(): fc.Arbitrary<{ value: unknown; param: 'n' }> {
  return fc
    .oneof(
      fc.integer({ min: -100, max: 0 }),
      fc.integer({ min: IMAGE_COUNT_MAX + 1, max: 1000 }),
      fc.double({ min: 1.01, max: 3.99, noNaN: true }).filter((x) => !Number.isInteger(x)),
      fc.constantFrom<unknown>('0', '5', '', 'two', '2.5', '1e0', ' 2', true, [2], { n: 2 }),
    )
    .map((value) => ({ value, param: 'n' as const }));
}

/* ------------------------------------------------------------------------------------------------ */
/* Prompts                                                                                          */
/* ------------------------------------------------------------------------------------------------ */

const SUBJECTS = ['画小猫', '一只在雪地里奔跑的狐狸', '城市夜景，霓虹灯', 'a cat on a windowsill', 'a red bicycle in the rain', 'ocean waves at dawn', '再加一只小狗', 'a bowl of ramen, studio lighting'];

/** A prompt without any shape word: Chinese, English, or arbitrary unicode text. */
export function prompt(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...SUBJECTS),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
    fc.array(fc.constantFrom('小猫', '森林', '河流', '宇宙', 'robot', 'forest', 'sunset', 'watercolor'), { minLength: 1, maxLength: 6 }).map((w) => w.join(' ')),
  );
}

const SHAPE_WORDS: ReadonlyArray<{ word: string; orientation?: Orientation; aspect?: PromptAspect }> = [
  { word: '横屏', orientation: 'landscape' },
  { word: '竖屏', orientation: 'portrait' },
  { word: '正方形', aspect: '1:1' },
  { word: '方形', aspect: '1:1' },
  { word: 'horizontal', orientation: 'landscape' },
  { word: 'vertical', orientation: 'portrait' },
  { word: 'widescreen', orientation: 'landscape' },
  { word: 'landscape format', orientation: 'landscape' },
  { word: 'portrait orientation', orientation: 'portrait' },
  { word: 'square format', aspect: '1:1' },
  { word: '16:9', orientation: 'landscape', aspect: '16:9' },
  { word: '9:16', orientation: 'portrait', aspect: '9:16' },
  { word: '1:1', aspect: '1:1' },
  { word: '3:2', orientation: 'landscape', aspect: '3:2' },
  { word: '2:3', orientation: 'portrait', aspect: '2:3' },
  { word: '4:3', orientation: 'landscape', aspect: '4:3' },
  { word: '3:4', orientation: 'portrait', aspect: '3:4' },
];

/** A shape-free subject plus one shape word, with what the heuristic must read from it. */
export function shapedPrompt(): fc.Arbitrary<{ prompt: string; expected: Omit<PromptAnalysis, 'matched'> & { word: string } }> {
  return fc
    .tuple(fc.constantFrom(...SUBJECTS), fc.constantFrom(...SHAPE_WORDS), fc.boolean())
    .map(([subject, shape, before]) => ({
      prompt: before ? `${shape.word} ${subject}` : `${subject}, ${shape.word}`,
      expected: { word: shape.word, ...(shape.orientation ? { orientation: shape.orientation } : {}), ...(shape.aspect ? { aspect: shape.aspect } : {}) },
    }));
}

/* ------------------------------------------------------------------------------------------------ */
/* Requests                                                                                         */
/* ------------------------------------------------------------------------------------------------ */

export interface RequestArbitraryOptions {
  /** The deployment's prompt-analysis mode; the expected answer depends on it. Default 'off'. */
  analysis?: 'off' | 'heuristic';
  /** Make exactly one parameter invalid in about half the bodies (expected: 400 naming it). Default false. */
  invalid?: boolean;
}

export type Expected400 = { status: 400; param: string };

export interface VideoRequestCase {
  body: { prompt: string; model: string; size?: unknown; seconds?: unknown; watermark?: unknown };
  expected: { status: 200; spec: VideoSpec; watermark: boolean; ignored: string[] } | Expected400;
}

function analysisFor(text: string, mode: 'off' | 'heuristic' | undefined): PromptAnalysis | undefined {
  return mode === 'heuristic' ? analyzePromptHeuristic(text) : undefined;
}

const validSeconds = fc.constantFrom<unknown>(undefined, '5', '10', '15', '25', 10, 15, 25);
const validWatermark = fc.constantFrom<unknown>(undefined, true, false, 'true', 'false');

/**
 * A `POST /videos` body with the answer sora-kit's rules give for it. Seconds the model cannot produce
 * (e.g. '5' for sora_video2) are generated on purpose: they are part of the valid-looking input space
 * and their answer is a 400 naming `seconds`.
 */
export function videoRequest(options: RequestArbitraryOptions = {}): fc.Arbitrary<VideoRequestCase> {
  const valid: fc.Arbitrary<VideoRequestCase['body']> = fc.record(
    {
      prompt: fc.oneof(prompt(), shapedPrompt().map((p) => p.prompt)),
      model: videoModelName().map((m) => m.name),
      size: fc.option(sizeString(2048).map((s) => s.value), { nil: undefined }),
      seconds: validSeconds,
      watermark: validWatermark,
    },
    { requiredKeys: ['prompt', 'model'] },
  );
  const broken: fc.Arbitrary<VideoRequestCase['body']> = options.invalid
    ? fc.tuple(valid, fc.constantFrom('model', 'size', 'seconds', 'watermark')).chain(([body, param]) => {
        const bad: fc.Arbitrary<unknown> =
          param === 'model'
            ? invalidModelName().map((m) => m.name)
            : param === 'size'
              ? invalidSizeString().map((s) => s.value)
              : param === 'seconds'
                ? fc.constantFrom<unknown>('7', '0', '-10', 'ten', '10s', '10.5', 30, true, '')
                : fc.constantFrom<unknown>('yes', 1, 0, 'TRUE', '', [true]);
        return bad.map((value) => ({ ...body, [param]: value }));
      })
    : valid;
  return fc.oneof(valid, broken).map((body) => ({ body, expected: expectedVideo(body, options.analysis) }));
}

function expectedVideo(body: VideoRequestCase['body'], mode: RequestArbitraryOptions['analysis']): VideoRequestCase['expected'] {
  const parsed = parseModelName(body.model);
  if (!parsed.ok || parsed.model.base === 'sora_image') return { status: 400, param: 'model' };
  const resolved = resolveVideoRequest({
    model: parsed.model,
    size: body.size,
    seconds: body.seconds,
    watermark: body.watermark,
    analysis: analysisFor(body.prompt, mode),
  });
  if (!resolved.ok) return { status: 400, param: resolved.error.param };
  return { status: 200, spec: resolved.spec, watermark: resolved.watermark, ignored: resolved.ignored.map((i) => i.param) };
}

export interface ImageRequestCase {
  body: { prompt: string; model: 'sora_image'; size?: unknown; n?: unknown; response_format?: 'url' | 'b64_json' };
  expected: { status: 200; spec: ImageSpec; n: number } | Expected400;
}

/** A `POST /images/generations` body with the answer sora-kit's rules give for it. */
export function imageRequest(options: RequestArbitraryOptions = {}): fc.Arbitrary<ImageRequestCase> {
  const valid: fc.Arbitrary<ImageRequestCase['body']> = fc.record(
    {
      prompt: fc.oneof(prompt(), shapedPrompt().map((p) => p.prompt)),
      model: fc.constant('sora_image' as const),
      size: fc.option(sizeString(4096).map((s) => s.value), { nil: undefined }),
      n: fc.option(imageCount().map((c) => c.value), { nil: undefined }),
      response_format: fc.constantFrom<'url' | 'b64_json' | undefined>(undefined, 'url', 'b64_json'),
    },
    { requiredKeys: ['prompt', 'model'] },
  );
  const broken: fc.Arbitrary<ImageRequestCase['body']> = options.invalid
    ? fc
        .tuple(valid, fc.boolean())
        .chain(([body, badSize]) =>
          badSize
            ? invalidSizeString().map((s): ImageRequestCase['body'] => ({ ...body, size: s.value }))
            : invalidImageCount().map((c): ImageRequestCase['body'] => ({ ...body, n: c.value })),
        )
    : valid;
  return fc.oneof(valid, broken).map((body) => {
    const resolved = resolveImageRequest({ size: body.size, n: body.n, analysis: analysisFor(body.prompt, options.analysis) });
    const expected: ImageRequestCase['expected'] = resolved.ok
      ? { status: 200, spec: resolved.spec, n: resolved.n }
      : { status: 400, param: resolved.error.param };
    return { body, expected };
  });
}
