import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.js';

/**
 * The suite in projects, by what a test does (CONTRIBUTING.md, at the top). `npm test` runs them all
 * in three groups (`sequence.groupOrder`), one after another: unit; the harnesses, which must have the
 * cores to themselves; then integration, e2e and browser in one pool, longest files first
 * (test/helpers/sequencer.ts). `npm run test:<project>` runs one. A file not listed below is a unit
 * test, and the unit project's setup (test/helpers/project-guard.ts) fails it if it opens a socket or
 * starts a process.
 */

/** Spawn processes: the CLI, curl, ffmpeg/ffprobe, vite, npm, redis-server, nginx. */
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
  // esbuild runs as a process of its own.
  'test/suite/build-cli.test.ts',
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

/** Projects with one worker count and group order run together, in one pool. */
const POOL = { pool: 'forks', maxWorkers: 3, sequence: { groupOrder: 2 } } as const;

const project = (name: string, test: TestProjectInlineConfiguration['test']): TestProjectInlineConfiguration => ({ extends: true, test: { name, ...test } });

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    sequence: { sequencer: LongestFirst },
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
      // The conformance harnesses alone (the only project that must not share the cores): each file runs
      // its deployments concurrently (five runs at once, the mutants six) and the mock renders their
      // media, so two files fill two cores; with more beside them, runs that must observe a job before
      // it completes (an early-content probe, a job queued for three polls) see it completed.
      project('harness', { include: HARNESS, pool: 'forks', maxWorkers: 2, sequence: { groupOrder: 1 } }),
      // The rest share one pool, and the longest files start first (test/helpers/sequencer.ts): run one
      // project after another, each ended on its longest file with a core idle. Most of their files
      // wait (on their own servers, child processes, Chromium) more than they compute: one worker more
      // than the cores.
      project('integration', { ...POOL, include: INTEGRATION, setupFiles: ['./test/helpers/project-guard.ts'], provide: { forbidden: { processes: 'e2e' } } }),
      project('e2e', { ...POOL, include: E2E, globalSetup: [BUILD_CLI] }),
      project('browser', { ...POOL, include: BROWSER, globalSetup: [BUILD_CLI] }),
    ],
  },
});
