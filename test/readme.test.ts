/**
 * The README's msw snippet (section "2. Mock the platform inside your tests (msw)") runs as pasted:
 * copied byte for byte into a test file inside the repository (so `sora-kit/msw` resolves to the
 * package itself, i.e. dist/), it type-checks and passes under vitest in a child process.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './e2e/support.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const SECTION = '## 2. Mock the platform inside your tests (msw)';
const SCRATCH = join(REPO_ROOT, 'test/.readme-tmp'); // gitignored; removed after the run
const SNIPPET = join(SCRATCH, 'readme-msw.test.ts');

/** The first ```ts block of the section, exactly as the README shows it. */
function snippet(readme: string): string {
  const start = readme.indexOf(`\n${SECTION}\n`);
  expect(start, `README has no section '${SECTION}'`).toBeGreaterThanOrEqual(0);
  const next = readme.indexOf('\n## ', start + SECTION.length + 2);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const block = /\n```ts\n([\s\S]*?)\n```\n/.exec(section);
  expect(block, 'no ```ts block in the section').not.toBeNull();
  return `${block![1]}\n`;
}

describe("README's msw snippet", () => {
  let code = '';
  beforeAll(() => {
    code = snippet(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'));
    rmSync(SCRATCH, { recursive: true, force: true });
    mkdirSync(SCRATCH, { recursive: true });
    writeFileSync(SNIPPET, code);
  });
  afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

  it('is the section that uses myClient, with its imports', () => {
    expect(code).toContain("from 'sora-kit/msw'");
    expect(code).toContain('myClient.makeVideo(');
  });

  it('type-checks as it stands', async () => {
    const tsconfig = join(SCRATCH, 'tsconfig.json');
    writeFileSync(tsconfig, JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: [relative(SCRATCH, SNIPPET)] }));
    const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', tsconfig], { cwd: REPO_ROOT }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('passes under vitest, with no msw warning', async () => {
    const vitest = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
    const report = join(SCRATCH, 'report.json');
    const result = await run(
      process.execPath,
      [vitest, 'run', relative(REPO_ROOT, SNIPPET), '--root', REPO_ROOT, '--reporter=json', `--outputFile=${report}`],
      { cwd: REPO_ROOT, env: { ...process.env, CI: '1' } },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, output: error.stdout + error.stderr }),
    );
    const json = JSON.parse(readFileSync(report, 'utf8')) as { success: boolean; numTotalTests: number; numPassedTests: number };
    expect({ code: result.code, success: json.success, total: json.numTotalTests, passed: json.numPassedTests }, result.output).toEqual({
      code: 0,
      success: true,
      total: 1,
      passed: 1,
    });
    expect(result.output).not.toContain('[MSW]');
  }, 60_000);
});
