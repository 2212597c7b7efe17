/**
 * The runner judges any deployment only through HTTP, so nothing it loads may come from the mock or
 * its adapters: follow every relative import from src/conformance (and src/cli/check.ts), transitively.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importClosure as closure, importsOf, tsFilesUnder as filesUnder } from '../helpers/imports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

describe('src/conformance imports', () => {
  const entries = [...filesUnder(join(SRC, 'conformance')), join(SRC, 'cli/check.ts')];
  const loaded = closure(entries);

  it('never reaches src/mock or src/adapters, transitively', () => {
    const forbidden = [...loaded].filter(([file]) => /^(mock|adapters)\//.test(relative(SRC, file))).map(([file, from]) => `${relative(ROOT, file)} (imported by ${relative(ROOT, from)})`);
    expect(forbidden).toEqual([]);
    expect(loaded.size).toBeGreaterThan(entries.length); // it did follow imports into spec/ and media/
  });

  it('the scan sees what it must catch', () => {
    expect(importsOf(`import { x } from '../mock/app.js';\nexport * from "../adapters/node.js";\nconst m = await import('../mock/jobs.js');\nimport type {\n  Y,\n} from '../mock/types.js';`)).toEqual([
      '../mock/app.js',
      '../adapters/node.js',
      '../mock/types.js',
      '../mock/jobs.js',
    ]);
  });

  it('only vitest.ts imports vitest', () => {
    const users = entries.filter((f) => importsOf(readFileSync(f, 'utf8')).some((s) => s === 'vitest' || s.startsWith('vitest/')));
    expect(users.map((f) => relative(ROOT, f))).toEqual(['src/conformance/vitest.ts']);
  });
});
