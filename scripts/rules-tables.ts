/**
 * The generated sections of specs/rules.md, rendered from the model table (src/spec/options.ts)
 * through the rules themselves, so the page says what the code does. A section sits between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; `npm run spec:generate` rewrites them
 * and a test fails while the committed page differs.
 */
import { allCanonicalModelNames, isVideoModel, parseModelName, type ModelName, type Orientation } from '../src/spec/model.js';
import { BASE_MODEL_TABLE, MODEL_OPTION_TABLE, OPTION_BASE, VIDEO_DEFAULTS, type OptionEffect } from '../src/spec/options.js';
import { VIDEO_SIZES, acceptedSecondsFor, fixedByName, videoSpecFor } from '../src/spec/rules.js';

const code = (s: string | number) => `\`${s}\``;
const ORIENTATIONS = Object.keys(VIDEO_SIZES[VIDEO_DEFAULTS.quality]) as Orientation[];

function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function parsed(name: string): ModelName {
  const result = parseModelName(name);
  if (!result.ok) throw new Error(`the canonical name ${name} does not parse: ${result.error.message}`);
  return result.model;
}

function describeEffect(effect: OptionEffect): string {
  const parts: string[] = [];
  if (effect.orientation) parts.push(`orientation ${effect.orientation} (wins over \`size\` and the analysis)`);
  if (effect.quality) {
    const sizes = ORIENTATIONS.map((o) => VIDEO_SIZES[effect.quality!][o].size).join(' / ');
    parts.push(`size class ${effect.quality.toUpperCase()} (${sizes})`);
  }
  if (effect.seconds) parts.push(`duration ${effect.seconds} s (wins over \`seconds\`)`);
  if (effect.pro) parts.push('the pro model (same size and duration)');
  return parts.join('; ');
}

/** One row per option: what it sets in a parsed name, what it excludes, what it does. */
export function renderOptionTable(): string {
  const rows = MODEL_OPTION_TABLE.map((row) => {
    const excludes = MODEL_OPTION_TABLE.filter((other) => other.field === row.field && other.option !== row.option);
    const value = typeof row.value === 'string' ? `'${row.value}'` : String(row.value);
    const cost = 'renderCost' in row ? `x${row.renderCost}` : 'x1';
    return [
      code(row.option),
      code(`${row.field}: ${value}`),
      excludes.length ? excludes.map((o) => code(o.option)).join(', ') : '-',
      describeEffect(row.effect),
      cost,
    ];
  });
  return table(['Option', 'Sets (`ModelName`)', 'Excludes', 'Effect on the video', 'Mock render time'], rows);
}

export function renderModelCount(): string {
  const names = allCanonicalModelNames();
  const plain = BASE_MODEL_TABLE.filter((row) => !row.takesOptions).map((row) => code(row.base));
  const combinations = names.length - plain.length;
  return `\`GET /models\` lists ${names.length} names: ${plain.join(', ')} and the ${combinations} canonical ${code(OPTION_BASE)} combinations.`;
}

/** Every canonical video name with the video it makes when no other parameter decides. */
export function renderModelTable(): string {
  const rows = allCanonicalModelNames()
    .map((name) => ({ name, model: parsed(name) }))
    .filter(({ model }) => isVideoModel(model))
    .map(({ name, model }) => {
      const fixed = fixedByName(model);
      const specs = ORIENTATIONS.map((o) => videoSpecFor(model, o));
      const spec = videoSpecFor(model, fixed.orientation ?? VIDEO_DEFAULTS.orientation);
      const size = fixed.orientation ? spec.size : specs.map((s) => `${s.size} (${s.orientation})`).join(' / ');
      const duration = fixed.seconds ? `${fixed.seconds} s` : `${spec.seconds} s, or \`seconds\` ${acceptedSecondsFor(model).join(' / ')}`;
      return [
        code(name),
        fixed.orientation ?? `open (size > analysis > ${VIDEO_DEFAULTS.orientation})`,
        size,
        duration,
        spec.quality.toUpperCase(),
        spec.pro ? 'yes' : 'no',
      ];
    });
  return table(['Model', 'Orientation', 'Size', 'Duration', 'Quality', 'Pro'], rows);
}

export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  'option-table': renderOptionTable,
  'model-count': renderModelCount,
  'model-table': renderModelTable,
};

/** The page with every generated section rendered afresh; throws when a section's markers are missing. */
export function renderRulesPage(markdown: string): string {
  let page = markdown;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = page.indexOf(open);
    const end = page.indexOf(close);
    if (start < 0 || end < start) throw new Error(`specs/rules.md has no section between '${open}' and '${close}'`);
    page = `${page.slice(0, start + open.length)}\n${render()}\n${page.slice(end)}`;
  }
  return page;
}
