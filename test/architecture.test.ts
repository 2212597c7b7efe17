/**
 * The layers hold: each folder of src/ imports only the layers below it (GUIDE: spec depends on
 * nothing, media only on spec, mock and conformance on spec and media and never on each other), routes
 * do not import each other, and the transport-free layers use no Node built-in.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf, tsFilesUnder } from './helpers/imports.js';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Which layers each layer may import (besides itself). The top (cli) may import anything. */
const ALLOWED: Record<string, readonly string[]> = {
  util: [],
  spec: ['util'],
  media: ['spec', 'util'],
  arbitraries: ['spec', 'util'],
  mock: ['spec', 'media', 'util'],
  conformance: ['spec', 'media', 'arbitraries', 'util'],
  adapters: ['mock', 'replay', 'spec', 'media', 'util'],
  replay: ['spec', 'util'],
  proxy: ['conformance', 'replay', 'spec', 'media', 'arbitraries', 'util'],
  cli: ['adapters', 'mock', 'conformance', 'proxy', 'replay', 'spec', 'media', 'arbitraries', 'util'],
};
/** Layers that run in a browser or any Fetch-API runtime: no `node:` imports. */
const RUNTIME_FREE = ['util', 'spec', 'media', 'mock', 'arbitraries', 'replay'];
/**
 * Node-only modules kept in a runtime-free layer because the Node layers above share them (the host
 * guard reads this machine's addresses for a wildcard bind): only layers outside RUNTIME_FREE import them.
 */
const NODE_ONLY = ['util/host-guard.ts'];

const layerOf = (file: string): string => {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0] : '(root)';
};

interface Edge {
  from: string;
  to: string;
}

/** Every relative import in src/, resolved to the file it names. */
function edges(): Edge[] {
  return tsFilesUnder(SRC).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => ({ from: file, to: resolve(dirname(file), spec.replace(/\.js$/, '.ts')) })),
  );
}

/** What breaks the layer rules, as readable lines (so a failure says where). */
export function violations(all: Edge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of all) {
    const a = layerOf(from);
    const b = layerOf(to);
    const show = `${relative(ROOT, from)} -> ${relative(ROOT, to)}`;
    if (a === b) {
      // Routes share through mock modules, never through each other.
      if (a === 'mock' && /\/routes\//.test(from) && /\/routes\//.test(to)) out.push(`route imports a route: ${show}`);
      continue;
    }
    if (a === '(root)') continue; // src/index.ts re-exports the public surface
    if (!(ALLOWED[a] ?? []).includes(b)) out.push(`${a} may not import ${b}: ${show}`);
  }
  return out;
}

describe('layer boundaries', () => {
  it('every folder of src/ has a rule', () => {
    const layers = new Set(tsFilesUnder(SRC).map(layerOf));
    layers.delete('(root)');
    for (const layer of layers) expect(ALLOWED, `add ${layer} to ALLOWED`).toHaveProperty(layer);
  });

  it('each layer imports only the layers below it, and routes do not import each other', () => {
    const all = edges();
    expect(all.length).toBeGreaterThan(100); // it did read the imports
    expect(violations(all)).toEqual([]);
  });

  it('the rules catch what they must (the check is not vacuous)', () => {
    const f = (p: string) => join(SRC, p);
    expect(
      violations([
        { from: f('spec/rules.ts'), to: f('mock/app.ts') },
        { from: f('media/png.ts'), to: f('mock/types.ts') },
        { from: f('mock/app.ts'), to: f('conformance/runner.ts') },
        { from: f('conformance/runner.ts'), to: f('mock/types.ts') },
        { from: f('mock/routes/chat.ts'), to: f('mock/routes/videos.ts') },
        { from: f('mock/routes/chat.ts'), to: f('mock/start-job.ts') },
        { from: f('mock/app.ts'), to: f('spec/rules.ts') },
      ]),
    ).toHaveLength(5);
  });

  it('the transport-free layers use no Node built-in', () => {
    const offenders = tsFilesUnder(SRC)
      .filter((file) => RUNTIME_FREE.includes(layerOf(file)) && !NODE_ONLY.includes(relative(SRC, file)))
      .flatMap((file) => importsOf(readFileSync(file, 'utf8')).filter((s) => s.startsWith('node:') || ['fs', 'path', 'http', 'crypto', 'os', 'url', 'buffer'].includes(s)).map((s) => `${relative(ROOT, file)}: ${s}`));
    expect(offenders).toEqual([]);
  });

  it('the Node-only modules of shared layers are imported by Node layers only', () => {
    const offenders = edges()
      .filter(({ from, to }) => NODE_ONLY.includes(relative(SRC, to)) && RUNTIME_FREE.includes(layerOf(from)))
      .map(({ from, to }) => `${relative(ROOT, from)} -> ${relative(ROOT, to)}`);
    expect(offenders).toEqual([]);
    // Not vacuous: the modules exist and are used above.
    expect(edges().filter(({ to }) => NODE_ONLY.includes(relative(SRC, to))).length).toBeGreaterThan(0);
  });
});
