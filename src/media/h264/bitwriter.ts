/**
 * MSB-first bit writer for H.264 RBSP syntax (u(n), ue(v), se(v) of ITU-T H.264 7.2 / 9.1).
 *
 * Hand-written because it sits in the encoder's inner loop: a preallocated buffer that doubles when
 * full and a small accumulator keep a 600-frame clip within the encode-time budget, which the general
 * bit-stream libraries on npm (object per call, no exp-Golomb) do not.
 */
export class BitWriter {
  private buf: Uint8Array;
  private pos = 0;
  /** Pending bits not yet flushed to `buf`; fewer than 8 between calls. */
  private acc = 0;
  private nbits = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = new Uint8Array(Math.max(16, initialBytes));
  }

  /** Forget everything written, keeping the allocation. */
  reset(): void {
    this.pos = 0;
    this.acc = 0;
    this.nbits = 0;
  }

  /** Number of bits written so far. */
  get bitLength(): number {
    return this.pos * 8 + this.nbits;
  }

  get byteAligned(): boolean {
    return this.nbits === 0;
  }

  private ensure(extraBytes: number): void {
    const need = this.pos + extraBytes + 8;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** u(n): the low `n` bits of `value`, most significant first; 0 <= n <= 32. */
  u(n: number, value: number): void {
    if (n > 24) {
      // Keeps acc within 31 bits so the shifts below never reach the sign bit.
      this.u(n - 16, Math.floor(value / 65536));
      this.u(16, value & 0xffff);
      return;
    }
    if (n === 0) return;
    this.ensure(4);
    let acc = (this.acc << n) | (value & ((1 << n) - 1));
    let nbits = this.nbits + n;
    const buf = this.buf;
    while (nbits >= 8) {
      nbits -= 8;
      buf[this.pos++] = (acc >>> nbits) & 0xff;
    }
    this.acc = acc & ((1 << nbits) - 1);
    this.nbits = nbits;
  }

  /** u(1). */
  flag(on: boolean): void {
    this.u(1, on ? 1 : 0);
  }

  /** ue(v): unsigned exp-Golomb, codeNum `value` >= 0 (9.1). */
  ue(value: number): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xfffffffe) {
      throw new RangeError(`BitWriter.ue: value must be an integer in 0..4294967294, got ${value}`);
    }
    const x = value + 1;
    const len = 32 - Math.clz32(x);
    if (2 * len - 1 <= 24) {
      this.u(2 * len - 1, x);
    } else {
      this.u(len - 1, 0);
      this.u(len, x);
    }
  }

  /** se(v): signed exp-Golomb, mapped k>0 -> 2k-1, k<=0 -> -2k (Table 9-3). */
  se(value: number): void {
    this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** Zero bits up to the next byte boundary (pcm_alignment_zero_bit, cabac_alignment...). */
  alignZero(): void {
    if (this.nbits !== 0) this.u(8 - this.nbits, 0);
  }

  /** Raw bytes; the writer must be byte aligned (as it is after pcm alignment). */
  bytes(data: Uint8Array): void {
    if (this.nbits !== 0) throw new Error('BitWriter.bytes: writer is not byte aligned');
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** rbsp_trailing_bits(): a stop bit then zero bits to the byte boundary (7.3.2.11). */
  trailingBits(): void {
    this.u(1, 1);
    this.alignZero();
  }

  /** View of the bytes written (aligned writers only); valid until the next write or reset. */
  view(): Uint8Array {
    if (this.nbits !== 0) throw new Error('BitWriter.view: writer is not byte aligned');
    return this.buf.subarray(0, this.pos);
  }

  /** Copy of the bytes written (aligned writers only). */
  toBytes(): Uint8Array {
    return this.view().slice();
  }
}
