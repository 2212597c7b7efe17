import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { invalidModelName, soraVideo2Model, validModelName, videoModelName } from '../../src/arbitraries/index.js';
import { allCanonicalModelNames, formatModelName, parseModelName } from '../../src/spec/model.js';
import { resolveVideoRequest } from '../../src/spec/rules.js';
import { VIDEO_MODEL_TABLE } from './model-table.js';

const TABLE = new Map(VIDEO_MODEL_TABLE.map((row) => [row[0], row]));

describe('model-name grammar: valid names', () => {
  it('parses the seed examples', () => {
    expect(parseModelName('sora_video2-landscape')).toEqual({ ok: true, model: { base: 'sora_video2', orientation: 'landscape', hd: false, pro: false } });
    expect(parseModelName('sora_video2-landscape-hd')).toEqual({ ok: true, model: { base: 'sora_video2', orientation: 'landscape', hd: true, pro: false } });
    expect(parseModelName('sora_video2-hd-portrait')).toEqual({ ok: true, model: { base: 'sora_video2', orientation: 'portrait', hd: true, pro: false } });
    expect(parseModelName('sora_image')).toEqual({ ok: true, model: { base: 'sora_image', hd: false, pro: false } });
  });

  it('for every valid option set in every order, parse gives the generated model and format gives the canonical name', () => {
    fc.assert(
      fc.property(validModelName(), ({ name, model, canonical }) => {
        const parsed = parseModelName(name);
        expect(parsed).toEqual({ ok: true, model });
        if (!parsed.ok) return;
        expect(formatModelName(parsed.model)).toBe(canonical);
        expect(parseModelName(canonical)).toEqual({ ok: true, model });
      }),
      { numRuns: 500 },
    );
  });

  it('format then parse is the identity on structured models', () => {
    fc.assert(
      fc.property(soraVideo2Model(), (model) => {
        expect(parseModelName(formatModelName(model))).toEqual({ ok: true, model });
      }),
    );
  });

  it('parse is independent of option order', () => {
    const twoOrders = soraVideo2Model().chain((model) => {
      const options = formatModelName(model).split('-').slice(1);
      const perm = fc.shuffledSubarray(options, { minLength: options.length, maxLength: options.length });
      return fc.tuple(perm, perm);
    });
    fc.assert(
      fc.property(twoOrders, ([a, b]) => {
        expect(parseModelName(['sora_video2', ...a].join('-'))).toEqual(parseModelName(['sora_video2', ...b].join('-')));
      }),
    );
  });

  it('the resolved video spec of every model name matches the literal table', () => {
    fc.assert(
      fc.property(videoModelName(), ({ name, canonical }) => {
        const parsed = parseModelName(name);
        if (!parsed.ok) throw new Error(`valid name rejected: ${name}`);
        const resolved = resolveVideoRequest({ model: parsed.model });
        if (!resolved.ok) throw new Error(`request rejected: ${resolved.error.message}`);
        const row = TABLE.get(canonical);
        expect(row, canonical).toBeDefined();
        const [, size, seconds, quality, pro] = row!;
        expect(resolved.spec).toMatchObject({ model: canonical, size, seconds, quality, pro, fps: 24 });
        expect(`${resolved.spec.width}x${resolved.spec.height}`).toBe(size);
      }),
      { numRuns: 300 },
    );
  });

  it('lists every canonical name exactly once: sora_image plus the table', () => {
    const names = allCanonicalModelNames();
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(['sora_image', ...VIDEO_MODEL_TABLE.map((r) => r[0])].sort());
    for (const name of names) {
      const parsed = parseModelName(name);
      expect(parsed.ok && formatModelName(parsed.model)).toBe(name);
    }
  });
});

describe('model-name grammar: invalid names', () => {
  it('rejects every invalid name with the reason of its first defect, and the canonical suggestion for mangled spellings', () => {
    fc.assert(
      fc.property(invalidModelName(), ({ name, reason, suggestion }) => {
        const parsed = parseModelName(name);
        expect(parsed.ok).toBe(false);
        if (parsed.ok) return;
        expect(parsed.error.reason).toBe(reason);
        expect(parsed.error.name).toBe(name);
        if (suggestion !== undefined) {
          expect(parsed.error.suggestion).toBe(suggestion);
          expect(parsed.error.message).toContain(`Did you mean '${suggestion}'?`);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = parseModelName(value);
        expect(typeof parsed.ok).toBe('boolean');
      }),
    );
    fc.assert(fc.property(fc.string(), (s) => void parseModelName(s)));
    expect(parseModelName({ toString: 0 })).toMatchObject({ ok: false, error: { reason: 'empty' } });
  });

  it.each([
    ['Sora_Video2-HD', 'unknown_base', 'sora_video2-hd'],
    ['sora_video2_hd', 'unknown_base', 'sora_video2-hd'],
    ['sora_video2--hd', 'unknown_option', 'sora_video2-hd'],
    ['sora_video2-hd-', 'unknown_option', 'sora_video2-hd'],
    ['sora_video2-HD', 'unknown_option', 'sora_video2-hd'],
    ['sora_video2-pro-landscape_hd', 'unknown_option', 'sora_video2-landscape-hd-pro'],
    ['sora_video2-landscap-hd', 'unknown_option', 'sora_video2-landscape-hd'],
    ['sora_video2-hd-prp', 'unknown_option', 'sora_video2-hd-pro'],
    ['sora_vedio2', 'unknown_base', 'sora_video2'],
    ['sora_video-hd', 'options_not_supported', 'sora_video2-hd'],
    ['sora_image-landscape', 'options_not_supported', 'sora_image'],
  ] as const)('%s -> %s, suggests %s', (name, reason, suggestion) => {
    const parsed = parseModelName(name);
    expect(parsed).toMatchObject({ ok: false, error: { reason, suggestion } });
  });

  it('names the offending token and what is accepted', () => {
    const dup = parseModelName('sora_video2-hd-pro-hd');
    expect(dup).toMatchObject({ ok: false, error: { reason: 'duplicate_option', token: 'hd' } });
    const conflict = parseModelName('sora_video2-portrait-hd-landscape');
    expect(conflict).toMatchObject({ ok: false, error: { reason: 'conflicting_options', token: 'landscape' } });
    if (!conflict.ok) expect(conflict.error.message).toMatch(/'portrait' and 'landscape'.*portrait \| landscape/);
    const unknown = parseModelName('sora_video2-1080p');
    expect(unknown).toMatchObject({ ok: false, error: { reason: 'unknown_option', token: '1080p' } });
    if (!unknown.ok) {
      expect(unknown.error.suggestion).toBeUndefined();
      expect(unknown.error.message).toContain('portrait, landscape, hd, 15s, 25s, pro');
    }
    expect(parseModelName('')).toMatchObject({ ok: false, error: { reason: 'empty' } });
    expect(parseModelName(42)).toMatchObject({ ok: false, error: { reason: 'empty' } });
  });
});
