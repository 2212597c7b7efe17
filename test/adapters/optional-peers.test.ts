/**
 * @mswjs/http-middleware (with the Express 4 it brings) is an optional peer dependency that only
 * `sora-kit/middleware` needs: the manifest says so, only src/adapters/middleware.ts imports it (or
 * Express), and no other entry point or the CLI reaches that file. examples/vitest-msw proves the
 * same on the packed tarball, installed without it.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/support.js';
import { importClosure, importsOf, tsFilesUnder } from '../helpers/imports.js';

const PEER = '@mswjs/http-middleware';
const SRC = join(REPO_ROOT, 'src');
const MIDDLEWARE = join(SRC, 'adapters/middleware.ts');

interface Manifest {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
  exports: Record<string, string | { default: string }>;
}
const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Manifest;

/** dist/adapters/msw.js -> src/adapters/msw.ts */
const sourceOf = (built: string) => join(REPO_ROOT, built.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));

describe(`${PEER}, the middleware's optional peer`, () => {
  it('is an optional peer dependency (and a dev dependency for these tests), not a dependency', () => {
    expect(Object.keys(manifest.dependencies)).not.toContain(PEER);
    expect(Object.keys(manifest.dependencies)).not.toContain('express');
    expect(manifest.peerDependencies[PEER]).toBeDefined();
    expect(manifest.peerDependenciesMeta[PEER]).toEqual({ optional: true });
    expect(manifest.devDependencies[PEER]).toBe(manifest.peerDependencies[PEER]);
  });

  it('is imported, like express, by src/adapters/middleware.ts alone', () => {
    const importers = tsFilesUnder(SRC)
      .filter((file) => importsOf(readFileSync(file, 'utf8')).some((s) => s === PEER || s.startsWith(`${PEER}/`) || s === 'express'))
      .map((file) => relative(REPO_ROOT, file));
    expect(importers).toEqual(['src/adapters/middleware.ts']);
  });

  it('is out of reach of every other entry point and of the CLI', () => {
    const entries = Object.entries(manifest.exports)
      .filter(([name, target]) => name !== './middleware' && typeof target === 'object')
      .map(([, target]) => sourceOf((target as { default: string }).default));
    expect(entries.map((e) => relative(REPO_ROOT, e))).toContain('src/adapters/msw.ts');
    entries.push(join(SRC, 'cli/index.ts'));
    const loaded = importClosure(entries);
    expect(loaded.size).toBeGreaterThan(entries.length);
    expect(loaded.has(MIDDLEWARE) ? `reached from ${relative(REPO_ROOT, loaded.get(MIDDLEWARE)!)}` : 'not reached').toBe('not reached');
  });

  it('the walk does reach middleware.ts from its own entry point', () => {
    expect(importClosure([sourceOf((manifest.exports['./middleware'] as { default: string }).default)]).has(MIDDLEWARE)).toBe(true);
  });
});
