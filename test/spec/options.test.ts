/**
 * The model table (src/spec/options.ts) is the single source of the options: everything that lists
 * options, groups, durations or canonical names must say what the table says. These tests read the
 * table directly and rebuild each derived list by brute force, so a list restated by hand anywhere
 * (and left behind when the table changes) fails here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFLICTING_OPTION_PAIRS, invalidModelName, validModelName } from '../../src/arbitraries/index.js';
import { OPTION_MODELS } from '../../src/conformance/catalogue/chat.js';
import { allCanonicalModelNames, formatModelName, parseModelName } from '../../src/spec/model.js';
import { ALL_VIDEO_SECONDS, BASE_MODEL_TABLE, EXCLUSIVE_GROUPS, MODEL_OPTIONS, MODEL_OPTION_TABLE, OPTION_BASE } from '../../src/spec/options.js';
import { VIDEO_SECONDS_BY_BASE } from '../../src/spec/rules.js';
import { VIDEO_SECONDS } from '../../src/spec/schemas/videos.js';
import { ModelList } from '../../src/spec/schemas/index.js';
import { call, manualMock } from '../mock/helpers.js';

type Row = (typeof MODEL_OPTION_TABLE)[number];

/** Two options conflict when they set the same field. */
const conflict = (a: Row, b: Row) => a !== b && a.field === b.field;
const respectsGroups = (rows: readonly Row[]) => rows.every((a) => rows.every((b) => !conflict(a, b)));

/** Every subset of the table's rows, by brute force over bit masks. */
const ALL_SUBSETS: Row[][] = Array.from({ length: 2 ** MODEL_OPTION_TABLE.length }, (_, mask) =>
  MODEL_OPTION_TABLE.filter((_, i) => mask & (1 << i)),
);
const VALID_SUBSETS = ALL_SUBSETS.filter(respectsGroups);

/** The canonical spelling straight from the table: the base, then the given rows in table order. */
const canonicalOf = (rows: readonly Row[]) => [OPTION_BASE, ...MODEL_OPTION_TABLE.filter((r) => rows.includes(r)).map((r) => r.option)].join('-');

describe('the model table is the single source of the options', () => {
  it('every option set that respects the groups parses, in any order, to the fields its rows set, and formats canonically', () => {
    const subsets = fc.constantFrom(...VALID_SUBSETS).chain((rows) => fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }));
    fc.assert(
      fc.property(subsets, (rows) => {
        const parsed = parseModelName([OPTION_BASE, ...rows.map((r) => r.option)].join('-'));
        if (!parsed.ok) throw new Error(parsed.error.message);
        for (const row of MODEL_OPTION_TABLE) {
          const given = rows.find((r) => r.field === row.field);
          expect(parsed.model[row.field]).toBe(given ? given.value : row.value === true ? false : undefined);
        }
        expect(formatModelName(parsed.model)).toBe(canonicalOf(rows));
        expect(parseModelName(formatModelName(parsed.model))).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });

  it('every option set that breaks a group is rejected as conflicting', () => {
    const broken = ALL_SUBSETS.filter((rows) => !respectsGroups(rows));
    expect(broken.length).toBeGreaterThan(0);
    for (const rows of broken) {
      expect(parseModelName(canonicalOf(rows)), canonicalOf(rows)).toMatchObject({ ok: false, error: { reason: 'conflicting_options' } });
    }
  });

  it('the exclusive groups are the options that share a field, and nothing else', () => {
    const pairs = MODEL_OPTION_TABLE.flatMap((a) => MODEL_OPTION_TABLE.filter((b) => conflict(a, b)).map((b) => [a.option, b.option]));
    expect(EXCLUSIVE_GROUPS.flatMap((g) => g.flatMap((a) => g.filter((b) => b !== a).map((b) => [a, b])))).toEqual(pairs);
    expect(CONFLICTING_OPTION_PAIRS).toEqual(pairs);
  });

  it('the canonical names, and GET /models, are the base models plus every valid option set', async () => {
    const expected = [
      ...BASE_MODEL_TABLE.filter((b) => !b.takesOptions).map((b) => b.base),
      ...VALID_SUBSETS.map(canonicalOf),
    ].sort();
    expect([...allCanonicalModelNames()].sort()).toEqual(expected);
    const served = ModelList.parse(await (await call(manualMock(), 'GET', '/models')).json());
    expect(served.data.map((m) => m.id).sort()).toEqual(expected);
  });

  it('the durations are each video base its own plus every duration an option fixes', () => {
    const optionSeconds = MODEL_OPTION_TABLE.flatMap((r) => ('seconds' in r.effect ? [r.effect.seconds] : []));
    expect(optionSeconds.length).toBeGreaterThan(0);
    expect(VIDEO_SECONDS_BY_BASE).toEqual({ sora_video: [5], sora_video2: [10, ...optionSeconds] });
    expect([...ALL_VIDEO_SECONDS]).toEqual([5, 10, ...optionSeconds]);
    expect([...VIDEO_SECONDS]).toEqual(ALL_VIDEO_SECONDS.map(String));
  });

  it("the arbitraries' option words are the table's options: valid names use each, junk and near misses never are one", () => {
    const used = new Set(fc.sample(validModelName(), { numRuns: 1000, seed: 7 }).flatMap((m) => m.options));
    expect([...used].sort()).toEqual([...MODEL_OPTIONS].sort());
    const options = new Set<string>(MODEL_OPTIONS);
    for (const bad of fc.sample(invalidModelName(), { numRuns: 2000, seed: 7 })) {
      if (bad.kind !== 'unknown_option') continue;
      const tokens = bad.name.split('-').slice(1);
      // Exactly one token is not an option of the table: the one inserted as junk.
      expect(tokens.filter((t) => !options.has(t)), bad.name).toHaveLength(1);
    }
    const notSupported = fc.sample(invalidModelName(), { numRuns: 2000, seed: 7 }).filter((m) => m.kind === 'options_not_supported');
    const words = new Set(notSupported.flatMap((m) => m.name.split('-').slice(1)).filter((t) => options.has(t)));
    expect([...words].sort()).toEqual([...MODEL_OPTIONS].sort());
  });

  it('the conformance option matrix gives every option, each name valid, some in a non-canonical order', () => {
    const parsed = OPTION_MODELS.map((name) => ({ name, result: parseModelName(name) }));
    for (const { name, result } of parsed) expect(result.ok, name).toBe(true);
    const given = new Set(OPTION_MODELS.flatMap((name) => name.split('-').slice(1)));
    expect([...given].sort()).toEqual([...MODEL_OPTIONS].sort());
    const canonical = parsed.map(({ result }) => (result.ok ? formatModelName(result.model) : ''));
    expect(OPTION_MODELS.some((name, i) => name !== canonical[i])).toBe(true);
    // One option set in two orders: the grammar takes any order.
    expect(new Set(canonical).size).toBeLessThan(canonical.length);
    // Few names: no more than one per option of the widest group, plus the repeated order.
    expect(OPTION_MODELS.length).toBeLessThanOrEqual(Math.max(...EXCLUSIVE_GROUPS.map((g) => g.length)) + 1);
  });
});
