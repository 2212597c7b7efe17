import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitWriter } from '../../../src/media/h264/bitwriter.js';
import { lengthPrefixedNal, nalUnit } from '../../../src/media/h264/nal.js';
import { BitReader, unescape } from './bitreader.js';

function bits(w: BitWriter): string {
  w.alignZero();
  return [...w.view()].map((b) => b.toString(2).padStart(8, '0')).join('');
}

describe('BitWriter', () => {
  it('writes u(n) most significant bit first', () => {
    const w = new BitWriter();
    w.u(3, 0b101);
    w.u(5, 0b00011);
    w.u(4, 0xf);
    expect(bits(w)).toBe('10100011' + '11110000');
  });

  it('writes 32-bit fields without losing the top bits', () => {
    const w = new BitWriter();
    w.u(1, 1);
    w.u(32, 0xdeadbeef);
    w.u(7, 0);
    expect([...w.view()]).toEqual([0xef, 0x56, 0xdf, 0x77, 0x80]);
  });

  it('codes ue(v) as in Table 9-2', () => {
    const table: Array<[number, string]> = [
      [0, '1'],
      [1, '010'],
      [2, '011'],
      [3, '00100'],
      [6, '00111'],
      [7, '0001000'],
      [30, '000011111'],
      [254, '000000011111111'],
    ];
    for (const [v, code] of table) {
      const w = new BitWriter();
      w.ue(v);
      expect(bits(w).slice(0, code.length), `ue(${v})`).toBe(code);
      expect(w.bitLength).toBe(Math.ceil(code.length / 8) * 8);
    }
  });

  it('maps se(v) as in Table 9-3', () => {
    const table: Array<[number, number]> = [
      [0, 0],
      [1, 1],
      [-1, 2],
      [2, 3],
      [-2, 4],
      [-100, 200],
    ];
    for (const [v, codeNum] of table) {
      const a = new BitWriter();
      a.se(v);
      const b = new BitWriter();
      b.ue(codeNum);
      expect(bits(a), `se(${v})`).toBe(bits(b));
    }
  });

  it('codes large ue values exactly (split writes past 24 bits)', () => {
    const w = new BitWriter();
    w.ue(70_000);
    w.ue(0xfffffffe);
    w.trailingBits();
    const r = new BitReader(w.view());
    expect(r.ue()).toBe(70_000);
    expect(r.ue()).toBe(0xfffffffe);
  });

  it('rejects values exp-Golomb cannot code', () => {
    expect(() => new BitWriter().ue(-1)).toThrow(/ue: value must be an integer/);
    expect(() => new BitWriter().ue(1.5)).toThrow(/got 1.5/);
  });

  it('pads with a stop bit and zeros in rbsp_trailing_bits', () => {
    const w = new BitWriter();
    w.u(3, 0b110);
    w.trailingBits();
    expect([...w.view()]).toEqual([0b11010000]);
    const aligned = new BitWriter();
    aligned.u(8, 0xaa);
    aligned.trailingBits();
    expect([...aligned.view()]).toEqual([0xaa, 0x80]);
  });

  it('writes raw bytes only when byte aligned', () => {
    const w = new BitWriter();
    w.u(1, 1);
    expect(() => w.bytes(Uint8Array.of(1))).toThrow(/not byte aligned/);
    w.alignZero();
    w.bytes(Uint8Array.of(7, 8));
    expect([...w.view()]).toEqual([0x80, 7, 8]);
  });

  it('grows past its initial capacity and keeps everything written', () => {
    const w = new BitWriter(16);
    const block = new Uint8Array(1000).map((_, i) => i & 0xff);
    for (let k = 0; k < 50; k++) {
      w.ue(k);
      w.alignZero();
      w.bytes(block);
    }
    const out = w.view();
    const r = new BitReader(out);
    for (let k = 0; k < 50; k++) {
      expect(r.ue()).toBe(k);
      const start = Math.ceil(r.position / 8);
      expect(out.subarray(start, start + 1000)).toEqual(block);
      r.u(start * 8 + 8000 - r.position);
    }
  });

  it('round-trips any sequence of u/ue/se through an independent reader', () => {
    type Op = { kind: 'u'; n: number; v: number } | { kind: 'ue'; v: number } | { kind: 'se'; v: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc
        .integer({ min: 1, max: 32 })
        .chain((n) => fc.integer({ min: 0, max: 2 ** n - 1 }).map((v) => ({ kind: 'u' as const, n, v }))),
      fc.integer({ min: 0, max: 2 ** 31 }).map((v) => ({ kind: 'ue' as const, v })),
      fc.integer({ min: -(2 ** 30), max: 2 ** 30 }).map((v) => ({ kind: 'se' as const, v })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const w = new BitWriter(16);
        for (const o of ops) {
          if (o.kind === 'u') w.u(o.n, o.v);
          else if (o.kind === 'ue') w.ue(o.v);
          else w.se(o.v);
        }
        w.trailingBits();
        const r = new BitReader(w.view());
        for (const o of ops) {
          const got = o.kind === 'u' ? r.u(o.n) : o.kind === 'ue' ? r.ue() : r.se();
          expect(got).toBe(o.v);
        }
        expect(r.u(1)).toBe(1);
      }),
    );
  });
});

describe('NAL units', () => {
  it('inserts emulation prevention bytes before 00..03 after two zeros', () => {
    const nal = nalUnit(3, 7, Uint8Array.of(0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 4, 0x80));
    expect([...nal]).toEqual([0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 0, 3, 0, 0, 4, 0x80]);
  });

  it('never leaves a start-code prefix in the payload and unescapes back to the RBSP', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }).map((a) => Uint8Array.from([...a, 0x80])), (rbsp) => {
        const nal = nalUnit(2, 1, rbsp);
        const hex = Buffer.from(nal.subarray(1)).toString('hex');
        expect(hex).not.toMatch(/^(..)*0000(00|01|02)/);
        expect(unescape(nal.subarray(1))).toEqual(rbsp);
      }),
    );
  });

  it('prefixes samples with their big-endian length', () => {
    const sample = lengthPrefixedNal(2, 1, Uint8Array.of(0, 0, 0, 0x80));
    expect([...sample]).toEqual([0, 0, 0, 6, 0x41, 0, 0, 3, 0, 0x80]);
  });
});
