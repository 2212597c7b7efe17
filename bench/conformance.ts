/**
 * How long a full conformance run takes against the local mock (`--instant`, `--fuzz 20`), and how that
 * compares with a baseline measured in the same run: the very same HTTP exchanges replayed with the same
 * concurrency and nothing else (no schema checks, no SSE parsing, no media inspection). The ratio is the
 * runner's own cost; the absolute time is what a user waits for.
 *
 *   npm run bench:conformance
 */
import pLimit from 'p-limit';
import { machineLine } from './host.js';
import { createSoraServer } from '../src/adapters/node.js';
import { runConformance } from '../src/conformance/index.js';

const RUNS = 5;
const CONCURRENCY = 4;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const server = createSoraServer({ instant: true });
  const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
  const runTimes: number[] = [];
  const replayTimes: number[] = [];
  let exchanges = 0;
  let checks = 0;
  try {
    for (let run = 0; run <= RUNS; run++) {
      const recorded: Request[] = [];
      const recordingFetch: typeof fetch = (input, init) => {
        const request = new Request(input, init);
        recorded.push(request.clone());
        return fetch(request);
      };
      server.mock.reset();
      const started = performance.now();
      const report = await runConformance({ baseUrl: url, license: 'sk-sora-mock', fuzz: 20, concurrency: CONCURRENCY, fetch: recordingFetch });
      const runMs = performance.now() - started;
      if (report.summary.mustFailed > 0) throw new Error(`the mock failed must checks: ${JSON.stringify(report.summary)}`);

      server.mock.reset();
      const limit = pLimit(CONCURRENCY);
      const replayStarted = performance.now();
      await Promise.all(recorded.map((request) => limit(async () => (await fetch(request.clone())).arrayBuffer())));
      const replayMs = performance.now() - replayStarted;
      // Run 0 warms up (JIT, media cache): not counted.
      if (run > 0) {
        runTimes.push(runMs);
        replayTimes.push(replayMs);
      }
      exchanges = recorded.length;
      checks = report.checks.length;
    }
  } finally {
    await server.close();
  }
  const runMs = median(runTimes);
  const replayMs = median(replayTimes);
  console.log(`conformance benchmark: median of ${RUNS} runs after a warm-up, against sora-kit's mock (--instant, --fuzz 20)`);
  console.log(`${machineLine()}\n`);
  console.table([
    { what: `full run (${checks} checks)`, ms: runMs.toFixed(0), 'HTTP exchanges': exchanges },
    { what: 'baseline: the same exchanges, replayed', ms: replayMs.toFixed(0), 'HTTP exchanges': exchanges },
  ]);
  console.log(`\nrunner cost: ${(runMs / replayMs).toFixed(2)}x the bare exchanges; a full run takes ${(runMs / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
