/**
 * This project installs sora-kit without @mswjs/http-middleware (an optional peer of sora-kit, needed only
 * by `sora-kit/middleware`), so it has no Express either. Everything else must work as it is, and the
 * middleware entry point must say what is missing. examples/middleware-express installs it and uses it.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const CLI = join(dirname(require.resolve('sora-kit/package.json')), 'dist/cli/index.js');

describe('sora-kit without its optional peer @mswjs/http-middleware', () => {
  it('is really installed without it, and without express', () => {
    expect(() => require.resolve('@mswjs/http-middleware')).toThrow();
    expect(() => require.resolve('express')).toThrow();
  });

  it("import('sora-kit/middleware') rejects, naming the package and how to install it", async () => {
    const error = await import('sora-kit/middleware').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toContain('needs the optional peer dependency @mswjs/http-middleware, which is not installed');
    expect(error?.message).toContain('npm install --save-dev @mswjs/http-middleware msw');
  });

  it('sora-kit/msw works', async () => {
    const { createSoraHandlers } = await import('sora-kit/msw');
    const handlers = createSoraHandlers({ instant: true });
    const response = await handlers.mock.fetch(
      new Request('https://sora.test/sora/v1/models', { headers: { authorization: 'sk-sora-mock' } }),
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it('sora-kit serve starts and answers', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--quiet', '--instant'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          err += chunk.toString();
        });
        child.once('exit', (code) => reject(new Error(`sora-kit serve exited (${code}): ${out}${err}`)));
      });
      const health = await fetch(`${url}/__sora/health`);
      expect(health.status).toBe(200);
      const models = await fetch(`${url}/sora/v1/models`, { headers: { authorization: 'sk-sora-mock' } });
      expect(models.status).toBe(200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    }
  });
});
