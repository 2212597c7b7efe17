/**
 * The task of a media worker thread (media-pool.ts): generate one variant of a recipe, exactly as
 * generateMedia does in the calling thread, and hand the bytes back without copying them on the way.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { move } from 'piscina';
import { generateMedia, type MediaVariant, type Recipe } from '../media/index.js';

/** How much lower than the request loop a media thread runs (a nice increment). */
export const MEDIA_THREAD_NICENESS = 10;

/**
 * When the cores are busy, the server's own thread (health checks, polls, every other request) should
 * win them over an encode: on Linux a thread has its own id (/proc/thread-self names it) and its own
 * nice value, so this thread alone is lowered. Elsewhere, or when not allowed, it stays as it is.
 */
function lowerThisThread(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0 && tid !== process.pid) setPriority(tid, Math.min(19, getPriority(tid) + MEDIA_THREAD_NICENESS));
  } catch {
    // not Linux, or not permitted: the thread keeps the process's priority
  }
}
lowerThisThread();

export interface MediaTask {
  recipe: Recipe;
  variant: MediaVariant;
}

export default async function render({ recipe, variant }: MediaTask): Promise<unknown> {
  const bytes = await generateMedia(recipe, variant);
  // Transferred, not cloned. A copy of its own first: an encoder may hand out a view of a buffer it
  // reuses for the next file, which a transfer would take from it.
  return move(bytes.slice());
}
