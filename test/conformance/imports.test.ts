/**
 * The runner judges any deployment only through HTTP, so nothing it loads may come from the mock or
 * its adapters: follow every relative import from src/conformance (and src/cli/check.ts), transitively.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Static, re-export and dynamic imports; type-only ones count too (they still couple the code). */
function importsOf(source: string): string[] {
  const found = [
    ...source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ];
  return found.map((m) => m[1]);
}

function closure(entries: string[]): Map<string, string> {
  const seen = new Map<string, string>(); // file -> the file that imported it
  const queue: Array<[string, string]> = entries.map((e) => [e, '(entry)']);
  while (queue.length) {
    const [file, from] = queue.shift()!;
    if (seen.has(file)) continue;
    seen.set(file, from);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      queue.push([resolve(dirname(file), spec.replace(/\.js$/, '.ts')), file]);
    }
  }
  return seen;
}

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
