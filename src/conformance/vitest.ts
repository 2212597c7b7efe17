/**
 * `describeConformance(options)`: the catalogue as vitest tests, one per check, for projects that want
 * conformance in their own test suite. The only module of the runner that imports vitest.
 *
 *   describeConformance({ baseUrl: () => server.url, license: 'sk-...' });
 *
 * Tests run in catalogue order, one at a time, sharing generations like the runner does; the checks
 * that judge the whole run come last. A failing check fails its test with the check's message; a check
 * that has nothing to observe is skipped.
 */
import { beforeAll, describe, test } from 'vitest';
import { ConformanceSession, RUN_DEFAULTS } from './runner.js';
import type { RunOptions } from './types.js';

export interface DescribeConformanceOptions extends Omit<RunOptions, 'baseUrl' | 'concurrency'> {
  /** The deployment, or a function giving it once a server started in `beforeAll` is listening. */
  baseUrl: string | (() => string | Promise<string>);
  /** Name of the describe block (default `sora-kit conformance`). */
  name?: string;
  /** Timeout of each test in ms (default: --max-wait plus a minute). */
  testTimeout?: number;
}

export function describeConformance(options: DescribeConformanceOptions): void {
  // The plan does not depend on where the deployment is, so tests can be registered before it starts.
  const planned = new ConformanceSession({ ...options, baseUrl: 'http://127.0.0.1' });
  const timeout = options.testTimeout ?? ((options.maxWaitSeconds ?? RUN_DEFAULTS.maxWaitSeconds) + 60) * 1000;
  describe(options.name ?? 'sora-kit conformance', () => {
    let session: ConformanceSession;
    beforeAll(async () => {
      const baseUrl = typeof options.baseUrl === 'function' ? await options.baseUrl() : options.baseUrl;
      session = new ConformanceSession({ ...options, baseUrl, concurrency: 1 });
      await session.probe();
    }, timeout);
    const skipped = new Map(planned.plan.skipped.map((s) => [s.id, s.reason]));
    for (const check of [...planned.runnable, ...planned.selected.filter((c) => skipped.has(c.id))]) {
      const name = `${check.id} [${check.severity}] ${check.purpose}`;
      if (skipped.has(check.id)) {
        test.skip(`${name} (${skipped.get(check.id)})`, () => {});
        continue;
      }
      test(
        name,
        async (ctx) => {
          const target = session.runnable.find((c) => c.id === check.id)!;
          const result = await session.runCheck(target);
          if (result.status === 'skipped') ctx.skip(result.message);
          if (result.status === 'failed') throw new Error(`${check.id}: ${result.message}\n  rule: ${check.rule}`);
        },
        timeout,
      );
    }
  });
}
