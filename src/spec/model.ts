/**
 * The model-name grammar of the Sora platform.
 *
 *   name    := base ( "-" option )*
 *   base    := "sora_image" | "sora_video" | "sora_video2"
 *   option  := "portrait" | "landscape" | "hd" | "15s" | "25s" | "pro"     (sora_video2 only)
 *
 * Options come in any order, each at most once; `portrait`/`landscape` exclude each other, and so do
 * `15s`/`25s`. One parser serves the mock and the conformance runner alike, so both agree on every name.
 */

export const BASE_MODELS = ['sora_image', 'sora_video', 'sora_video2'] as const;
export type BaseModel = (typeof BASE_MODELS)[number];

export const MODEL_OPTIONS = ['portrait', 'landscape', 'hd', '15s', '25s', 'pro'] as const;
export type ModelOption = (typeof MODEL_OPTIONS)[number];

export type Orientation = 'portrait' | 'landscape';
export type VideoSeconds = 5 | 10 | 15 | 25;

/** The options of a model name, structured. Absent fields mean "not given" (defaults apply later). */
export interface ModelName {
  base: BaseModel;
  /** Orientation forced by the name, if any. */
  orientation?: Orientation;
  hd: boolean;
  /** Duration forced by the name (`15s` / `25s`), if any. */
  seconds?: 15 | 25;
  pro: boolean;
}

export type ModelNameErrorReason =
  | 'empty'
  | 'unknown_base'
  | 'unknown_option'
  | 'duplicate_option'
  | 'conflicting_options'
  | 'options_not_supported';

export interface ModelNameError {
  reason: ModelNameErrorReason;
  /** The name as received. */
  name: string;
  /** The offending option or base, when there is one. */
  token?: string;
  /** The canonical spelling the caller probably meant, for near misses. */
  suggestion?: string;
  /** A sentence naming the value and what is accepted. */
  message: string;
}

export type ParseModelResult = { ok: true; model: ModelName } | { ok: false; error: ModelNameError };

const EXCLUSIVE_GROUPS: ReadonlyArray<readonly ModelOption[]> = [
  ['portrait', 'landscape'],
  ['15s', '25s'],
];

const ACCEPTED_BASES = BASE_MODELS.join(', ');
const ACCEPTED_OPTIONS = MODEL_OPTIONS.join(', ');

function isBase(s: string): s is BaseModel {
  return (BASE_MODELS as readonly string[]).includes(s);
}

function isOption(s: string): s is ModelOption {
  return (MODEL_OPTIONS as readonly string[]).includes(s);
}

/** Case and separator folding used only to recognise near misses, never to accept them. */
function fold(s: string): string {
  return s.toLowerCase().replace(/[\s_\-.]+/g, '');
}

/** Damerau-free Levenshtein distance: names are short, so the quadratic table is trivial. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

function nearest<T extends string>(token: string, candidates: readonly T[]): T | undefined {
  const folded = fold(token);
  const exactFold = candidates.find((c) => fold(c) === folded);
  if (exactFold) return exactFold;
  let best: T | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(token.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(1, Math.floor((best?.length ?? 0) / 3)) ? best : undefined;
}

/** Try to read the whole (malformed) name canonically, to suggest it: "Sora_Video2_HD" -> "sora_video2-hd". */
function suggestWholeName(name: string): string | undefined {
  const lower = name.toLowerCase().trim();
  const base = [...BASE_MODELS]
    .sort((a, b) => b.length - a.length)
    .find((b) => fold(lower).startsWith(fold(b)));
  if (!base) return undefined;
  let rest = fold(lower).slice(fold(base).length);
  const options: ModelOption[] = [];
  // Greedy match of folded options; good enough for a suggestion, which is never accepted as input.
  outer: while (rest.length > 0) {
    for (const o of [...MODEL_OPTIONS].sort((a, b) => b.length - a.length)) {
      if (rest.startsWith(o)) {
        options.push(o);
        rest = rest.slice(o.length);
        continue outer;
      }
    }
    return undefined;
  }
  const parsed = parseModelName([base, ...options].join('-'));
  return parsed.ok ? formatModelName(parsed.model) : undefined;
}

/**
 * A whole canonical name for a name with a bad option: the folded reading of the whole name, else the
 * bad token replaced by its nearest option (or dropped when empty). Always a full name, so a client
 * can paste it.
 */
function suggestOptionFix(name: string, optionTokens: readonly string[], bad: string): string | undefined {
  // The folded reading goes first: token by token, 'landscapehd' would be a near miss of 'landscape'
  // and lose the hd the caller asked for.
  const whole = suggestWholeName(name);
  if (whole && whole !== name) return whole;
  const replacement = bad === '' ? undefined : nearest(bad, MODEL_OPTIONS);
  if (bad === '' || replacement) {
    const fixed = optionTokens.flatMap((t) => (t === bad ? (replacement ? [replacement] : []) : [t]));
    const parsed = parseModelName(['sora_video2', ...fixed].join('-'));
    if (parsed.ok) return formatModelName(parsed.model);
  }
  return undefined;
}

