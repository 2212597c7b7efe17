/**
 * What `npm pack` ships: every entry point (code and types), the CLI, the sources the maps point at,
 * and nothing users do not need (tests, benchmarks, examples, CI, fixtures). Reads the list npm itself
 * computes from `files` (and the built `dist/`, which `npm ci` makes through `prepare`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './e2e/support.js';

interface PackEntry {
  path: string;
}

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

function packedFiles(): Set<string> {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [report] = JSON.parse(out) as { files: PackEntry[] }[];
  return new Set(report.files.map((f) => f.path));
}

describe('the packed package (dist/ as `npm ci` builds it)', () => {
  const files = packedFiles();
  const rel = (p: string) => normalize(p).replace(/^\.\//, '');

  it('contains every entry point with its type declarations, and the CLI', () => {
    const targets = Object.entries(manifest.exports).flatMap(([entry, target]) =>
      typeof target === 'string' ? [[entry, target]] : [[entry, target.types], [entry, target.default]],
    );
    expect(targets.length).toBeGreaterThanOrEqual(17);
    const missing = targets.filter(([, target]) => !files.has(rel(target))).map(([entry, target]) => `${entry} -> ${target}`);
    expect(missing).toEqual([]);
    for (const bin of Object.values(manifest.bin)) expect(files.has(rel(bin)), bin).toBe(true);
  });

  it('ships no tests, benchmarks, examples, fixtures or CI scripts', () => {
    const unwanted = [...files].filter((f) => /^(test|bench|examples|fixtures|scripts|docs|\.ci|node_modules)\//.test(f) || f.endsWith('.tgz'));
    expect(unwanted).toEqual([]);
  });

  it('ships the sources its source maps and declaration maps point at', () => {
    const maps = [...files].filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const dangling: string[] = [];
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(join(REPO_ROOT, map), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        const target = normalize(join(dirname(map), source));
        if (!files.has(target)) dangling.push(`${map} -> ${target}`);
      }
    }
    expect(dangling).toEqual([]);
  });
});
