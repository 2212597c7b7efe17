/**
 * A fresh clone stands alone: no file of the project names a path outside the repository, so
 * `npm ci && npm test` passes in an empty folder. What the tests need from outside (the official
 * OpenAI schemas, the platform document's curl examples) is kept in fixtures/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The sibling folder this project's CI lays out beside a clone; spelled in pieces so this file is not a hit. */
const SIBLING = ['..', 'shared'].join('/');

/**
 * Where `text` (the content of `file`, relative to the root) names a path outside the repository:
 * the sibling folder, an absolute path of this machine's work folder, or a relative literal that leaves
 * the root even when read from the file itself (lenient: `resolve(fileURLToPath(import.meta.url),
 * '../../..')` is the root of a file two folders down).
 */
export function outsidePaths(file: string, text: string): string[] {
  const hits: string[] = [];
  if (text.includes(SIBLING)) hits.push(SIBLING);
  for (const m of text.matchAll(new RegExp(`(?:^|[\\s'"\`(])(${'shared'}/(?:seed|reference)/[^\\s'"\`)]*)`, 'g'))) hits.push(m[1]);
  for (const m of text.matchAll(/['"`](\/work\/[^'"`\s]*)/g)) hits.push(m[1]);
  for (const m of text.matchAll(/(?:ROOT|root)\s*,\s*['"`](\.\.(?:\/[^'"`]*)?)['"`]/g)) hits.push(m[1]);
  for (const m of text.matchAll(/['"`]((?:\.\.\/)+\.\.|(?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
    const target = resolve(ROOT, file, m[1]);
    const rel = relative(ROOT, target);
    if (rel === '..' || rel.startsWith(`..${sep}`)) hits.push(m[1]);
  }
  return hits;
}

const TEXT = /\.(ts|js|mjs|cjs|json|md|ya?ml|sh|html|css)$|^\.ci\/|(^|\/)\.gitignore$/;

function trackedTextFiles(): string[] {
  // Tracked and new (not ignored) files: what a commit would carry.
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\n')
    .filter((f) => f && TEXT.test(f) && f !== 'package-lock.json')
    .filter((f) => {
      try {
        readFileSync(resolve(ROOT, f));
        return true;
      } catch {
        return false; // deleted in the work tree
      }
    });
}

describe('a fresh clone stands alone', () => {
  it('the path detector finds what it must (so the scan below can fail)', () => {
    expect(outsidePaths('test/e2e/x.ts', `resolve(REPO_ROOT, '${SIBLING}/reference/a.json')`)).not.toEqual([]);
    expect(outsidePaths('test/e2e/x.ts', `readFileSync('${'/wo'}rk/shared/seed/doc.md')`)).not.toEqual([]);
    expect(outsidePaths('test/x.ts', `resolve(ROOT, '..', 'other')`)).not.toEqual([]);
    expect(outsidePaths('specs/x.md', 'The document (`' + 'shared' + '/seed/sora-platform.md`) says')).not.toEqual([]);
    expect(outsidePaths('test/x.ts', `readFileSync('../../../elsewhere/file.json')`)).not.toEqual([]);
    // What stays inside is fine.
    expect(outsidePaths('test/media/h264/a.test.ts', `import { x } from '../../../src/media/h264/nal.js';`)).toEqual([]);
    expect(outsidePaths('test/media/cli.test.ts', `resolve(fileURLToPath(import.meta.url), '../../..')`)).toEqual([]);
  });

  it('no file of the project names a path outside the repository', () => {
    // This file is skipped: its own examples above are what the detector must flag.
    const self = relative(ROOT, fileURLToPath(import.meta.url));
    const offenders = trackedTextFiles()
      .filter((f) => f !== self)
      .map((f) => ({ file: f, hits: outsidePaths(f, readFileSync(resolve(ROOT, f), 'utf8')) }))
      .filter((o) => o.hits.length > 0);
    expect(offenders).toEqual([]);
  });

  it('the fixtures that replace outside references are here and say where they come from', () => {
    const schemas = JSON.parse(readFileSync(resolve(ROOT, 'fixtures/openai/schemas.json'), 'utf8')) as {
      info: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(schemas.info['x-source']).toEqual(expect.stringContaining('openai'));
    expect(schemas.info['x-taken']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const name of schemas.info['x-roots'] as string[]) expect(schemas.components.schemas, name).toHaveProperty(name);
    // Every $ref resolves inside the fixture: the closure is complete.
    const refs = [...JSON.stringify(schemas.components).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    for (const ref of refs) expect(schemas.components.schemas, ref).toHaveProperty(ref);
  });

  it('a LICENSE file matches the licence package.json declares', () => {
    const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { license: string };
    const licence = readFileSync(resolve(ROOT, 'LICENSE'), 'utf8');
    expect(pkg.license).toBe('MIT');
    expect(licence).toMatch(/^MIT License/);
    expect(licence).toContain('Permission is hereby granted, free of charge');
  });
});
