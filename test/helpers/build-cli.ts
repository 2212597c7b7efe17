/**
 * vitest's globalSetup: transpile src/ to .test-build/ (test/helpers/cli.ts says why) with esbuild,
 * file for file, the way tsx runs them, without bundling (the CLI's lazy loading stays as it is) and
 * without type-checking (`npm run typecheck` does that). About half a second for the whole tree.
 *
 * A file is written only when its bytes changed, and through a rename, so a second run of this setup
 * (every project that has it runs it, and a project can start while another's tests spawn the CLI)
 * never leaves a half-written module for a child to load. Files whose source is gone are removed.
 */
import { build } from 'esbuild';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, TEST_BUILD } from './cli.js';

const SRC = join(REPO_ROOT, 'src');

const filesUnder = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
};

export async function buildCli(): Promise<void> {
  const sources = filesUnder(SRC).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const result = await build({
    entryPoints: sources,
    outbase: SRC,
    outdir: TEST_BUILD,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const wanted = new Set<string>();
  for (const output of result.outputFiles) {
    wanted.add(output.path);
    let current: Buffer | undefined;
    try {
      current = readFileSync(output.path);
    } catch {
      // not built yet
    }
    if (current?.equals(output.contents)) continue;
    mkdirSync(dirname(output.path), { recursive: true });
    const temporary = `${output.path}.${process.pid}.tmp`;
    writeFileSync(temporary, output.contents);
    renameSync(temporary, output.path);
  }
  for (const file of filesUnder(TEST_BUILD)) if (!wanted.has(file) && !file.endsWith('.tmp')) rmSync(file, { force: true });
}

export default buildCli;
