/** The access log's duration: a tenth of a millisecond, the decimal value rounded half up. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tenths } from '../../src/cli/serve.js';

describe('tenths', () => {
  it('writes durations to a tenth', () => {
    expect(tenths(0)).toBe('0.0');
    expect(tenths(0.04)).toBe('0.0');
    expect(tenths(0.05)).toBe('0.1');
    expect(tenths(0.15)).toBe('0.2');
    expect(tenths(9.96)).toBe('10.0');
    expect(tenths(12345.678)).toBe('12345.7');
  });

  it('agrees with toFixed(1) wherever the value is not a half', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), (ms) => {
        const scaled = ms * 10;
        fc.pre(Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6);
        expect(tenths(ms)).toBe(ms.toFixed(1));
      }),
    );
  });

  it('leaves what is not a duration to toFixed', () => {
    expect(tenths(-1.25)).toBe((-1.25).toFixed(1));
    expect(tenths(Number.NaN)).toBe('NaN');
    expect(tenths(Infinity)).toBe('Infinity');
  });
});
