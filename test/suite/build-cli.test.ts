/**
 * The CLI the tests start (test/helpers/cli.ts): every source has its module in the build, a module
 * whose source is gone is removed, a second build rewrites nothing (a project's setup can run while
 * another project's tests load the build), and the build runs as the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildCli } from '../helpers/build-cli.js';
import { CLI, REPO_ROOT, sourceOf, TEST_BUILD } from '../helpers/cli.js';

const run = promisify(execFile);
const files = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));

describe('the CLI build the tests run', () => {
  it('has a module for every source, and only those', async () => {
    const stray = join(TEST_BUILD, 'gone', 'old.js');
    mkdirSync(join(TEST_BUILD, 'gone'), { recursive: true });
    writeFileSync(stray, 'export {};\n');
    await buildCli();
    const sources = files(join(REPO_ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
    expect(files(TEST_BUILD).map(sourceOf).sort()).toEqual(sources.sort());
  });

  it('rewrites nothing when the sources have not changed', async () => {
    await buildCli();
    const before = new Map(files(TEST_BUILD).map((f) => [f, statSync(join(REPO_ROOT, f)).mtimeMs]));
    await buildCli();
    expect(new Map(files(TEST_BUILD).map((f) => [f, statSync(join(REPO_ROOT, f)).mtimeMs]))).toEqual(before);
  });

  it('runs as the CLI, with the package beside it', async () => {
    const { stdout } = await run(process.execPath, [CLI, '--version'], { cwd: REPO_ROOT });
    expect(stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
