/**
 * The model-name grammar of the Sora platform.
 *
 *   name    := base ( "-" option )*
 *   base    := a row of BASE_MODEL_TABLE ("sora_image" | "sora_video" | "sora_video2")
 *   option  := a row of MODEL_OPTION_TABLE ("portrait" | "landscape" | "hd" | "15s" | "25s" | "pro"),
 *              on the one base that takes options (sora_video2)
 *
 * Options come in any order, each at most once; options that set the same field exclude each other
 * (`portrait`/`landscape`, `15s`/`25s`). One parser serves the mock and the conformance runner alike,
 * so both agree on every name. Both tables live in options.ts; nothing here lists an option.
 */
import {
  BASE_MODELS,
  EXCLUSIVE_GROUPS,
  MODEL_OPTIONS,
  MODEL_OPTION_TABLE,
  OPTION_BASE,
  OPTION_FIELDS,
  baseRow,
  optionRow,
  type BaseModel,
  type ModelOption,
  type ModelOptionRow,
  type OptionField,
} from './options.js';

import { cutText, describeValue } from './describe.js';
import { MODEL_NAME_MAX_LENGTH } from './limits.js';

// The table's names are part of this module's API (sora-kit re-exports it whole).
export * from './options.js';

type ValueOf<F extends OptionField> = Extract<ModelOptionRow, { field: F }>['value'];

/**
 * The options of a model name, structured: one field per field of the option table (modelOptionsOf
 * does not compile when the table names a field this lacks). Absent fields mean "not given"
 * (defaults apply later).
 */
export interface ModelName {
  base: BaseModel;
  /** Orientation forced by the name, if any. */
  orientation?: ValueOf<'orientation'>;
  hd: boolean;
  /** Duration forced by the name (`15s` / `25s`), if any. */
  seconds?: ValueOf<'seconds'>;
  pro: boolean;
}

export type ModelNameErrorReason =
  | 'empty'
  | 'too_long'
  | 'unknown_base'
  | 'unknown_option'
  | 'duplicate_option'
  | 'conflicting_options'
  | 'options_not_supported';

export interface ModelNameError {
  reason: ModelNameErrorReason;
  /** The name as received (cut like every quoted value when it is too long to be a name). */
  name: string;
  /** The offending option or base, when there is one. */
  token?: string;
  /** The canonical spelling the caller probably meant, for near misses. */
  suggestion?: string;
  /** A sentence naming the value and what is accepted. */
  message: string;
}

export type ParseModelResult = { ok: true; model: ModelName } | { ok: false; error: ModelNameError };

const ACCEPTED_BASES = BASE_MODELS.join(', ');
const ACCEPTED_OPTIONS = MODEL_OPTIONS.join(', ');

function isBase(s: string): s is BaseModel {
  return (BASE_MODELS as readonly string[]).includes(s);
}

function isOption(s: string): s is ModelOption {
  return optionRow(s) !== undefined;
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
    const parsed = parseModelName([OPTION_BASE, ...fixed].join('-'));
    if (parsed.ok) return formatModelName(parsed.model);
  }
  return undefined;
}

