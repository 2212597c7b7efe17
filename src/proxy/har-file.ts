/**
 * One HAR file per proxy session, written as the exchanges end: the file is a whole HAR 1.2 document
 * after every entry (each entry overwrites the closing `]}}` and writes it again after itself), so a
 * session killed at any moment leaves every entry recorded so far readable. Writes are synchronous:
 * an entry handed over is on disk before the next event, a SIGINT handler included.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { HarEntry } from '../replay/index.js';

export interface HarFile {
  readonly path: string;
  readonly entries: number;
  append(entry: HarEntry): void;
  close(): void;
}

const CLOSING = ']}}\n';

/** Create `dir` if needed and start `sora-kit-<time>-<pid>.har` in it. */
export function createHarFile(dir: string, meta: { target: string; version: string }): HarFile {
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `sora-kit-${stamp}-${process.pid}.har`);
  const fd = openSync(path, 'wx');
  const head = `{"log":${JSON.stringify({ version: '1.2', creator: { name: 'sora-kit proxy', version: meta.version }, _sora: { target: meta.target } }).slice(0, -1)},"entries":[\n`;
  let position = writeSync(fd, head, 0);
  writeSync(fd, CLOSING, position);
  let count = 0;
  let open = true;
  return {
    path,
    get entries() {
      return count;
    },
    append(entry) {
      if (!open) throw new Error(`the recording ${path} is closed`);
      const text = `${count === 0 ? '' : ',\n'}${JSON.stringify(entry)}`;
      const written = writeSync(fd, text + CLOSING, position);
      position += written - Buffer.byteLength(CLOSING);
      count++;
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}
