import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * The suite in projects, by what a test does (CONTRIBUTING.md, at the top). `npm test` runs
 * them all, one project after another (`sequence.groupOrder`: vitest runs projects with different
 * worker counts in separate groups), so each gets the machine to itself and its time is its own;
 * `npm run test:<project>` runs one. A file not listed below is a unit test, and the unit project's
 * setup (test/helpers/project-guard.ts) fails it if it opens a socket or starts a process.
 */

/** Spawn processes: the built CLI, tsx, curl, ffmpeg/ffprobe, vite, npm. */
const E2E = [
  'test/readme.test.ts',
  'test/package.test.ts',
  'test/standalone.test.ts',
  'test/cli/{client-report,drill,lazy-load,pipe}.test.ts',
  'test/conformance/{bounds,cli,coverage,curl,harness}.test.ts',
  'test/e2e/{cli-serve,seed-curl,openai-sdk,replicas}.test.ts',
  // A real redis-server per file (test/helpers/redis.ts); replicas.test.ts adds nginx.
  'test/mock/job-store.test.ts',
  'test/adapters/redis-store.test.ts',
  'test/browser/vite-dev.test.ts',
  'test/proxy/{cli,forwarding,hostile}.test.ts',
  'test/hardening/survival.test.ts',
  'test/adapters/{cors,media-pool}.test.ts',
  'test/spec/openapi-cli.test.ts',
  // Media judged by Debian's ffprobe/ffmpeg (test/helpers/ffmpeg.ts).
  'test/media/{cli,derivatives,image,inspect,inspect-generated,jpeg,video}.test.ts',
  'test/media/h264/mp4.test.ts',
  // The README's test snippets, which test/readme.test.ts writes here and runs with vitest as a reader would.
  'test/.readme-tmp/**/*.test.ts',
];
/** The projects whose tests start `sora-kit` in a child process build it first (test/helpers/cli.ts). */
const BUILD_CLI = './test/helpers/build-cli.ts';
/** The conformance harnesses: a full checker run per broken or legitimate deployment, runs at once. */
const HARNESS = ['test/conformance/{faults,variants,mutants}.test.ts'];
/** Chromium through playwright-core. */
const BROWSER = ['test/**/*.browser.test.ts'];
/** Real HTTP over 127.0.0.1 in this process (servers, proxies, clients), no other process. */
const INTEGRATION = [
  'test/adapters/{drill-vitest,inspector-adapters,keep-alive,middleware,msw,msw-retries,msw-unhandled,network-faults,node,parity}.test.ts',
  'test/conformance/{clean-deployment,describe,units}.test.ts',
  'test/e2e/{fuzz,streams}.test.ts',
  'test/hardening/{edge,inputs,links,state}.test.ts',
  'test/inspector/inspector.test.ts',
  'test/mock/chat.test.ts',
  'test/proxy/{clean-mock,record-replay,stale-connection}.test.ts',
  'test/replay/hostile.test.ts',
  'test/spec/analysis.test.ts',
];

const project = (name: string, test: TestProjectInlineConfiguration['test']): TestProjectInlineConfiguration => ({ extends: true, test: { name, ...test } });

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    setupFiles: ['./test/helpers/fast-check-setup.ts'],
    projects: [
      // CPU-bound and in-process: one worker per core, threads (cheaper to start than processes), and
      // a worker's modules kept from file to file (the files' imports were a third of the time).
      project('unit', {
        include: ['test/**/*.test.ts'],
        exclude: [...E2E, ...HARNESS, ...BROWSER, ...INTEGRATION],
        pool: 'threads',
        isolate: false,
        maxWorkers: 2,
        sequence: { groupOrder: 0 },
        setupFiles: ['./test/helpers/project-guard.ts'],
        provide: { forbidden: { sockets: 'integration', processes: 'e2e' } },
      }),
      // Client and server share the process and mostly wait on each other: more workers than cores.
      project('integration', {
        include: INTEGRATION,
        pool: 'forks',
        maxWorkers: 3,
        sequence: { groupOrder: 1 },
        setupFiles: ['./test/helpers/project-guard.ts'],
        provide: { forbidden: { processes: 'e2e' } },
      }),
      // Each file runs its deployments concurrently itself (five runs at once, the mutants six), and
      // the mock renders their media: one file per core, or runs time out on a loaded machine.
      project('harness', { include: HARNESS, pool: 'forks', maxWorkers: 2, sequence: { groupOrder: 2 } }),
      // The processes they start (the CLI, tsc, vitest, ffmpeg) need the cores: one file per core. The
      // CLI they start is the sources transpiled once per run (test/helpers/cli.ts).
      project('e2e', { include: E2E, pool: 'forks', maxWorkers: 2, sequence: { groupOrder: 3 }, globalSetup: [BUILD_CLI] }),
      // Each file starts its own Chromium, which uses several processes: one file per core.
      project('browser', { include: BROWSER, pool: 'forks', maxWorkers: 2, sequence: { groupOrder: 4 }, globalSetup: [BUILD_CLI] }),
    ],
  },
});
