/**
 * describeDrill in vitest: the careful example client (examples/drill/careful.mjs, as a module) passes
 * every row with the mock in place through msw; and one row run directly shows what a failing row
 * reports: the naive client's failure says why, with the client report of its run.
 */
import { describe, expect, it } from 'vitest';
import { DRILL_SCENARIOS, describeDrill, drillFailureMessage, runDrillRow, type DrillContext } from '../../src/adapters/drill-vitest.js';

type Client = (context: DrillContext & { deadlineMs?: number }) => Promise<unknown>;
// The examples are plain .mjs scripts; imported through a path the type checker does not follow.
const load = async (name: string): Promise<Client> => ((await import(new URL(`../../examples/drill/${name}.mjs`, import.meta.url).href)) as { makeVideo: Client }).makeVideo;

const careful = async (context: DrillContext) => (await load('careful'))({ ...context, deadlineMs: 6000 });
// Rows at once: each has a mock and a server of its own, and mostly waits (retries, deadlines). The
// suites below start after these end, so msw never intercepts while they run.
describe.concurrent('rows at once', () => {
  describeDrill(careful, { name: 'describeDrill: the careful client on the Node server', deadlineMs: 20_000, transport: 'server' });
});
// Through msw every row too: the SDK's retries of a 429 and a 5xx go through (describeDrill releases msw's clone, mswjs/interceptors#799).
describeDrill(careful, { name: 'describeDrill: the careful client through msw', deadlineMs: 20_000 });

// One at a time: msw intercepts process-wide.
describe('a failing row', () => {
  const row = (name: string) => DRILL_SCENARIOS.find((s) => s.name === name)!;

  it('the naive client polling a failed job forever hangs; the failure carries the client report', { timeout: 20_000 }, async () => {
    const result = await runDrillRow(await load('naive'), row('job-fails'), { deadlineMs: 1500 });
    expect(result.verdict).toBe('failed');
    const message = drillFailureMessage(result);
    expect(message).toMatch(/^job-fails: still running after the 1\.5 s deadline/);
    expect(message).toMatch(/client report:\n/);
    expect(message).toMatch(/\n {2}polls-after-finished ×\d+/);
  });

  it('the naive client gives up on a cut download: a recovers row fails, naming the error', { timeout: 20_000 }, async () => {
    const result = await runDrillRow(await load('naive'), row('download-reset'), { deadlineMs: 10_000 });
    expect(result).toMatchObject({ verdict: 'failed', why: expect.stringMatching(/^expected to recover, but failed/) });
    expect(result.mock.requests().some((e) => e.network?.kind === 'reset')).toBe(true);
  });

  it('a row expected to fail cleanly fails when the client claims success', async () => {
    const result = await runDrillRow(async () => undefined, row('moderation'), { deadlineMs: 1000 });
    expect(result).toMatchObject({ verdict: 'failed', why: 'expected to fail cleanly, but reported success' });
  });
});
