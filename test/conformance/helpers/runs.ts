/**
 * Shared by the fault and variant tests: the run options, the clean 5 s MP4 some faults serve, and
 * the results each test file leaves for the results table (when SORA_HARNESS_RESULTS names a
 * directory, `<file>.json` is written there after the file's tests ran).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, RunOptions, Violation } from '../../../src/conformance/index.js';
import { createTrafficJudge } from '../../../src/conformance/traffic-judge.js';
import { createValidatingProxy } from '../../../src/proxy/index.js';
import { LICENSE } from './mock.js';
import type { ProxyStats } from './proxy.js';

/**
 * The runner's options for every fault and variant run: no fuzzing, timeouts of 15 s (the runs go
 * five at a time on two cores, and a gateway that re-encodes images with ffmpeg is slow), the default
 * concurrency.
 */
export const runOptions = (baseUrl: string): RunOptions => ({ baseUrl, license: LICENSE, fuzz: 0, timeoutMs: 15_000, maxWaitSeconds: 20, concurrency: 4 });

export async function fetchFiveSecondVideo(url: string): Promise<Buffer> {
  const headers = { authorization: LICENSE, 'content-type': 'application/json' };
  const created = (await (await fetch(`${url}/sora/v1/videos`, { method: 'POST', headers, body: JSON.stringify({ model: 'sora_video', prompt: 'five seconds' }) })).json()) as { id: string };
  for (;;) {
    const job = (await (await fetch(`${url}/sora/v1/videos/${created.id}`, { headers })).json()) as { status: string };
    if (job.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return Buffer.from(await (await fetch(`${url}/sora/v1/videos/${created.id}/content`, { headers })).arrayBuffer());
}

export interface FailedCheck {
  id: string;
  severity: string;
  /** The first line of the message. */
  message: string;
}

export interface RunRecord {
  name: string;
  /** Checks the validating proxy's judge reported from the same run's traffic (must and should). */
  passive?: string[];
  /** What the run was expected to show (faults: the catching checks). */
  catches?: string[];
  collateral?: string[];
  proposal?: { severity: string; rule: string; note?: string };
  /** The run ended before reporting (licence rejected, unreachable): its error. */
  error?: string;
  failed: FailedCheck[];
  skipped: FailedCheck[];
  stats: ProxyStats;
  durationMs: number;
  notes?: string[];
}

/** The first line of a message, and the answer line after it when the first line is only the request. */
export function firstLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim());
  const shown = /^(GET|POST|DELETE|HEAD|PUT) /.test(lines[0]) && lines[1] ? `${lines[0]} ${lines[1]}` : lines[0];
  return shown.length > 400 ? `${shown.slice(0, 400)}…` : shown;
}

export function failedChecks(report: Report): FailedCheck[] {
  return report.checks.filter((c) => c.status === 'failed').map((c) => ({ id: c.id, severity: c.severity, message: firstLine(c.message) }));
}

export function skippedChecks(report: Report): FailedCheck[] {
  return report.checks
    .filter((c) => c.status === 'skipped' && !c.id.startsWith('fuzz.'))
    .map((c) => ({ id: c.id, severity: c.severity, message: firstLine(c.message) }));
}

export function saveRecords(file: string, records: RunRecord[]): void {
  const dir = process.env.SORA_HARNESS_RESULTS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${file}.json`), JSON.stringify(records, null, 2));
}

/**
 * The validating proxy with the traffic judge, in front of a deployment: the runner's traffic goes
 * through it, so one run is judged twice, actively by the checks and passively by the judge.
 */
export async function startJudgingProxy(target: string): Promise<{ url: string; violations(): Promise<Violation[]>; close(): Promise<void> }> {
  const proxy = createValidatingProxy({ target, judge: createTrafficJudge({ target }), fetchMedia: true, shutdownGraceMs: 200 });
  const { url } = await proxy.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    async violations() {
      await proxy.settled();
      return proxy.report().violations;
    },
    close: () => proxy.close(),
  };
}
