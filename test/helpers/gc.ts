/**
 * A full garbage collection from inside a test, without starting vitest's workers with --expose-gc:
 * the flag set at run time exposes `gc` to a new context, whose `gc` collects the whole isolate.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
