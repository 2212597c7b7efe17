/**
 * The runner judges any deployment only through HTTP, so nothing it loads may come from the mock or
 * its adapters: follow every relative import from src/conformance (and src/cli/check.ts), transitively.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importClosure as closure, importCycles, importGraph, importsOf, tsFilesUnder as filesUnder, valueImportsOf } from '../helpers/imports.js';

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

  it('has no import cycle, type imports included', () => {
    const cycles = importCycles(importGraph(filesUnder(join(SRC, 'conformance'))));
    expect(cycles.map((c) => c.map((f) => relative(SRC, f)).sort().join(' <-> '))).toEqual([]);
  });

  it('finds a cycle where there is one (the scan can fail)', () => {
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    expect(importCycles(new Map([[a, [b]], [b, [a]], ['/x/c.ts', [a]]]))).toEqual([[b, a]]);
    expect(valueImportsOf(`import type { A } from './a.js';\nimport { b } from './b.js';\nexport type { C } from './c.js';`)).toEqual(['./b.js']);
  });
});

describe('the validating proxy', () => {
  it("loads the registry's judge, never the catalogue or the runner (value imports, transitively)", () => {
    const loaded = closure(filesUnder(join(SRC, 'proxy')), valueImportsOf);
    expect([...loaded.keys()].map((f) => relative(SRC, f))).toContain('conformance/registry.ts');
    const forbidden = [...loaded].filter(([file]) => /^conformance\/(catalogue\/|runner\.ts)/.test(relative(SRC, file))).map(([file, from]) => `${relative(SRC, file)} (imported by ${relative(SRC, from)})`);
    expect(forbidden).toEqual([]);
  });
});

