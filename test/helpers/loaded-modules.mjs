/**
 * `node --import ./test/helpers/loaded-modules.mjs ...`: every module the process loads (its URL, one
 * per line) is appended to the file named by LOADED_MODULES_LOG, for tests about what a command loads.
 * The load hook runs on the loader's own thread, so it writes the file itself.
 */
import { register } from 'node:module';

if (process.env.LOADED_MODULES_LOG) register('./loaded-modules-hook.mjs', import.meta.url);
