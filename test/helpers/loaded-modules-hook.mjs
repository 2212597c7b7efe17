/** The load hook of loaded-modules.mjs: log the URL, then load as usual. */
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  appendFileSync(process.env.LOADED_MODULES_LOG, `${url}\n`);
  return nextLoad(url, context);
}