/** Options on another video base most likely mean the one with options (sora_video2); on sora_image, drop them. */
function suggestForOptionsOn(base: BaseModel, optionTokens: readonly string[]): string {
  if (baseRow(base).kind === baseRow(OPTION_BASE).kind) {
    const parsed = parseModelName([OPTION_BASE, ...optionTokens].join('-'));
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
  // Quoted values are cut (describeValue), and a name far longer than any model name is refused
  // before the near-miss search, whose cost grows with the name.
  const quoted = describeValue(name);
  if (name.length > MODEL_NAME_MAX_LENGTH) {
    return fail(
      cutText(name),
      'too_long',
      `Model name ${quoted} is longer than ${MODEL_NAME_MAX_LENGTH} characters; accepted bases: ${ACCEPTED_BASES}.`,
    );
  }
  const [baseToken, ...optionTokens] = name.split('-');
  if (!isBase(baseToken)) {
    const suggestion = suggestWholeName(name) ?? nearest(baseToken, BASE_MODELS);
    return fail(
      name,
      'unknown_base',
      `Unknown model ${quoted}: base ${describeValue(baseToken)} is not one of ${ACCEPTED_BASES}.`,
      baseToken,
      suggestion,
    );
  }
  if (optionTokens.length > 0 && !baseRow(baseToken).takesOptions) {
    const given = optionTokens.slice(0, 6).map((o) => describeValue(o)).join(', ') + (optionTokens.length > 6 ? ', ...' : '');
    return fail(
      name,
      'options_not_supported',
      `Model '${baseToken}' takes no options, but ${quoted} gives ${given}; ` +
        `only ${OPTION_BASE} accepts ${ACCEPTED_OPTIONS}.`,
      optionTokens[0],
      suggestForOptionsOn(baseToken, optionTokens),
    );
  }
  const seen = new Set<ModelOption>();
  for (const token of optionTokens) {
    if (!isOption(token)) {
      const what = token === '' ? `Empty option (a stray '-') in model ${quoted}` : `Unknown option ${describeValue(token)} in model ${quoted}`;
      return fail(
        name,
        'unknown_option',
        `${what}; accepted options of ${OPTION_BASE}: ${ACCEPTED_OPTIONS}.`,
        token,
        suggestOptionFix(name, optionTokens, token),
      );
    }
    if (seen.has(token)) {
      return fail(name, 'duplicate_option', `Option '${token}' appears more than once in model ${quoted}.`, token);
    }
    for (const group of EXCLUSIVE_GROUPS) {
      const other = group.find((g) => g !== token && seen.has(g));
      if (group.includes(token) && other) {
        return fail(
          name,
          'conflicting_options',
          `Options '${other}' and '${token}' in model ${quoted} exclude each other; give at most one of ${group.join(' | ')}.`,
          token,
        );
      }
    }
    seen.add(token);
  }
  return { ok: true, model: modelFromOptions(baseToken, [...seen]) };
}

/**
 * The structured name of a base and a valid option set (no duplicates, no two of a group): each
 * option sets its field to its value, and flags it does not give are `false`.
 */
export function modelFromOptions(base: BaseModel, options: readonly ModelOption[]): ModelName {
  const model: Record<string, unknown> = { base };
  for (const { field, flag } of OPTION_FIELDS) if (flag) model[field] = false;
  for (const { field, rows } of OPTION_FIELDS) {
    const row = rows.find((r) => options.includes(r.option));
    if (row) model[field] = row.value;
  }
  return model as unknown as ModelName;
}

/** The options a structured name gives, in canonical order (the table's). */
export function modelOptionsOf(model: ModelName): ModelOption[] {
  if (!baseRow(model.base).takesOptions) return [];
  return MODEL_OPTION_TABLE.filter((row) => model[row.field] === row.value).map((row) => row.option);
}

/**
 * The canonical name of a parsed model: options in table order, orientation, hd, duration, pro
 * (the order the seed's own examples use: `sora_video2-landscape-hd`).
 */
export function formatModelName(model: ModelName): string {
  return [model.base, ...modelOptionsOf(model)].join('-');
}

export function isVideoModel(model: ModelName): boolean {
  return baseRow(model.base).kind === 'video';
}

/**
 * Every option set the grammar accepts, in the order of `GET /models`: each field absent or set by
 * one of its options, the first field of the table varying slowest.
 */
export function allOptionSets(): ModelOption[][] {
  let sets: ModelOption[][] = [[]];
  for (const { rows } of OPTION_FIELDS) {
    sets = sets.flatMap((set) => [set, ...rows.map((row) => [...set, row.option])]);
  }
  return sets;
}

/** Every name the platform accepts, in canonical spelling (for `GET /models`). */
export function allCanonicalModelNames(): string[] {
  return BASE_MODELS.flatMap((base) =>
    baseRow(base).takesOptions ? allOptionSets().map((options) => formatModelName(modelFromOptions(base, options))) : [base],
  );
}
