/**
 * The CLI behind a pipe whose reader leaves early (`sora-kit spec | head -n 1`): the first line comes
 * through, nothing lands on stderr (no EPIPE stack trace) and sora-kit itself exits 0.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';

const run = promisify(execFile);

/** `sora-kit <args> | <reader>` from source, then sora-kit's own exit status (PIPESTATUS[0]) on stdout. */
async function piped(args: string, reader: string) {
  const script = `node ${CLI} ${args} | ${reader}; echo "sora-kit exited \${PIPESTATUS[0]}"`;
  return run('bash', ['-c', script], { cwd: REPO_ROOT });
}

describe('sora-kit with a reader that closes stdout early', () => {
  it('spec | head -n 1 prints one line and ends quietly', async () => {
    const { stdout, stderr } = await piped('spec', 'head -n 1');
    expect(stderr).toBe('');
    expect(stdout).toBe('openapi: 3.1.0\nsora-kit exited 0\n');
  });

  // 70 KB of JSON outgrows the pipe's 64 KB buffer, so the write after head left fails for certain.
  it('spec --format json | head -n 1 (larger than the pipe buffer) ends quietly', async () => {
    const { stdout, stderr } = await piped('spec --format json', 'head -n 1');
    expect(stderr).toBe('');
    expect(stdout).toBe('{\nsora-kit exited 0\n');
  });

  it('a reader that reads nothing at all (spec | true) ends quietly too', async () => {
    const { stdout, stderr } = await piped('spec', 'true');
    expect(stderr).toBe('');
    expect(stdout).toBe('sora-kit exited 0\n');
  });
});
