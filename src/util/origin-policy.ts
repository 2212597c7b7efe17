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
