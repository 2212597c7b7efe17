/** `npm run spec:generate` (with the others): rewrite the check table of specs/conformance.md from the catalogue. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConformancePage } from './checks-table.js';

const target = fileURLToPath(new URL('../specs/conformance.md', import.meta.url));
writeFileSync(target, renderConformancePage(readFileSync(target, 'utf8')));
process.stdout.write(`wrote ${target}\n`);
