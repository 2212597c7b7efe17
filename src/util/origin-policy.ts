/**
 * Whether a request comes from a web page of another origin: the test behind every local tool's own
 * surface (the mock's `/__sora/*`, the proxy's `/__sora/proxy/*`). A browser sends `Origin` on every
 * cross-origin request but a no-cors GET, and Fetch Metadata (`Sec-Fetch-Site`) on that GET too.
 * No `Origin` at all is a script, curl, or a browser's same-origin GET. Transport-free.
 */
export type CrossOriginSender = { header: 'sec-fetch-site' | 'origin'; value: string };

/**
 * The header that shows the request came from another origin, or undefined when it did not:
 * `Sec-Fetch-Site` other than `same-origin`/`none` (a request the user made), or an `Origin` that is
 * neither `ownOrigin` (the origin the server was reached at) nor `publicOrigin`.
 */
export function crossOriginSender(headers: Headers, ownOrigin: string, publicOrigin?: string): CrossOriginSender | undefined {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') return { header: 'sec-fetch-site', value: site };
  const origin = headers.get('origin');
  if (origin === null || origin === ownOrigin) return undefined;
  if (publicOrigin !== undefined && origin === publicOrigin) return undefined;
  return { header: 'origin', value: origin };
}

/**
 * Types a browser shows without running anything in them: images other than SVG, audio, video, JSON,
 * plain text, event streams. Everything else (HTML, SVG, XML, scripts, PDF, an unknown or missing
 * type) is active content.
 */
export const PASSIVE_TYPE = /^\s*(image\/(?!svg)[\w.+-]+|audio\/[\w.+-]+|video\/[\w.+-]+|application\/(json|[\w.+-]+\+json|x-ndjson)|text\/(plain|event-stream|csv))\s*(;|$)/i;

/**
 * Headers for an answer that came from a peer (a recording, an upstream) and is served on a local
 * tool's origin: no type sniffing, and active content in a sandbox (an opaque origin), so a script
 * it holds cannot read or drive the tool's own surface.
 */
export function foreignContentHeaders(contentType: string): Record<string, string> {
  return PASSIVE_TYPE.test(contentType) ? { 'x-content-type-options': 'nosniff' } : { 'x-content-type-options': 'nosniff', 'content-security-policy': 'sandbox' };
}
