/**
 * The inspector's favicon, so a browser's automatic `GET /favicon.ico` is answered instead of showing
 * up in the requests as a 404. Drawn here (a play sign on the page's accent blue) and encoded once with
 * the project's own PNG writer: 32x32, the same bytes every time.
 */
import { encodePng } from '../../media/png.js';

export const FAVICON_PATH = '/favicon.ico';

const SIZE = 32;
/** The page's --accent (#3b5bdb) and white. */
const ACCENT = [0x3b, 0x5b, 0xdb];
const WHITE = [0xff, 0xff, 0xff];

/** Inside the triangle pointing right with its corners at (11, 8), (11, 24) and (24, 16). */
function inPlaySign(x: number, y: number): boolean {
  return x >= 11 && x <= 24 && Math.abs(y + 0.5 - 16) <= ((24 - x) * 8) / 13;
}

let png: Uint8Array | undefined;

export function faviconPng(): Uint8Array {
  if (png) return png;
  const data = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) data.set(inPlaySign(x, y) ? WHITE : ACCENT, (y * SIZE + x) * 3);
  }
  png = encodePng({ width: SIZE, height: SIZE, data });
  return png;
}
