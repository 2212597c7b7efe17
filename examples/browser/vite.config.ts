import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * msw's service worker script, served (dev) and emitted (build) from the installed msw, so the copy
 * always matches the msw version in use and no generated file lives in the repository
 * (the usual alternative is `npx msw init public/` and committing its output).
 */
function mswWorker(): Plugin {
  const source = () => readFileSync(require.resolve('msw/mockServiceWorker.js'), 'utf8');
  return {
    name: 'msw-worker',
    configureServer(server) {
      server.middlewares.use('/mockServiceWorker.js', (_req, res) => {
        res.setHeader('content-type', 'text/javascript; charset=utf-8');
        res.end(source());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'mockServiceWorker.js', source: source() });
    },
  };
}

export default defineConfig({
  root: here('.'),
  // Inside the sora-kit repository the example runs on the sources; in your project, with sora-kit
  // installed, delete this alias.
  resolve: { alias: [{ find: /^sora-kit\/msw$/, replacement: here('../../src/adapters/msw.ts') }] },
  plugins: [mswWorker()],
  // Top-level await in main.ts (start the worker before the first request).
  build: { target: 'es2022' },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  // No `logLevel: 'warn'` here: Vite prints the "Local: http://..." line at info level, so a quieter
  // level makes `npx vite examples/browser` start without saying where. Tests pass their own level.
});
