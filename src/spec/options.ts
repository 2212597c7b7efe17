/**
 * The model table: the one place that says which bases exist, which options sora_video2 takes, what
 * each option sets in a parsed name and what it does to the video. Everything else derives from it:
 * the parser and the canonical spelling (model.ts), the video rules (rules.ts), the schemas and the
 * OpenAPI enums, `GET /models`, the arbitraries, the conformance option matrix and the model table
 * of specs/rules.md (`npm run spec:generate`). Adding an option means adding a row here (and, when it
 * sets a new field, teaching `ModelName` and `videoSpecFor` that field).
 */

export type Orientation = 'portrait' | 'landscape';
export type VideoQuality = 'sd' | 'hd';

/** What an option does to the video it names; absent keys leave the rules' defaults and parameters in charge. */
export interface OptionEffect {
  /** Fixes the orientation (wins over `size` and the prompt analysis). */
  orientation?: Orientation;
  /** Picks the size class (rules.ts VIDEO_SIZES). */
  quality?: VideoQuality;
  /** Fixes the duration (wins over `seconds`). */
  seconds?: number;
  /** Selects the pro model. */
  pro?: boolean;
}

interface OptionRow {
  option: string;
  /**
   * The `ModelName` field the option sets, and the value it sets it to. Options that set the same
   * field exclude each other (a field holds one value): that is the whole of the exclusive groups.
   */
  field: string;
  value: string | number | true;
  effect: OptionEffect;
  /** Factor on the mock's render time (default 1). */
  renderCost?: number;
}

/**
 * sora_video2's options, in canonical order: a canonical name lists its options in the order of
 * these rows (orientation, hd, duration, pro: the order of the seed's first examples).
 */
export const MODEL_OPTION_TABLE = [
  { option: 'portrait', field: 'orientation', value: 'portrait', effect: { orientation: 'portrait' } },
  { option: 'landscape', field: 'orientation', value: 'landscape', effect: { orientation: 'landscape' } },
  { option: 'hd', field: 'hd', value: true, effect: { quality: 'hd' }, renderCost: 1.5 },
  { option: '15s', field: 'seconds', value: 15, effect: { seconds: 15 } },
  { option: '25s', field: 'seconds', value: 25, effect: { seconds: 25 } },
  { option: 'pro', field: 'pro', value: true, effect: { pro: true }, renderCost: 2 },
] as const satisfies readonly OptionRow[];

export type ModelOptionRow = (typeof MODEL_OPTION_TABLE)[number];
export type ModelOption = ModelOptionRow['option'];

/**
 * The base models. `seconds` is the duration a video base renders when nothing else decides;
 * `fixesSeconds` means the name alone decides it (sora_video renders 5 s whatever `seconds` says).
 * Only a base with `takesOptions` accepts the option table.
 */
export const BASE_MODEL_TABLE = [
  { base: 'sora_image', kind: 'image', takesOptions: false },
  { base: 'sora_video', kind: 'video', takesOptions: false, seconds: 5, fixesSeconds: true },
  { base: 'sora_video2', kind: 'video', takesOptions: true, seconds: 10, fixesSeconds: false },
] as const;

export type BaseModelRow = (typeof BASE_MODEL_TABLE)[number];
export type BaseModel = BaseModelRow['base'];
export type VideoBaseRow = Extract<BaseModelRow, { kind: 'video' }>;
export type VideoBase = VideoBaseRow['base'];
/** The base that takes options (the grammar has exactly one). */
export type OptionBase = Extract<BaseModelRow, { takesOptions: true }>['base'];

/** Every duration the platform renders: each video base's own, and every duration an option fixes. */
export type VideoSeconds = VideoBaseRow['seconds'] | Extract<ModelOptionRow, { field: 'seconds' }>['value'];

/** What a video is when neither the name, nor a parameter, nor the analysis decides (seed: portrait, SD). */
export const VIDEO_DEFAULTS: { orientation: Orientation; quality: VideoQuality; pro: boolean } = {
  orientation: 'portrait',
  quality: 'sd',
  pro: false,
};

export const BASE_MODELS: readonly BaseModel[] = BASE_MODEL_TABLE.map((row) => row.base);
export const MODEL_OPTIONS: readonly ModelOption[] = MODEL_OPTION_TABLE.map((row) => row.option);

export const OPTION_BASE: OptionBase = (() => {
  const bases = BASE_MODEL_TABLE.filter((row) => row.takesOptions);
  if (bases.length !== 1) throw new Error('the model table must have exactly one base that takes options');
  return bases[0].base as OptionBase;
})();

export type OptionField = ModelOptionRow['field'];

export interface OptionFieldInfo {
  field: OptionField;
  /** Its options in table order; more than one make an exclusive group. */
  rows: readonly ModelOptionRow[];
  /** Set by a single option to `true`: always present in a parsed name, `false` when absent. */
  flag: boolean;
}

/** The fields the options set, in canonical order. */
export const OPTION_FIELDS: readonly OptionFieldInfo[] = [...new Set(MODEL_OPTION_TABLE.map((row) => row.field))].map((field) => {
  const rows = MODEL_OPTION_TABLE.filter((row) => row.field === field);
  return { field, rows, flag: rows.length === 1 && rows[0].value === true };
});

/** Options that exclude each other: those that set the same field, in table order. */
export const EXCLUSIVE_GROUPS: ReadonlyArray<readonly ModelOption[]> = OPTION_FIELDS.filter((f) => f.rows.length > 1).map((f) =>
  f.rows.map((row) => row.option),
);

export function optionRow(option: string): ModelOptionRow | undefined {
  return MODEL_OPTION_TABLE.find((row) => row.option === option);
}

export function baseRow(base: BaseModel): BaseModelRow {
  return BASE_MODEL_TABLE.find((row) => row.base === base)!;
}

/** Durations a video base can produce: its own, and (when it takes options) every duration an option fixes. */
export function secondsOfBase(base: VideoBase): readonly VideoSeconds[] {
  const row = baseRow(base) as VideoBaseRow;
  const fromOptions = row.takesOptions ? MODEL_OPTION_TABLE.flatMap((o) => ('seconds' in o.effect ? [o.effect.seconds] : [])) : [];
  return [row.seconds, ...fromOptions];
}

/** Every duration any video renders, ascending by base then option (5, 10, 15, 25). */
export const ALL_VIDEO_SECONDS: readonly VideoSeconds[] = BASE_MODEL_TABLE.flatMap((row) =>
  row.kind === 'video' ? secondsOfBase(row.base) : [],
).filter((s, i, all) => all.indexOf(s) === i);

/** The fields of a video spec that option effects speak of. */
export type EffectTarget = Required<OptionEffect>;

/** Product of the render-cost factors of the options whose effect the spec shows (the mock's render time). */
export function renderCostOf(spec: EffectTarget): number {
  let cost = 1;
  for (const row of MODEL_OPTION_TABLE) {
    if (!('renderCost' in row)) continue;
    const shown = Object.entries(row.effect).every(([key, value]) => spec[key as keyof EffectTarget] === value);
    if (shown) cost *= row.renderCost;
  }
  return cost;
}
