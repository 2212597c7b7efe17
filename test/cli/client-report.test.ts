/**
 * `sora-kit serve --client-report FILE`: the client report of the whole run is written when the server
 * stops, as json or html by extension; the html escapes what clients sent and cuts long values.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClientReport } from '../../src/mock/client-report.js';
import { REPO_ROOT } from '../e2e/support.js';
import { CLI } from '../helpers/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'sora-client-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Serve with --client-report, let `traffic` run against it, stop it with SIGTERM; the exit code. */
async function serveWith(file: string, traffic: (base: string) => Promise<void>): Promise<number> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SORA_')));
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--quiet', '--instant', '--media-workers', '0', '--client-report', file], { cwd: REPO_ROOT, env: clean });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
  await traffic(base);
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
  child.kill('SIGTERM');
  return exited;
}

const auth = { authorization: 'Bearer sk-sora-mock' };

describe.concurrent('sora-kit serve --client-report', () => {
  it('json: the findings of what the clients did, written on exit', async () => {
    const file = join(scratch, 'report.json');
    const code = await serveWith(file, async (base) => {
      const video = (await (await fetch(`${base}/videos`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora_video2', prompt: 'a fox' }) })).json()) as { id: string };
      for (let i = 0; i < 3; i++) await fetch(`${base}/videos/${video.id}`, { headers: auth });
    });
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(file, 'utf8')) as ClientReport;
    expect(report.findings.map((f) => [f.rule, f.count])).toEqual([
      ['polls-after-finished', 2],
      ['never-fetches-content', 1],
    ]);
  });

  it('html: every value escaped and long ones cut; the licence in a URL masked', async () => {
    const file = join(scratch, 'report.html');
    const hostile = `<script>alert(1)</script>${'x'.repeat(2000)}`;
    await serveWith(file, async (base) => {
      await fetch(`${base}/models?api_key=sk-sora-mock&q=${encodeURIComponent(hostile)}`, { headers: auth });
      await fetch(`${base}/videos?limit=${encodeURIComponent(hostile)}`, { headers: auth });
    });
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('licence-in-url');
    expect(html).toContain('refused-request');
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('sk-sora-mock');
    expect(html).not.toContain('x'.repeat(1000));
  });
});
