/**
 * `npm run spec:generate` (with generate-openapi.ts): rewrite the generated sections of
 * specs/rules.md (the option table, the model count and the model table) from the model table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRulesPage } from './rules-tables.js';

const target = fileURLToPath(new URL('../specs/rules.md', import.meta.url));
writeFileSync(target, renderRulesPage(readFileSync(target, 'utf8')));
process.stdout.write(`wrote ${target}\n`);
