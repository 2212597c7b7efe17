/**
 * The order the suite's files start in (test/helpers/sequencer.ts): group by group, and within a
 * group the longest first, by this machine's last measurement when vitest has one, else by the table.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import LongestFirst, { MEASURED } from '../helpers/sequencer.js';
import { REPO_ROOT } from '../helpers/cli.js';

const spec = (path: string, project: string, groupOrder: number) =>
  ({ moduleId: join(REPO_ROOT, path), project: { name: project, config: { sequence: { groupOrder } } } }) as unknown as TestSpecification;

function sequencer(cached: Record<string, number> = {}) {
  const ctx = { config: { root: REPO_ROOT }, cache: { getFileTestResults: (key: string) => (key in cached ? { duration: cached[key], failed: false } : undefined) } };
  return new LongestFirst(ctx as unknown as Vitest);
}

const order = async (s: LongestFirst, specs: TestSpecification[]) => (await s.sort(specs)).map((x) => x.moduleId.slice(REPO_ROOT.length + 1));

describe('the suite runs the longest files first', () => {
  const unit = spec('test/mock/videos.test.ts', 'unit', 0);
  const faults = spec('test/conformance/faults.test.ts', 'harness', 1);
  const short = spec('test/e2e/seed-curl.test.ts', 'e2e', 2);
  const readme = spec('test/readme.test.ts', 'e2e', 2);
  const drill = spec('test/adapters/drill-vitest.test.ts', 'integration', 2);

  it('group by group, and within a group by the measured table, whatever the project', async () => {
    expect(await order(sequencer(), [short, drill, faults, readme, unit])).toEqual([
      'test/mock/videos.test.ts',
      'test/conformance/faults.test.ts',
      'test/readme.test.ts',
      'test/adapters/drill-vitest.test.ts',
      'test/e2e/seed-curl.test.ts',
    ]);
  });

  it("prefers this machine's last measurement (vitest's cache, in ms) to the table", async () => {
    const s = sequencer({ 'e2e:test/e2e/seed-curl.test.ts': 90_000, 'e2e:test/readme.test.ts': 1_000 });
    expect(await order(s, [readme, drill, short])).toEqual(['test/e2e/seed-curl.test.ts', 'test/adapters/drill-vitest.test.ts', 'test/readme.test.ts']);
  });

  it('names only files that exist (a renamed file would silently lose its place)', () => {
    expect(Object.keys(MEASURED).filter((path) => !existsSync(join(REPO_ROOT, path)))).toEqual([]);
  });
});
