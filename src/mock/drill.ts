/**
 * The drill's matrix: each row is what the platform does to a client (as run-time faults on a fresh
 * mock) and what a good client does about it: `recovers` (it finishes its work and exits 0) or
 * `fails-cleanly` (it gives up with an error, within the deadline, instead of hanging or claiming
 * success). `sora-kit drill` (src/cli/drill.ts) and `describeDrill` (src/adapters/drill-vitest.ts)
 * both run this table; the rows are faults of the one fault table (faults.ts), so a new fault kind
 * is a new row here and nothing else.
 */
import { OPERATIONS, type OperationId } from '../spec/operations.js';
import { FILES_SEGMENT } from './context.js';
import type { FaultInput } from './faults.js';
import type { ScenarioName } from './types.js';

export type DrillExpectation = 'recovers' | 'fails-cleanly';
export const DRILL_EXPECTATIONS: readonly DrillExpectation[] = ['recovers', 'fails-cleanly'];

export interface DrillScenario {
  name: string;
  expect: DrillExpectation;
  /** What the row does, in words (the matrix and `--help` show it). */
  effect: string;
  /** The faults the row's fresh mock starts with. */
  faults: FaultInput[];
}

/** Every route of the platform's operations, as fault routes (`POST /videos`, `GET /videos/:video_id`). */
const EVERY_ROUTE = (Object.keys(OPERATIONS) as OperationId[]).map((id) => `${OPERATIONS[id].method} ${OPERATIONS[id].path}`);
/** Where media bytes are downloaded: a job's content, and the signed files links of images and videos. */
const MEDIA_ROUTES = [`GET ${OPERATIONS.retrieveVideoContent.path}`, `GET /${FILES_SEGMENT}/:name`];

const oncePerRoute = (scenario: ScenarioName): FaultInput[] => EVERY_ROUTE.map((route) => ({ scenario, route, times: 1 }));

export const DRILL_SCENARIOS: readonly DrillScenario[] = [
  { name: 'baseline', expect: 'recovers', effect: 'no fault', faults: [] },
  { name: 'rate-limited', expect: 'recovers', effect: 'the first request of each route gets 429 with Retry-After', faults: oncePerRoute('rate_limited') },
  { name: 'server-error', expect: 'recovers', effect: 'the first request of each route gets 500', faults: oncePerRoute('server_error') },
  { name: 'slow', expect: 'recovers', effect: 'generations are slow (scenario slow)', faults: [{ scenario: 'slow' }] },
  { name: 'job-fails', expect: 'fails-cleanly', effect: 'video jobs fail midway; streams end with an error', faults: [{ scenario: 'fail_midway' }] },
  { name: 'stall', expect: 'fails-cleanly', effect: 'jobs and streams never end', faults: [{ scenario: 'stall' }] },
  {
    name: 'download-reset',
    expect: 'recovers',
    effect: 'the first media download of each media route is cut at 60 %',
    faults: MEDIA_ROUTES.map((route) => ({ network: 'reset', route, times: 1 })),
  },
  { name: 'slow-download', expect: 'recovers', effect: 'media downloads are bandwidth-limited', faults: MEDIA_ROUTES.map((route) => ({ network: 'bandwidth', route })) },
  { name: 'moderation', expect: 'fails-cleanly', effect: 'every prompt is refused by moderation', faults: [{ scenario: 'moderation_blocked' }] },
];

export const DRILL_NAMES = DRILL_SCENARIOS.map((s) => s.name);

/** What `--scenarios` and `--expect name=...` choose: the rows, in the table's order, with their expectations. */
export function selectDrill(names: readonly string[] | undefined, expectations: Readonly<Record<string, DrillExpectation>> = {}): DrillScenario[] {
  for (const name of [...(names ?? []), ...Object.keys(expectations)]) {
    if (!DRILL_NAMES.includes(name)) throw new TypeError(`Unknown drill scenario '${name.slice(0, 60)}'; accepted: ${DRILL_NAMES.join(', ')}.`);
  }
  return DRILL_SCENARIOS.filter((s) => !names || names.length === 0 || names.includes(s.name)).map((s) => ({
    ...s,
    expect: expectations[s.name] ?? s.expect,
  }));
}

/** A row's verdict from how the client ended: its exit code (or a rejection), or still running at the deadline. */
export function drillVerdict(
  expect: DrillExpectation,
  outcome: { timedOut: boolean; exit: number | null; error?: string },
  deadlineMs: number,
): { verdict: 'passed' | 'failed'; why: string } {
  const seconds = `${Math.round(deadlineMs / 100) / 10} s`;
  if (outcome.timedOut) return { verdict: 'failed', why: `still running after the ${seconds} deadline: it hangs (stopped)` };
  const ended = outcome.exit === 0 ? 'succeeded' : `failed (${outcome.error ?? `exit ${outcome.exit}`})`;
  if (expect === 'recovers') {
    return outcome.exit === 0 ? { verdict: 'passed', why: 'recovered: succeeded' } : { verdict: 'failed', why: `expected to recover, but ${ended}` };
  }
  return outcome.exit !== 0
    ? { verdict: 'passed', why: `failed cleanly within ${seconds}: ${ended}` }
    : { verdict: 'failed', why: 'expected to fail cleanly, but reported success' };
}
