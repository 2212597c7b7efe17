/**
 * Every legitimate variant of variants.ts (the clean mock behind a proxy that changes only what the
 * platform document and OpenAI leave open) passes: no check fails at must or should. Entries the
 * current checker wrongly fails are red on purpose until it is fixed. With SORA_HARNESS_RESULTS=<dir>
 * the outcome of every run is saved for the results table.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runConformance } from '../../src/conformance/index.js';
import { startMediaHost, type MediaHost } from './helpers/gateway.js';
import { startMock } from './helpers/mock.js';
import { startProxy } from './helpers/proxy.js';
import { failedChecks, runOptions, saveRecords, skippedChecks, startJudgingProxy, type RunRecord } from './helpers/runs.js';
import { VARIANTS } from './helpers/variants.js';

let mock: Awaited<ReturnType<typeof startMock>>;
let mediaHost: MediaHost;
const records: RunRecord[] = [];

beforeAll(async () => {
  mock = await startMock();
  mediaHost = await startMediaHost(mock.url);
});
afterAll(async () => {
  saveRecords('variants', records);
  await mediaHost.close();
  await mock.server.close();
});

// Concurrent: each run mostly waits on its proxy and the shared mock (vitest's maxConcurrency, 5, at a time).
describe.concurrent('variants: legitimate deployments pass', () => {
  it('lists at least 14 variants with distinct names', ({ expect }) => {
    expect(VARIANTS.length).toBeGreaterThanOrEqual(14);
    expect(new Set(VARIANTS.map((v) => v.name)).size).toBe(VARIANTS.length);
  });

  it('control: the clean mock behind a pass-through proxy passes', async ({ expect }) => {
    const proxy = await startProxy(mock.url, {});
    try {
      const report = await runConformance(runOptions(proxy.url));
      expect(failedChecks(report)).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  for (const variant of VARIANTS) {
    it(`${variant.name}: passes`, async ({ expect }) => {
      const proxy = await startProxy(mock.url, variant.deviation({ mediaHost }));
      const started = performance.now();
      const leaksBefore = mediaHost.authorised.length;
      const record: RunRecord = { name: variant.name, failed: [], skipped: [], stats: proxy.stats, durationMs: 0, notes: [variant.allowedBy] };
      records.push(record);
      try {
        let report;
        const judging = await startJudgingProxy(proxy.url);
        try {
          report = await runConformance(runOptions(judging.url));
          const violations = (await judging.violations()).filter((v) => v.severity !== 'info');
          record.passive = [...new Set(violations.map((v) => v.check))];
          // The proxy's judge, watching the same traffic, finds nothing wrong either.
          expect(violations.map((v) => `${v.check} [${v.severity}] ${v.method} ${v.url}: ${v.message}`)).toEqual([]);
        } catch (error) {
          record.error = `${(error as Error).name}: ${(error as Error).message}`;
          throw error;
        } finally {
          await judging.close();
        }
        record.failed = failedChecks(report);
        record.skipped = skippedChecks(report);
        const leaks = mediaHost.authorised.slice(leaksBefore);
        if (leaks.length) record.notes!.push(`the licence reached the CDN origin ${leaks.length} time(s), e.g. ${leaks[0]}`);
        expect(record.failed.filter((c) => c.severity !== 'info').map((c) => `${c.id} [${c.severity}]: ${c.message}`)).toEqual([]);
        expect(report.passed, 'the run passes (exit 0)').toBe(true);
        expect(leaks, 'the licence never reaches another origin').toEqual([]);
      } finally {
        record.durationMs = Math.round(performance.now() - started);
        await proxy.close();
      }
    }, 60_000);
  }
});
