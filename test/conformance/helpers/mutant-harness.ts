/**
 * The mutant harness: every mutant of mutants.ts runs as the shared clean mock -> its altering proxy
 * -> `runConformance`, several at a time. Each run selects only the checks that exercise the mutated
 * operations (learnt from a clean run: which checks, directly or through a shared generation, sent a
 * request to which operation), plus the checks that judge the whole run, which keeps runs cheap
 * without weakening a verdict: a check that never touches an operation cannot see its mutant.
 */
import pLimit from 'p-limit';
import { CATALOGUE, ConformanceSession, runConformance, type Report } from '../../../src/conformance/index.js';
import { contractItems, itemKey, type ContractItem } from '../../../src/conformance/contract-items.js';
import { judgedOf } from '../../../src/conformance/coverage.js';
import type { OperationId } from '../../../src/spec/operations.js';
import { generateMutants, operationOfRequest, type Mutant } from './mutants.js';
import { startProxy } from './proxy.js';
import { failedChecks, runOptions, type FailedCheck } from './runs.js';

export interface MutantResult {
  mutant: Mutant;
  /** Broken: the run failed (a must or should check failed). Legitimate: the run passed. */
  ok: boolean;
  /** Broken and killed: one of the checks the coverage matrix names for the item failed. */
  named: boolean;
  failed: FailedCheck[];
  /** Exchanges the mutant changed (0: the run never exercised what it breaks). */
  altered: number;
  error?: string;
}

/**
 * The runner's options for every harness run: those of the fault harness, with a longer timeout. The
 * altering proxy buffers whole answers (a video chat stream included) and six runs share two cores:
 * silence there is load, not a mutant (no mutant hangs).
 */
const harnessOptions = (baseUrl: string) => ({ ...runOptions(baseUrl), timeoutMs: 20_000 });

/** Which checks exercise each operation, from the exchanges of a clean run (the baseline). */
export async function checksByOperation(mockUrl: string): Promise<{ report: Report; byOperation: Map<OperationId, Set<string>> }> {
  const session = new ConformanceSession(harnessOptions(mockUrl));
  const started = new Date();
  await session.probe();
  const report = session.report(await session.runAll(), started, 0);
  const byOperation = new Map<OperationId, Set<string>>();
  const usersOf = (key: string) => CATALOGUE.filter((c) => c.uses?.includes(key)).map((c) => c.id);
  for (const exchange of session.client.exchanges) {
    const url = new URL(exchange.request.url);
    const op = operationOfRequest({ method: exchange.request.method, path: `${url.pathname}${url.search}`, headers: {}, body: Buffer.alloc(0) });
    if (!op) continue;
    const set = byOperation.get(op) ?? new Set<string>();
    const check = exchange.checkId;
    for (const id of check.startsWith('shared:') ? usersOf(check.slice('shared:'.length)) : [check]) set.add(id);
    byOperation.set(op, set);
  }
  return { report, byOperation };
}

export interface HarnessOptions {
  mockUrl: string;
  concurrency?: number;
  /** Only these mutants (by a name filter), for development. */
  filter?: (m: Mutant) => boolean;
  onResult?: (result: MutantResult, done: number, total: number) => void;
}

export async function runMutantHarness(options: HarnessOptions): Promise<{ baseline: Report; results: MutantResult[] }> {
  const { report: baseline, byOperation } = await checksByOperation(options.mockUrl);
  const finals = CATALOGUE.filter((c) => c.final).map((c) => c.id);
  const mutants = generateMutants().filter(options.filter ?? (() => true));
  const limit = pLimit(options.concurrency ?? 6);
  let done = 0;
  const results = await Promise.all(
    mutants.map((mutant) =>
      limit(async () => {
        const only = [...new Set([...mutant.operations.flatMap((op) => [...(byOperation.get(op) ?? [])]), ...mutant.expects, ...finals])].filter((id) => CATALOGUE.some((c) => c.id === id));
        const result = await runOne(mutant, options.mockUrl, only);
        options.onResult?.(result, ++done, mutants.length);
        return result;
      }),
    ),
  );
  return { baseline, results };
}

async function runOne(mutant: Mutant, mockUrl: string, only: string[]): Promise<MutantResult> {
  const proxy = await startProxy(mockUrl, mutant.deviation());
  try {
    const report = await runConformance({ ...harnessOptions(proxy.url), only });
    const failed = failedChecks(report);
    const failing = failed.filter((c) => c.severity !== 'info');
    const ok = mutant.broken ? failing.length > 0 : failing.length === 0;
    return { mutant, ok, named: mutant.broken && failing.some((c) => mutant.expects.includes(c.id)), failed, altered: proxy.stats.altered };
  } catch (error) {
    // A run that cannot even start (the licence refused at the pre-flight) fails; for a broken mutant that is a kill.
    return { mutant, ok: mutant.broken, named: false, failed: [], altered: proxy.stats.altered, error: `${(error as Error).name}: ${(error as Error).message}` };
  } finally {
    await proxy.close();
  }
}

/** Judged items no mutant proves: none of the item's mutants was killed by a must or should failure of one of its checks. */
export function unprovenItems(results: readonly MutantResult[], items: readonly ContractItem[] = contractItems()): string[] {
  return items.flatMap((item) => {
    const judged = judgedOf(item);
    if (!judged || !('checks' in judged)) return [];
    const key = itemKey(item);
    const proven = results.some((r) => r.mutant.broken && r.mutant.item === key && r.failed.some((c) => c.severity !== 'info' && judged.checks.includes(c.id)));
    return proven ? [] : [key];
  });
}

/** The score line and one line per survivor (and per legitimate mutant that failed). */
export function scoreLines(results: readonly MutantResult[]): { score: string; killed: number; total: number; legitimatePassed: number; legitimate: number; lines: string[] } {
  const equivalent = (r: MutantResult) => r.mutant.alters === 'answer' && r.altered === 0;
  const broken = results.filter((r) => r.mutant.broken && !equivalent(r));
  const legit = results.filter((r) => !r.mutant.broken);
  const killed = broken.filter((r) => r.ok).length;
  const passed = legit.filter((r) => r.ok).length;
  const lines = [
    ...broken
      .filter((r) => !r.ok)
      .map((r) => `SURVIVED ${r.mutant.name}${r.altered === 0 ? ' (the run never sent it)' : ''} [expected: ${r.mutant.expects.join(', ') || 'no check'}]`),
    ...legit.filter((r) => !r.ok).map((r) => `LEGITIMATE FAILED ${r.mutant.name}: ${r.error ?? r.failed.filter((c) => c.severity !== 'info').map((c) => `${c.id} [${c.severity}] ${c.message}`).join(' | ')}`),
    ...results.filter((r) => r.mutant.broken && equivalent(r)).map((r) => `NOT APPLICABLE ${r.mutant.name}: no answer of the run is one it changes`),
    ...broken.filter((r) => r.ok && !r.named).map((r) => `KILLED BY ANOTHER CHECK ${r.mutant.name}: ${r.failed.map((c) => c.id).join(', ')} [expected: ${r.mutant.expects.join(', ')}]`),
  ];
  return { score: `killed ${killed}/${broken.length}, legitimate passed ${passed}/${legit.length}`, killed, total: broken.length, legitimatePassed: passed, legitimate: legit.length, lines };
}

