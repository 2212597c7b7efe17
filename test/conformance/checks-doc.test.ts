/** specs/conformance.md lists exactly the catalogue's checks, with their severities and rules. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConformancePage } from '../../scripts/checks-table.js';
import { CATALOGUE } from '../../src/conformance/index.js';

const committed = readFileSync(new URL('../../specs/conformance.md', import.meta.url), 'utf8');

describe('specs/conformance.md', () => {
  it('is current: its check table is the catalogue', () => {
    expect(committed === renderConformancePage(committed), 'specs/conformance.md is stale: run npm run spec:generate').toBe(true);
    for (const check of CATALOGUE) expect(committed).toContain(`| \`${check.id}\` | ${check.severity} |`);
  });

  it('a stale table is detected', () => {
    const stale = committed.replace(`| \`videos.poll\` | must |`, `| \`videos.poll\` | should |`);
    expect(stale).not.toBe(committed);
    expect(stale === renderConformancePage(stale)).toBe(false);
  });
});
