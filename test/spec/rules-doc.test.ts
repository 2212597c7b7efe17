/** specs/rules.md: its generated sections (scripts/rules-tables.ts) must be the ones the model table renders. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRulesPage } from '../../scripts/rules-tables.js';
import { REPO_ROOT } from './schemas/official.js';

describe('specs/rules.md', () => {
  const path = resolve(REPO_ROOT, 'specs/rules.md');

  it('its generated sections are the ones the model table renders', () => {
    const committed = readFileSync(path, 'utf8');
    expect(committed === renderRulesPage(committed), 'specs/rules.md is stale: run npm run spec:generate').toBe(true);
  });

  it('regenerating replaces a stale section and insists on its markers', () => {
    const committed = readFileSync(path, 'utf8');
    const stale = committed.replace('| `sora_video2-hd` |', '| `sora_video2-uhd` |');
    expect(stale).not.toBe(committed);
    expect(renderRulesPage(stale)).toBe(committed);
    expect(() => renderRulesPage(committed.replace('<!-- /generated:model-table -->', ''))).toThrow(/model-table/);
  });
});
