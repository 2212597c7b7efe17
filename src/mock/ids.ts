/**
 * Deterministic ids: the same seed and the same sequence of requests give the same ids, so tests and
 * recorded fixtures stay stable across runs.
 */
import { digestHex } from '../media/index.js';

/** The `n`th id with `prefix` for `seed` (1 is the first): what every source of ids counts through. */
export function idOf(seed: string, prefix: string, n: number): string {
  return `${prefix}${digestHex(`${seed}\u0000${prefix}\u0000${n}`)}`;
}

export function createIdSource(seed: string) {
  const counters = new Map<string, number>();
  return {
    next(prefix: string): string {
      const n = (counters.get(prefix) ?? 0) + 1;
      counters.set(prefix, n);
      return idOf(seed, prefix, n);
    },
    reset(): void {
      counters.clear();
    },
  };
}

export type IdSource = ReturnType<typeof createIdSource>;
