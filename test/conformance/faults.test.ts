/**
 * Every broken deployment of faults.ts (the clean mock behind an altering proxy): the checks named in
 * `catches` fail, the run fails (what `sora-kit check` exits 1 for), and every check outside `catches`
 * and `collateral` passes. With SORA_HARNESS_RESULTS=<dir> the outcome of every run is saved for the
 * table (helpers/render-results.ts).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { CATALOGUE, runConformance } from '../../src/conformance/index.js';
import { coveredBy, FAULTS } from './helpers/faults.js';
import { startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';
import { failedChecks, fetchFiveSecondVideo, runOptions, saveRecords, skippedChecks, startJudgingProxy, type RunRecord } from './helpers/runs.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let fiveSecondMp4: Buffer;
const records: RunRecord[] = [];

beforeAll(async () => {
  mock = await startMock();
  fiveSecondMp4 = await fetchFiveSecondVideo(mock.url);
});
afterAll(async () => {
  saveRecords('faults', records);
  await mock.server.close();
});

// Concurrent: each run mostly waits on its proxy and the shared mock (vitest's maxConcurrency, 5, at a time).
describe.concurrent('faults: each broken deployment is reported by the check named for it', () => {
  it('lists at least 45 faults with distinct names, each with one primary check', ({ expect }) => {
    expect(FAULTS.length).toBeGreaterThanOrEqual(45);
    expect(new Set(FAULTS.map((f) => f.name)).size).toBe(FAULTS.length);
    for (const fault of FAULTS) expect(fault.catches[0], fault.name).toMatch(/^[a-z]+\.[a-z0-9.-]+$/);
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: reported by ${fault.catches.join(', ')}`, async ({ expect }) => {
      const proxy = await startProxy(mock.url, fault.deviation({ fiveSecondMp4 }));
      const started = performance.now();
      const record: RunRecord = { name: fault.name, catches: fault.catches, collateral: fault.collateral, proposal: fault.proposal, failed: [], skipped: [], stats: proxy.stats, durationMs: 0 };
      records.push(record);
      try {
        let report;
        let passive: string[] = [];
        const judging = await startJudgingProxy(proxy.url);
        try {
          report = await runConformance(runOptions(judging.url));
          const violations = await judging.violations();
          passive = [...new Set(violations.map((v) => v.check))];
          record.passive = [...new Set(violations.filter((v) => v.severity !== 'info').map((v) => v.check))];
        } catch (error) {
          record.error = `${(error as Error).name}: ${(error as Error).message}`;
          throw error;
        } finally {
          await judging.close();
        }
        record.failed = failedChecks(report);
        record.skipped = skippedChecks(report);
        const failed = record.failed.map((c) => c.id);
        const missing = fault.catches.filter((id) => !failed.includes(id));
        const unexpected = record.failed.filter((c) => !fault.catches.includes(c.id) && !coveredBy(c.id, fault.collateral ?? []));
        expect(missing, `not reported by ${missing.join(', ')}`).toEqual([]);
        expect(unexpected.map((c) => `${c.id}: ${c.message}`)).toEqual([]);
        // The validating proxy's judge, watching the same traffic passively, reports it too.
        const seen = fault.proxy ?? [fault.catches[0]];
        if (Array.isArray(seen)) for (const id of seen) expect(passive, `the proxy's judge reports ${id}`).toContain(id);
        // The primary's severity decides the exit: must and should fail the run, info is only reported.
        const primary = CATALOGUE.find((c) => c.id === fault.catches[0]);
        expect(primary, `${fault.catches[0]} is a check of the catalogue`).toBeDefined();
        expect(report.passed, 'the run fails (exit 1)').toBe(primary!.severity === 'info');
      } finally {
        record.durationMs = Math.round(performance.now() - started);
        await proxy.close();
      }
    }, 60_000);
  }
});
