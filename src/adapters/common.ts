/**
 * What every adapter shares. Kept apart from msw.ts so the Node server (and `sora-kit serve`) never
 * loads msw, which users of the server alone need not install.
 */
import { isInspectorPath } from '../mock/inspector/index.js';
import type { SoraMock } from '../mock/types.js';

/** Options or an existing mock? Every adapter accepts both. */
export function isSoraMock(value: unknown): value is SoraMock {
  return typeof value === 'object' && value !== null && typeof (value as SoraMock).fetch === 'function' && 'options' in value;
}

/** Is `path` in the mock's own space: its base path, its admin routes when admin is on, the inspector's when it is on? */
export function ownsPath(mock: SoraMock, path: string): boolean {
  const { basePath, admin, inspector } = mock.options;
  if (path === basePath || path.startsWith(`${basePath}/`)) return true;
  if (inspector && isInspectorPath(path)) return true;
  return admin && path.startsWith('/__sora/');
}
