// The CLI the package's "bin" names must be executable: npm marks bins when it links them, but a
// clone's own bin (`npx sora-kit` inside the clone, `npx --prefix <clone> sora-kit`) is the file tsc
// just wrote, with the default mode. Run after every build.
import { chmodSync, readFileSync } from 'node:fs';

const { bin } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
for (const file of Object.values(bin)) chmodSync(new URL(`../${file}`, import.meta.url), 0o755);
