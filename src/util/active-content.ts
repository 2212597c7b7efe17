/**
 * What an answer relayed from a peer must carry so a browser cannot run it on the relay's origin. An
 * HTML, SVG or XML answer from a deployment (or a recording of one), opened from the proxy or the
 * mock, would otherwise be a page of that origin and could read its own endpoints
 * (`/__sora/proxy/report`, `/__sora/requests`). `Content-Security-Policy: sandbox` gives such a
 * document an opaque origin and no script; `nosniff` keeps a browser from reading a passive type as
 * an active one. Deny by default: only types a browser shows as data, never as a document that runs,
 * go without.
 */

/** Media types a browser never runs (images other than SVG, audio, video, JSON, plain text, event streams, bytes). */
const PASSIVE = /^(?:application\/(?:json|[\w.-]+\+json|octet-stream|x-ndjson)|text\/(?:event-stream|plain|csv)|image\/(?:png|jpeg|gif|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)|video\/[\w.+-]+|audio\/[\w.+-]+)$/;

/** The headers to add to a relayed answer of `contentType` (none for a passive type). */
export function activeContentHeaders(contentType: string | undefined): Array<[string, string]> {
  const essence = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return PASSIVE.test(essence) ? [] : [['Content-Security-Policy', 'sandbox'], ['X-Content-Type-Options', 'nosniff']];
}
