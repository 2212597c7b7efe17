/**
 * A check of the catalogue: what it is (id, severity, the rule it cites) and its `run`, which chooses
 * the requests it needs. Apart from types.ts so that the run's vocabulary (results, reports, options)
 * does not depend on the client and the resources, and no import cycle runs through it.
 */
import type { ConformanceClient } from './client.js';
import type { Resources } from './resources.js';
import type { Generation, Group, ResolvedRunOptions, Severity, SharedKey } from './types.js';

export interface CheckContext {
  client: ConformanceClient;
  resources: Resources;
  options: ResolvedRunOptions;
  /** Mark the check skipped (e.g. nothing observable) instead of passed or failed. */
  skip(reason: string): never;
}

export interface Check {
  id: string;
  group: Group;
  severity: Severity;
  /** One line: what the check verifies. */
  purpose: string;
  /** The rule enforced: `seed: 平台参数 size`, `specs/mock.md#errors`, `OpenAI: ...`. */
  rule: string;
  /** Shared generations this check awaits (keys of the resource table). */
  uses?: readonly SharedKey[];
  /** Generations of the check's own, not shared with others. */
  generates?: (options: ResolvedRunOptions) => Generation[];
  /** Run after every other selected check (scans the exchanges the whole run recorded). */
  final?: boolean;
  run(ctx: CheckContext): Promise<void>;
}
