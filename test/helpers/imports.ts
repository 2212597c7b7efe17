/** The import graph of the sources, read from the text (no bundler): for tests about what loads what. */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFilesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Static, re-export and dynamic import specifiers; type-only ones count too. */
export function importsOf(source: string): string[] {
  const found = [
    ...source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
  ];
  return found.map((m) => m[1]);
}

/** Every source file reachable from `entries` through relative imports: file -> the file that imported it. */
export function importClosure(entries: string[]): Map<string, string> {
  const seen = new Map<string, string>();
  const queue: Array<[string, string]> = entries.map((e) => [e, '(entry)']);
  while (queue.length) {
    const [file, from] = queue.shift()!;
    if (seen.has(file)) continue;
    seen.set(file, from);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push([resolve(dirname(file), spec.replace(/\.js$/, '.ts')), file]);
    }
  }
  return seen;
}
