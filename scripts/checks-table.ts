/**
 * The generated section of specs/conformance.md: one row per check of the catalogue (id, severity,
 * what it verifies, the rule it cites), so the page lists exactly what `sora-kit check --list` runs.
 * `npm run spec:generate` rewrites it between `<!-- generated:checks -->` markers; a test fails while
 * the committed page differs.
 */
import { CATALOGUE } from '../src/conformance/catalogue/index.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderChecksTable(): string {
  const rows = CATALOGUE.map((c) => `| \`${c.id}\` | ${c.severity} | ${cell(c.purpose)} | ${cell(c.rule)} |`);
  return ['| Check | Severity | Verifies | Rule |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderConformancePage(page: string): string {
  const start = '<!-- generated:checks -->';
  const end = '<!-- /generated:checks -->';
  const a = page.indexOf(start);
  const b = page.indexOf(end);
  if (a < 0 || b < a) throw new Error(`specs/conformance.md needs the markers ${start} and ${end}`);
  return `${page.slice(0, a + start.length)}\n${renderChecksTable()}\n${page.slice(b)}`;
}
