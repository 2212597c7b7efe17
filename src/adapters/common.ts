/**
 * What every adapter shares. Kept apart from msw.ts so the Node server (and `sora-kit serve`) never
 * loads msw, which users of the server alone need not install.
 */
import type { SoraMock } from '../mock/types.js';

/** Options or an existing mock? Every adapter accepts both. */
export function isSoraMock(value: unknown): value is SoraMock {
  return typeof value === 'object' && value !== null && typeof (value as SoraMock).fetch === 'function' && 'options' in value;
}
