// tsc writes dist/ over what is there and never removes a file: a module renamed or moved in src/
// stayed in dist/ under its old name, and `npm pack` shipped it (with source maps pointing at sources
// that no longer exist; test/package.test.ts finds those). Run before every build.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
