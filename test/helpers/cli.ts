/**
 * The `sora-kit` CLI as the tests run it in child processes: the sources transpiled to JavaScript
 * (test/helpers/build-cli.ts, which vitest runs first, as the projects' globalSetup), so every run
 * sees the sources as they are now, and each child starts as fast as the shipped CLI: under tsx a
 * child spent about 1.1 s of CPU on loading and transpiling, and the suite starts a hundred of them.
 *
 * The build sits one folder below the repository, as dist/ does, so what the CLI finds next to itself
 * (../../package.json, the media worker) is where it is in the package. Tests about the package as
 * shipped (dist/, as `npm ci` builds it with tsc) are test/package.test.ts and .ci/run's examples.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
/** Where build-cli.ts writes the transpiled sources (git ignores it). */
export const TEST_BUILD = resolve(REPO_ROOT, '.test-build');
/** `node CLI ...` runs `sora-kit ...`. */
export const CLI = resolve(TEST_BUILD, 'cli/index.js');

/** A repository-relative path of the build (`.test-build/cli/serve.js`) as its source (`src/cli/serve.ts`); other paths as given. */
export function sourceOf(path: string): string {
  return path.startsWith('.test-build/') ? `src/${path.slice('.test-build/'.length).replace(/\.js$/, '.ts')}` : path;
}