/** Options on sora_video most likely mean sora_video2 (the only model with options); on sora_image, drop them. */
function suggestForOptionsOn(base: BaseModel, optionTokens: readonly string[]): string {
  if (base === 'sora_video') {
    const parsed = parseModelName(['sora_video2', ...optionTokens].join('-'));
    if (parsed.ok) return formatModelName(parsed.model);
  }
  return base;
}

function fail(
  name: string,
  reason: ModelNameErrorReason,
  message: string,
  token?: string,
  suggestion?: string,
): ParseModelResult {
  const hint = suggestion ? ` Did you mean '${suggestion}'?` : '';
  return { ok: false, error: { reason, name, token, suggestion, message: message + hint } };
}

/** Parse a model name. Never throws; every rejection says why and what is accepted. */
export function parseModelName(name: unknown): ParseModelResult {
  if (typeof name !== 'string' || name.length === 0) {
    // Never String(name): an object whose toString is not a function would make that throw.
    const got = typeof name === 'string' ? 'an empty string' : name === null ? 'null' : typeof name;
    return fail('', 'empty', `Model name must be a non-empty string, got ${got}; accepted bases: ${ACCEPTED_BASES}.`);
  }
  const [baseToken, ...optionTokens] = name.split('-');
  if (!isBase(baseToken)) {
    const suggestion = suggestWholeName(name) ?? nearest(baseToken, BASE_MODELS);
    return fail(
      name,
      'unknown_base',
      `Unknown model '${name}': base '${baseToken}' is not one of ${ACCEPTED_BASES}.`,
      baseToken,
      suggestion,
    );
  }
  if (optionTokens.length > 0 && baseToken !== 'sora_video2') {
    return fail(
      name,
      'options_not_supported',
      `Model '${baseToken}' takes no options, but '${name}' gives ${optionTokens.map((o) => `'${o}'`).join(', ')}; ` +
        `only sora_video2 accepts ${ACCEPTED_OPTIONS}.`,
      optionTokens[0],
      suggestForOptionsOn(baseToken, optionTokens),
    );
  }
  const seen = new Set<ModelOption>();
  for (const token of optionTokens) {
    if (!isOption(token)) {
      const what = token === '' ? `Empty option (a stray '-') in model '${name}'` : `Unknown option '${token}' in model '${name}'`;
      return fail(
        name,
        'unknown_option',
        `${what}; accepted options of sora_video2: ${ACCEPTED_OPTIONS}.`,
        token,
        suggestOptionFix(name, optionTokens, token),
      );
    }
    if (seen.has(token)) {
      return fail(name, 'duplicate_option', `Option '${token}' appears more than once in model '${name}'.`, token);
    }
    for (const group of EXCLUSIVE_GROUPS) {
      const other = group.find((g) => g !== token && seen.has(g));
      if (group.includes(token) && other) {
        return fail(
          name,
          'conflicting_options',
          `Options '${other}' and '${token}' in model '${name}' exclude each other; give at most one of ${group.join(' | ')}.`,
          token,
        );
      }
    }
    seen.add(token);
  }
  const model: ModelName = { base: baseToken, hd: seen.has('hd'), pro: seen.has('pro') };
  if (seen.has('portrait')) model.orientation = 'portrait';
  if (seen.has('landscape')) model.orientation = 'landscape';
  if (seen.has('15s')) model.seconds = 15;
  if (seen.has('25s')) model.seconds = 25;
  return { ok: true, model };
}

/**
 * The canonical name of a parsed model: options in the fixed order orientation, hd, duration, pro
 * (the order the seed's own examples use: `sora_video2-landscape-hd`).
 */
export function formatModelName(model: ModelName): string {
  const parts: string[] = [model.base];
  if (model.base === 'sora_video2') {
    if (model.orientation) parts.push(model.orientation);
    if (model.hd) parts.push('hd');
    if (model.seconds) parts.push(`${model.seconds}s`);
    if (model.pro) parts.push('pro');
  }
  return parts.join('-');
}

export function isVideoModel(model: ModelName): boolean {
  return model.base !== 'sora_image';
}

/** Every name the platform accepts, in canonical spelling (for `GET /models`). */
export function allCanonicalModelNames(): string[] {
  const names = ['sora_image', 'sora_video'];
  for (const orientation of [undefined, 'portrait', 'landscape'] as const) {
    for (const hd of [false, true]) {
      for (const seconds of [undefined, 15, 25] as const) {
        for (const pro of [false, true]) {
          names.push(formatModelName({ base: 'sora_video2', orientation, hd, seconds, pro }));
        }
      }
    }
  }
  return names;
}
