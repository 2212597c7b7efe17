/**
 * The order test files start in. `npm test` runs every project but unit in one pool (vitest.config.ts),
 * so the suite's wall time is how well the files fill the workers: the longest start first and the
 * short ones fill the gaps at the end (longest processing time first). vitest's own order runs files by
 * size, which ended each project on one long file with the other core idle.
 *
 * A file's length is vitest's measurement from this machine's last run when there is one (its cache),
 * else the measurement below, else zero. A number that has gone stale costs wall time, never a result.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Seconds, as the summary reporter printed them on a 2-core machine (December 2026): files over 5 s. */
export const MEASURED: Readonly<Record<string, number>> = {
  'test/conformance/mutants.test.ts': 45,
  'test/conformance/faults.test.ts': 44,
  'test/readme.test.ts': 36,
  'test/cli/drill.test.ts': 30,
  'test/adapters/drill-vitest.test.ts': 21,
  'test/browser/media.browser.test.ts': 17,
  'test/conformance/cli.test.ts': 16,
  'test/conformance/variants.test.ts': 14,
  'test/hardening/state.test.ts': 13,
  'test/media/jpeg.test.ts': 12,
  'test/conformance/html-report.browser.test.ts': 11,
  'test/hardening/survival.test.ts': 10,
  'test/media/video.test.ts': 9,
  'test/proxy/hostile.test.ts': 8,
  'test/media/h264/mp4.test.ts': 7,
  'test/adapters/media-pool.test.ts': 7,
  'test/hardening/links.test.ts': 7,
  'test/media/cli.test.ts': 6,
  'test/proxy/hostile.browser.test.ts': 6,
  'test/inspector/inspector.browser.test.ts': 5,
};

export default class LongestFirst extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`)?.duration;
      return cached !== undefined ? cached / 1000 : (MEASURED[path] ?? 0);
    };
    const order = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
    return Promise.resolve([...files].sort((a, b) => order(a) - order(b) || seconds(b) - seconds(a)));
  }
}
