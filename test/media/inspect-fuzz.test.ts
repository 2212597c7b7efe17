/**
 * Hostile input: whatever the bytes, inspection resolves to sane facts or rejects with a
 * MediaInspectionError; it never throws anything else and never hangs (each case has a timeout, and
 * the number of cases is bounded so the file finishes).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectMedia, MediaInspectionError, type MediaFacts } from '../../src/media/inspect.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/media');
const NAMES = readdirSync(FIXTURES).filter((f) => !/\.(sh|md)$/.test(f));
const FILES = NAMES.map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(FIXTURES, name))) }));
const CODES = ['truncated', 'unsupported', 'corrupt', 'empty', 'timeout'];
const RUNS = 60;
const INSPECT = { timeoutMs: 5_000 };

type Outcome = { facts: MediaFacts } | { error: unknown };

async function outcomeOf(bytes: Uint8Array): Promise<Outcome> {
  return inspectMedia(bytes, INSPECT).then(
    (facts) => ({ facts }),
    (error: unknown) => ({ error }),
  );
}

/** The contract every input must meet. */
function expectFactsOrInspectionError(outcome: Outcome, bytes: Uint8Array): void {
  if ('facts' in outcome) {
    const { facts } = outcome;
    expect(['image', 'video']).toContain(facts.kind);
    expect(Number.isInteger(facts.width) && facts.width > 0).toBe(true);
    expect(Number.isInteger(facts.height) && facts.height > 0).toBe(true);
    if (facts.kind === 'video') {
      expect(facts.durationSeconds).toBeGreaterThan(0);
      expect(Number.isFinite(facts.durationSeconds)).toBe(true);
      expect(facts.frameCount).toBeGreaterThan(0);
    }
    return;
  }
  const { error } = outcome;
  if (!(error instanceof MediaInspectionError)) {
    throw new Error(`inspectMedia threw ${String(error)} (not a MediaInspectionError) for ${bytes.length} bytes`);
  }
  expect(CODES).toContain(error.code);
  expect(error.message.length).toBeGreaterThan(10);
  expect(error.bytesSeen).toBe(bytes.length);
}

/** Offsets of the top-level ISO BMFF boxes: the cuts where a file looks most like a whole one. */
function topLevelBoundaries(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const cuts: number[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = view.getUint32(at);
    if (size < 8) break;
    at += size;
    if (at < bytes.length) cuts.push(at);
  }
  return cuts;
}

describe('inspectMedia at box boundaries', () => {
  for (const { name, bytes } of FILES.filter((f) => /\.(mp4|mov|m4a)$/.test(f.name))) {
    it(`${name}: a cut at (or next to) every top-level box boundary is rejected`, async () => {
      const cuts = topLevelBoundaries(bytes).flatMap((at) => [at - 1, at, at + 1]).filter((c) => c > 0 && c < bytes.length);
      expect(cuts.length).toBeGreaterThan(0);
      for (const cut of cuts) {
        const outcome = await outcomeOf(bytes.subarray(0, cut));
        expect('error' in outcome, `cut at ${cut} of ${bytes.length} was accepted`).toBe(true);
      }
    });
  }
});

describe('inspectMedia under fuzzing', () => {
  for (const { name, bytes } of FILES) {
    it(`${name}: every truncation is rejected with a MediaInspectionError`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), async (cut) => {
          const truncated = bytes.subarray(0, cut);
          const outcome = await outcomeOf(truncated);
          expectFactsOrInspectionError(outcome, truncated);
          // A GIF's only end marker is its last byte, so a cut that happens to end on 0x3B reads as whole.
          const mayPassAsWhole = name.endsWith('.gif') && truncated[truncated.length - 1] === 0x3b;
          if (!mayPassAsWhole) expect('error' in outcome, `cut at ${cut} of ${bytes.length} was accepted`).toBe(true);
        }),
        { numRuns: RUNS },
      );
    });

    it(`${name}: random byte corruption gives facts or a MediaInspectionError`, async () => {
      const edit = fc.record({ at: fc.integer({ min: 0, max: bytes.length - 1 }), value: fc.integer({ min: 0, max: 255 }) });
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 8 }), async (edits) => {
          const corrupted = bytes.slice();
          for (const { at, value } of edits) corrupted[at] = value;
          expectFactsOrInspectionError(await outcomeOf(corrupted), corrupted);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('random bytes give facts or a MediaInspectionError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
        expectFactsOrInspectionError(await outcomeOf(bytes), bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes behind a real signature (reaching the parsers) give facts or a MediaInspectionError', async () => {
    // The first 32 bytes of each fixture: a valid magic number and the start of a real header.
    const heads = FILES.map(({ bytes }) => bytes.subarray(0, 32));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...heads), fc.uint8Array({ maxLength: 4096 }), async (head, tail) => {
        const bytes = new Uint8Array(head.length + tail.length);
        bytes.set(head);
        bytes.set(tail, head.length);
        expectFactsOrInspectionError(await outcomeOf(bytes), bytes);
      }),
      { numRuns: 200 },
    );
  });
});
