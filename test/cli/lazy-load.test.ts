/**
 * The CLI loads only the subcommand that runs (src/cli/program.ts): `sora-kit serve` never loads the
 * conformance runner, fast-check or the proxy, `sora-kit check` never loads the server, `--version`
 * loads no subcommand, and a server that has made no video has not loaded mediabunny. What loaded is
 * read from Node's own module loader (test/helpers/loaded-modules.mjs), named by their sources.
 * The full help, `help <command>` and a mistyped name still see every subcommand.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, sourceOf } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'sora-lazy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let runs = 0;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** Repository-relative paths (node_modules/<package>/... for dependencies; src/... for the CLI's own) of every module loaded. */
  loaded: string[];
}

function cli(...args: string[]): Promise<Run> {
  const log = join(scratch, `loaded-${++runs}.txt`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_MOCK_')));
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', './test/helpers/loaded-modules.mjs', CLI, ...args],
      { cwd: REPO_ROOT, env: { ...clean, LOADED_MODULES_LOG: log } },
      (error, stdout, stderr) => {
        const urls = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:'));
        const loaded = urls.map((u) => sourceOf(relative(REPO_ROOT, fileURLToPath(u.split('?')[0]))));
        done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, loaded });
      },
    );
  });
}

const SUBCOMMAND_FILES = ['spec', 'media', 'serve', 'check', 'proxy', 'drill'].map((name) => `src/cli/${name}.ts`);
const under = (loaded: string[], prefix: string) => loaded.filter((f) => f.startsWith(prefix));

describe('sora-kit loads what the command needs', () => {
  it('serve: not the conformance runner, fast-check, the proxy or another subcommand', async () => {
    const r = await cli('serve', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--instant');
    expect(r.loaded).toContain('src/cli/serve.ts');
    expect(r.loaded).toContain('src/adapters/node.ts');
    expect(SUBCOMMAND_FILES.filter((f) => r.loaded.includes(f))).toEqual(['src/cli/serve.ts']);
    for (const prefix of ['src/conformance/', 'src/arbitraries/', 'src/proxy/', 'node_modules/fast-check/']) expect(under(r.loaded, prefix)).toEqual([]);
  });

  it('serve with a server made (--print-config): no mediabunny until a video is muxed or inspected', async () => {
    const r = await cli('serve', '--print-config');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('server');
    expect(r.loaded).toContain('src/media/mp4.ts');
    expect(r.loaded).toContain('src/media/inspect.ts');
    expect(under(r.loaded, 'node_modules/mediabunny/')).toEqual([]);
  });

  it('check: not the server, the inspector or the mock', async () => {
    const r = await cli('check', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--fail-on');
    expect(SUBCOMMAND_FILES.filter((f) => r.loaded.includes(f))).toEqual(['src/cli/check.ts']);
    for (const prefix of ['src/adapters/', 'src/mock/']) expect(under(r.loaded, prefix)).toEqual([]);
  });

  it('--version: no subcommand at all', async () => {
    const r = await cli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect(SUBCOMMAND_FILES.filter((f) => r.loaded.includes(f))).toEqual([]);
    expect(r.loaded).toContain('src/cli/program.ts');
  });

  it('the full help lists every subcommand, having loaded them all', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const name of ['spec', 'media', 'serve', 'check', 'proxy']) expect(r.stdout).toMatch(new RegExp(`^\\s+${name}\\b`, 'm'));
    expect(SUBCOMMAND_FILES.filter((f) => r.loaded.includes(f))).toEqual(SUBCOMMAND_FILES);
  });

  it('help <command> shows that command, and a mistyped one is answered with the closest name', async () => {
    const help = await cli('help', 'proxy');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--target <url>');
    expect(SUBCOMMAND_FILES.filter((f) => help.loaded.includes(f))).toEqual(['src/cli/proxy.ts']);
    const typo = await cli('serv');
    expect(typo.code).not.toBe(0);
    expect(typo.stderr).toContain("unknown command 'serv'");
    expect(typo.stderr).toContain('serve');
  });
});
