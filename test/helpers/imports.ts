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

/** The import specifiers that load code at run time: `import type` and `export type` statements left out. */
export function valueImportsOf(source: string): string[] {
  return importsOf(source.replace(/\b(?:import|export)\s+type\s[^;]*?\bfrom\s*['"][^'"]+['"]/g, ''));
}

/** The relative imports of every file under `files`, resolved to files: the import graph. */
export function importGraph(files: string[], read: (source: string) => string[] = importsOf): Map<string, string[]> {
  return new Map(files.map((f) => [f, read(readFileSync(f, 'utf8')).filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts')))]));
}

/** Groups of files that import each other, directly or through others (Tarjan's strongly connected components of more than one file, or one importing itself). */
export function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1 || graph.get(v)!.includes(v)) cycles.push(group);
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Every source file reachable from `entries` through relative imports: file -> the file that imported it. */
export function importClosure(entries: string[], read: (source: string) => string[] = importsOf): Map<string, string> {
  const seen = new Map<string, string>();
  const queue: Array<[string, string]> = entries.map((e) => [e, '(entry)']);
  while (queue.length) {
    const [file, from] = queue.shift()!;
    if (seen.has(file)) continue;
    seen.set(file, from);
    for (const spec of read(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push([resolve(dirname(file), spec.replace(/\.js$/, '.ts')), file]);
    }
  }
  return seen;
}
