/**
 * Recordings from disk: a HAR file, or a folder of them (`*.har`, in name order), parsed and checked,
 * for `sora-kit serve --replay` and for tests that hand them to `createSoraHandlers({ replay })`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseHar, type Har } from '../replay/index.js';

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
}

/** Every recording at `path`, each named by its file name (errors and replay messages use it). */
export function readRecordings(path: string): Array<{ name: string; har: Har }> {
  let files: string[];
  try {
    files = statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.toLowerCase().endsWith('.har'))
          .sort()
          .map((f) => join(path, f))
      : [path];
  } catch (error) {
    throw new RecordingError(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (error as Error).message}`);
  }
  if (files.length === 0) throw new RecordingError(`${path}: the folder holds no .har files`);
  return files.map((file) => {
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new RecordingError(`${file}: not readable JSON (${(error as Error).message})`);
    }
    try {
      return { name: basename(file), har: parseHar(data, basename(file)) };
    } catch (error) {
      throw new RecordingError((error as Error).message);
    }
  });
}
