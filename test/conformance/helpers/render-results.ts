/**
 * Render the saved fault and variant runs (SORA_HARNESS_RESULTS=<dir> of faults.test.ts and
 * variants.test.ts) as a markdown table:
 *   node --import tsx test/conformance/helpers/render-results.ts <dir> <out.md>
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../../../src/conformance/catalogue/index.js';
import { coveredBy } from './faults.js';
import type { RunRecord } from './runs.js';

const [dir = '/tmp/hr', out = 'HARNESS-RESULTS.md'] = process.argv.slice(2);
const load = (name: string): RunRecord[] => (existsSync(join(dir, `${name}.json`)) ? (JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as RunRecord[]) : []);
const faults = load('faults');
const variants = load('variants');
const known = new Map(CATALOGUE.map((c) => [c.id, c.severity]));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

const lines: string[] = [];
const verdict = (r: RunRecord) => {
  if (r.error) return 'run aborted';
  const failed = new Set(r.failed.map((f) => f.id));
  const primary = r.catches![0];
  const caughtAll = r.catches!.every((id) => failed.has(id));
  const unexpected = r.failed.filter((f) => !r.catches!.includes(f.id) && !coveredBy(f.id, r.collateral ?? []));
  if (failed.has(primary) && caughtAll && !unexpected.length) return 'caught';
  if (failed.has(primary)) return unexpected.length ? 'caught, with unexpected failures' : 'caught by the primary, not by all';
  if (r.failed.length) return unexpected.length ? 'missed by the primary; other checks fail' : 'missed by the primary; only collateral fails';
  return 'NOT CAUGHT (false pass)';
};

const caught = faults.filter((r) => verdict(r).startsWith('caught')).length;
lines.push('# Harness results', '');
lines.push(`Faults: ${faults.length} run, ${caught} caught by their primary check, ${faults.filter((r) => verdict(r) === 'NOT CAUGHT (false pass)').length} not caught at all (every check passed).`);
lines.push(`Variants: ${variants.length} run, ${variants.filter((r) => !r.error && r.failed.every((f) => f.severity === 'info')).length} pass, ${variants.filter((r) => r.error || r.failed.some((f) => f.severity !== 'info')).length} falsely failed.`, '');
lines.push('Primary check: **bold** when it exists in today\'s catalogue, _italic_ when it is a proposed id. "Altered" counts the exchanges the deviation changed (requests + responses it rewrote or answered).', '');

lines.push('## Faults', '', '| # | Fault | Primary (and other) catching checks | Verdict | Failed checks | Unexpected failures | Altered | Proxy judge reported |', '| --- | --- | --- | --- | --- | --- | --- | --- |');
faults.forEach((r, i) => {
  const [primary, ...others] = r.catches!;
  const show = (id: string) => (known.has(id) ? `**${id}**` : `_${id}_`);
  const unexpected = r.failed.filter((f) => !r.catches!.includes(f.id) && !coveredBy(f.id, r.collateral ?? []));
  lines.push(
    `| ${i + 1} | ${cell(r.name)} | ${[primary, ...others].map(show).join(', ')} | ${verdict(r)} | ${r.error ? cell(r.error.slice(0, 200)) : r.failed.map((f) => f.id).join(', ') || '-'} | ${unexpected.map((f) => `${f.id}: ${cell(f.message.slice(0, 160))}`).join('<br>') || '-'} | ${r.stats.altered}/${r.stats.requests} | ${(r.passive ?? []).join(', ') || '-'} |`,
  );
});

lines.push('', '### Messages of the primary check where it failed', '');
faults.forEach((r, i) => {
  const f = r.failed.find((x) => x.id === r.catches![0]);
  if (f) lines.push(`${i + 1}. ${r.catches![0]}: ${cell(f.message.slice(0, 300))}`);
});

lines.push('', '## Proposed checks', '', 'For each fault whose primary check id does not exist yet, or exists but does not look at what the fault breaks (it passed):', '', '| Check id | Severity | Exists today | Faults it should catch | Rule | Note |', '| --- | --- | --- | --- | --- | --- |');
const proposals = new Map<string, { severity: string; rule: string; note?: string; faults: number[] }>();
faults.forEach((r, i) => {
  const primary = r.catches![0];
  const missedByPrimary = !r.failed.some((f) => f.id === primary);
  if (!known.has(primary) || (missedByPrimary && !r.error) || r.error) {
    const p = proposals.get(primary) ?? { severity: r.proposal?.severity ?? known.get(primary) ?? '?', rule: r.proposal?.rule ?? '(existing check)', note: r.proposal?.note, faults: [] };
    p.faults.push(i + 1);
    proposals.set(primary, p);
  }
});
for (const [id, p] of proposals) lines.push(`| ${id} | ${p.severity} | ${known.has(id) ? `yes (${known.get(id)})` : 'no'} | ${p.faults.join(', ')} | ${cell(p.rule)} | ${cell(p.note ?? '')} |`);

lines.push('', '## Variants', '', '| # | Variant | Result | Falsely failed checks (first line of the message) | Altered | Allowed by |', '| --- | --- | --- | --- | --- | --- |');
variants.forEach((r, i) => {
  const bad = r.failed.filter((f) => f.severity !== 'info');
  const result = r.error ? 'run aborted' : bad.length ? `FAILS (${bad.length})` : 'passes';
  lines.push(
    `| ${i + 1} | ${cell(r.name)} | ${result} | ${r.error ? cell(r.error.slice(0, 200)) : bad.map((f) => `**${f.id}** [${f.severity}]: ${cell(f.message.slice(0, 220))}`).join('<br>') || '-'} | ${r.stats.altered}/${r.stats.requests} | ${cell(r.notes?.[0] ?? '')}${r.notes && r.notes.length > 1 ? ` (${cell(r.notes.slice(1).join('; '))})` : ''} |`,
  );
});
lines.push('');
writeFileSync(out, lines.join('\n'));
console.log(`wrote ${out}: ${faults.length} faults, ${variants.length} variants`);
