import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { validate } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/spec/openapi.js';
import { REPO_ROOT } from './schemas/official.js';
import { CLI } from '../helpers/cli.js';

const run = promisify(execFile);

/** The CLI (test/helpers/cli.ts), as `npx sora-kit` runs it. */
function cli(...args: string[]) {
  return run(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
}

const scratch = mkdtempSync(join(tmpdir(), 'sora-kit-spec-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('sora-kit spec', () => {
  it('--format json prints the valid OpenAPI document with all ten operations', async () => {
    const { stdout } = await cli('spec', '--format', 'json');
    const printed = JSON.parse(stdout) as { paths: Record<string, Record<string, { operationId: string }>> };
    expect(printed).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    const operations = Object.values(printed.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(operations).toHaveLength(10);
    const result = await validate(printed as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  it('prints YAML by default and writes --out files', async () => {
    const { stdout } = await cli('spec');
    expect(parseYaml(stdout)).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
    const out = join(scratch, 'openapi.json');
    await cli('spec', '--out', out);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });

  it('refuses an unknown format and names the choices', async () => {
    const failure = await cli('spec', '--format', 'xml').then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).not.toBe(0);
    expect(failure?.stderr).toContain('yaml, json');
  });
});
