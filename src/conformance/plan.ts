/**
 * Selection (--only, --skip, --severity) and the plan: which checks run and how many images and videos
 * of which kind they will generate. Shared generations are counted once. Checks are admitted in
 * catalogue order while the total stays within --max-generations; the rest are skipped, said so.
 */
import { sharedGenerations } from './resources.js';
import type { Check } from './check.js';
import { ConformanceUsageError, GROUPS, SEVERITIES, type Generation, type Plan, type ResolvedRunOptions } from './types.js';

export function matches(check: Check, pattern: string): boolean {
  return pattern === check.group || pattern === check.id || check.id.startsWith(`${pattern}.`);
}

/** The checks the options select, in catalogue order. Unknown patterns are usage errors (typos must not select nothing silently). */
export function selectChecks(catalogue: readonly Check[], options: Pick<ResolvedRunOptions, 'only' | 'skip' | 'severity'>): Check[] {
  for (const pattern of [...options.only, ...options.skip]) {
    if (!catalogue.some((c) => matches(c, pattern))) {
      throw new ConformanceUsageError(`'${pattern}' names no check; give a group (${GROUPS.join(', ')}), a check id or an id prefix (see sora-kit check --list).`);
    }
  }
  return catalogue.filter(
    (c) =>
      (options.only.length === 0 || options.only.some((p) => matches(c, p))) &&
      !options.skip.some((p) => matches(c, p)) &&
      SEVERITIES.indexOf(c.severity) <= SEVERITIES.indexOf(options.severity),
  );
}

function total(generations: readonly Generation[]): number {
  return generations.reduce((n, g) => n + g.count, 0);
}

export function computePlan(checks: readonly Check[], options: ResolvedRunOptions): Plan {
  const plan: Plan = { checks: [], skipped: [], generations: [], totals: { images: 0, videos: 0 } };
  const counted = new Set<string>();
  for (const check of checks) {
    if (check.group === 'fuzz' && options.fuzz === 0) {
      plan.skipped.push({ id: check.id, reason: 'fuzzing is off; --fuzz N turns it on' });
      continue;
    }
    const newShared = (check.uses ?? []).filter((key) => !counted.has(key));
    const added = [...newShared.flatMap(sharedGenerations), ...(check.generates?.(options) ?? [])];
    const sofar = total(plan.generations);
    if (sofar + total(added) > options.maxGenerations) {
      plan.skipped.push({ id: check.id, reason: `it would generate ${total(added)} more (total ${sofar + total(added)}) over the limit of ${options.maxGenerations} generations` });
      continue;
    }
    newShared.forEach((key) => counted.add(key));
    plan.generations.push(...added);
    plan.checks.push(check.id);
  }
  for (const g of plan.generations) plan.totals[g.kind === 'image' ? 'images' : 'videos'] += g.count;
  return plan;
}

/** Generations grouped by kind and label: `3 x image sora_image 1:1`. */
export function summarisePlan(plan: Plan): string[] {
  const grouped = new Map<string, number>();
  for (const g of plan.generations) grouped.set(`${g.kind} ${g.label}`, (grouped.get(`${g.kind} ${g.label}`) ?? 0) + g.count);
  return [...grouped].map(([label, count]) => `${count} x ${label}`);
}

export function describePlan(plan: Plan): string {
  const lines = [
    `Plan: ${plan.checks.length} checks; ${plan.totals.images} image(s) and ${plan.totals.videos} video(s) will be generated:`,
    ...summarisePlan(plan).map((l) => `  ${l}`),
  ];
  if (plan.skipped.length) lines.push(`Not run: ${plan.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}`);
  return lines.join('\n');
}
