/**
 * `createSoraHandlers` must run in `setupWorker` (a browser): nothing it loads, transitively, may import
 * a Node built-in. Walks the static import graph from src/adapters/msw.ts.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/support.js';

const BUILTINS = new Set(builtinModules);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0]);
}

/** Every module reachable from `entry` by runtime imports (`import type` is erased, so it is skipped). */
function importGraph(entry: string): { files: string[]; external: Map<string, string> } {
  const seen = new Set<string>();
  const external = new Map<string, string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(IMPORT)) {
      if (/^\s*(?:import|export)\s+type\s/.test(match[0].trimStart())) continue;
      const specifier = match[1];
      if (specifier.startsWith('.')) queue.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
      else external.set(specifier, file);
    }
  }
  return { files: [...seen], external };
}

describe('the msw adapter in a browser', () => {
  it('reaches no Node built-in through its imports', () => {
    const { files, external } = importGraph(resolve(REPO_ROOT, 'src/adapters/msw.ts'));
    expect(files.some((f) => f.endsWith('src/mock/app.ts'))).toBe(true);
    const nodeOnly = [...external].filter(([specifier]) => isNodeBuiltin(specifier)).map(([s, f]) => `${s} (in ${f})`);
    expect(nodeOnly).toEqual([]);
  });

  it('the walker does see Node imports where they are (the node adapter)', () => {
    const { external } = importGraph(resolve(REPO_ROOT, 'src/adapters/node.ts'));
    expect([...external.keys()].filter(isNodeBuiltin)).toContain('node:http');
  });
});

describe('the Node server and `sora-kit serve`', () => {
  it('never load msw, which users of the server alone need not install', () => {
    for (const entry of ['src/adapters/node.ts', 'src/cli/serve.ts']) {
      const { external } = importGraph(resolve(REPO_ROOT, entry));
      expect([...external.keys()].filter((s) => s === 'msw' || s.startsWith('msw/') || s.startsWith('@mswjs/')), entry).toEqual([]);
    }
  });
});
