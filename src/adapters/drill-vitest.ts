/**
 * `describeDrill(client, options)`: the drill matrix (src/mock/drill.ts) as vitest tests, one per row,
 * around the user's own async function, with the mock in place through msw (`setupServer`), so a
 * client library is drilled inside its own test suite without a server or a child process.
 *
 *   describeDrill(async ({ baseURL, apiKey, signal }) => {
 *     const client = new OpenAI({ baseURL, apiKey });
 *     await makeVideo(client, { signal });
 *   });
 *
 * A row that expects `recovers` passes when the function resolves; `fails-cleanly` when it rejects
 * before the deadline. At the deadline its `signal` aborts and the row fails as hanging. A failing
 * row's error carries the client report of that run. Under msw, network faults are msw's closest (a
 * body that errors, a paced body; see src/mock/network.ts); `transport: 'server'` puts the Node
 * server on a loopback port instead, with real socket faults. msw intercepts process-wide: rows run
 * one at a time, and no other setupServer may run while they do.
 */
import { setupServer } from 'msw/node';
import { describe, test } from 'vitest';
import { createSoraMock } from '../mock/app.js';
import { findingLine, type ClientFinding } from '../mock/client-report.js';
import { cutText } from '../spec/rules.js';
import { drillVerdict, selectDrill, type DrillExpectation, type DrillScenario } from '../mock/drill.js';
import type { SoraMock, SoraMockOptions } from '../mock/types.js';
import { createSoraHandlers, releaseResponseClone } from './msw.js';
import { createSoraServer } from './node.js';

export { DRILL_SCENARIOS, DRILL_NAMES, type DrillExpectation, type DrillScenario } from '../mock/drill.js';
export type * from './mock-types.js';

export interface DrillContext {
  /** The API root to give the client (`https://sora-drill.test/sora/v1`), answered by the mock through msw. */
  baseURL: string;
  /** A licence the mock accepts. */
  apiKey: string;
  /** Aborts at the row's deadline: a client that hangs should stop when it does. */
  signal: AbortSignal;
  /** The row's fresh mock (its journal, jobs, faults). */
  mock: SoraMock;
  scenario: DrillScenario;
}

export interface DescribeDrillOptions {
  /** Name of the describe block (default `sora-kit drill`). */
  name?: string;
  /** Only these rows (default all). */
  scenarios?: string[];
  /** Override rows' expectations. */
  expect?: Record<string, DrillExpectation>;
  /** Options of each row's mock (default `{ instant: true }`); the row's faults are added to its `faults`. */
  mock?: SoraMockOptions;
  /** How long the function may take per row before it counts as hanging; default 60 000 ms. */
  deadlineMs?: number;
  /** The origin msw answers on; default https://sora-drill.test. */
  origin?: string;
  /**
   * How the mock is put in front of the client: `msw` (default; no port, network faults as a Fetch
   * Response can give them) or `server`, the Node server on a free loopback port (real socket faults).
   * Under msw, the clone msw keeps of each answer is released (`releaseResponseClone`), so a client
   * that cancels a 429's or a 5xx's body before it retries (the `openai` SDK) does not hang on
   * mswjs/interceptors#799.
   */
  transport?: 'msw' | 'server';
}

export const DEFAULT_DRILL_ORIGIN = 'https://sora-drill.test';
export const DEFAULT_DRILL_DEADLINE_MS = 60_000;

/** The mock in front of the client: msw's interception, or the Node server on a loopback port. */
async function openTransport(mock: SoraMock, transport: 'msw' | 'server', origin: string): Promise<{ origin: string; close: () => Promise<void> }> {
  if (transport === 'server') {
    const server = createSoraServer(mock, { shutdownGraceMs: 200 });
    const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
    return { origin: url, close: () => server.close() };
  }
  const server = setupServer(...createSoraHandlers(mock, { baseUrl: origin }));
  // Clients that retry (the openai SDK cancels a 429's or a 5xx's body first) need the clone msw keeps released.
  server.events.on('response:mocked', releaseResponseClone);
  server.listen({ onUnhandledRequest: 'bypass' });
  return { origin, close: async () => server.close() };
}

/** What one row of the drill came to: the verdict, why, and the client report's findings of that run. */
export interface DrillRowResult {
  name: string;
  expect: DrillExpectation;
  verdict: 'passed' | 'failed';
  why: string;
  findings: ClientFinding[];
  mock: SoraMock;
}

/** Run `client` through one row on a fresh mock behind msw (what each test of describeDrill does). */
export async function runDrillRow(
  client: (context: DrillContext) => Promise<unknown>,
  row: DrillScenario,
  options: Pick<DescribeDrillOptions, 'mock' | 'deadlineMs' | 'origin' | 'transport'> = {},
): Promise<DrillRowResult> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DRILL_DEADLINE_MS;
  const origin = options.origin ?? DEFAULT_DRILL_ORIGIN;
  const mockOptions = options.mock ?? { instant: true };
  const mock = createSoraMock({ ...mockOptions, faults: [...(mockOptions.faults ?? []), ...row.faults] });
  const transport = await openTransport(mock, options.transport ?? 'msw', origin);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`drill deadline of ${deadlineMs} ms`));
      resolve('deadline');
    }, deadlineMs);
  });
  let outcome: { timedOut: boolean; exit: number | null; error?: string };
  try {
    const context = { baseURL: `${transport.origin}${mock.options.basePath}`, apiKey: mock.options.licenses[0].key, signal: controller.signal, mock, scenario: row };
    const run = Promise.resolve()
      .then(() => client(context))
      .then(
        () => ({ timedOut: false, exit: 0 }),
        (error: unknown) => ({ timedOut: false, exit: 1, error: cutText(error instanceof Error ? error.message : String(error), 300) }),
      );
    const first = await Promise.race([run, deadline]);
    outcome = first === 'deadline' ? { timedOut: true, exit: null } : first;
  } finally {
    clearTimeout(timer);
    await transport.close();
  }
  return { name: row.name, expect: row.expect, ...drillVerdict(row.expect, outcome, deadlineMs), findings: mock.clientReport().findings, mock };
}

/** A failed row as a test failure's message: why, then the client report of the run. */
export function drillFailureMessage(result: DrillRowResult): string {
  const report = result.findings.length === 0 ? 'client report: no findings' : `client report:\n${result.findings.map((f) => `  ${findingLine(f)}`).join('\n')}`;
  return `${result.name}: ${result.why}\n${report}`;
}

export function describeDrill(client: (context: DrillContext) => Promise<unknown>, options: DescribeDrillOptions = {}): void {
  const rows = selectDrill(options.scenarios, options.expect);
  describe(options.name ?? 'sora-kit drill', () => {
    for (const row of rows) {
      test(
        `${row.name} (${row.expect}): ${row.effect}`,
        async () => {
          const result = await runDrillRow(client, row, options);
          if (result.verdict === 'failed') throw new Error(drillFailureMessage(result));
        },
        (options.deadlineMs ?? DEFAULT_DRILL_DEADLINE_MS) + 10_000,
      );
    }
  });
}
