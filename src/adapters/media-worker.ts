/**
 * The task of a media worker thread (media-pool.ts): generate one variant of a recipe, exactly as
 * generateMedia does in the calling thread, and hand the bytes back without copying them on the way.
 */
import { move } from 'piscina';
import { generateMedia, type MediaVariant, type Recipe } from '../media/index.js';

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
