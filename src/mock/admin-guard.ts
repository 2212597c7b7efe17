/**
 * Who may use the mock's own surface (`/__sora/*` and the inspector): the person at this machine and
 * their scripts, never a web page they happen to have open. Such a page can send requests to
 * 127.0.0.1 (it cannot read the answers unless CORS allows it, but a `no-cors` POST still acts), and
 * through DNS rebinding it can even make them look same-origin.
 *
 * What is decided where, and why:
 *
 * - Here, in the transport-free mock, is everything a request alone tells: its `Origin` (a browser
 *   sends one on every cross-origin request but a no-cors GET, and on every POST) and its Fetch
 *   Metadata (`Sec-Fetch-Site`, which that GET does carry), its `Content-Type` (a page may send
 *   `text/plain` without asking, never `application/json`), and the admin token (an option of the
 *   mock, `adminToken`). So msw, the Express middleware and the Node server all get them, and CORS
 *   headers are never added under `/__sora/` by the mock that adds them elsewhere.
 * - The Host allow-list is a listening server's (`hostAllowed` in AnswerOptions, util/host-guard.ts):
 *   its default is the address the server bound, which only a listening server knows. msw listens
 *   nowhere (nothing to rebind to), and an app that mounts the middleware owns its own server and its
 *   host names.
 */
import { crossOriginSender } from '../util/origin-policy.js';
import type { RequestContext } from './context.js';
import type { Step } from './flow.js';
import { HttpError } from './http.js';

export const ADMIN_PREFIX = '/__sora';
export const ADMIN_TOKEN_HEADER = 'x-sora-admin-token';

/** `/__sora` and everything under it: the admin endpoints, health, and the inspector's data. */
export function isAdminPath(pathname: string): boolean {
  return pathname === ADMIN_PREFIX || pathname.startsWith(`${ADMIN_PREFIX}/`);
}

function refused(status: number, message: string, code: string, headers: Record<string, string> = {}): HttpError {
  return new HttpError(status, message, { type: 'invalid_request_error', param: null, code }, headers);
}

/**
 * 403 `host_not_allowed` when a server that listens says the request's Host is not one of its names
 * (`hostAllowed`, AnswerOptions; util/host-guard.ts): what defeats DNS rebinding.
 */
export function refuseForeignHost(request: Request, hostAllowed: ((host: string | undefined) => boolean) | undefined): HttpError | undefined {
  if (!hostAllowed) return undefined;
  const host = request.headers.get('host') ?? undefined;
  if (hostAllowed(host)) return undefined;
  return refused(
    403,
    `Host '${String(host ?? '').slice(0, 80)}' is not a name of this server; /__sora/* and the inspector answer only under its own names (add more with --allowed-hosts).`,
    'host_not_allowed',
    { 'cache-control': 'no-store' },
  );
}

/**
 * 403 `cross_origin_refused` when the request carries an `Origin` that is not this server's own: the
 * origin it was reached at (`url`, built from the Host header), or `publicUrl` behind a proxy.
 * No `Origin` at all is a script, curl, or a browser's same-origin GET.
 */
export function refuseCrossOrigin(request: Request, url: URL, publicUrl?: string): HttpError | undefined {
  const sender = crossOriginSender(request.headers, url.origin, publicUrl === undefined ? undefined : new URL(publicUrl).origin);
  if (sender === undefined) return undefined;
  // Browsers send no Origin on a no-cors GET (an <img>, fetch(url, { mode: 'no-cors' })), but they do
  // send Fetch Metadata: anything but a same-origin request or one the user made (typed, bookmarked) is refused.
  if (sender.header === 'sec-fetch-site') {
    return refused(403, `Cross-origin request refused: ${url.pathname} is the mock's own surface and answers pages of its own origin only (Sec-Fetch-Site: ${sender.value.slice(0, 40)}).`, 'cross_origin_refused');
  }
  return refused(
    403,
    `Cross-origin request refused: ${url.pathname} is the mock's own surface and answers pages of its own origin only (Origin '${sender.value.slice(0, 80)}').`,
    'cross_origin_refused',
  );
}

/**
 * 415 for a POST that is not `application/json` (an empty body included): the one body type a web page
 * cannot send to another origin without a preflight, which this surface never grants.
 */
export function refuseNonJsonPost(request: Request): HttpError | undefined {
  if (request.method !== 'POST') return undefined;
  const type = request.headers.get('content-type') ?? '';
  if (/^application\/json\s*(;|$)/i.test(type)) return undefined;
  return refused(
    415,
    `${new URL(request.url).pathname} takes Content-Type: application/json only${type ? `, got '${type.slice(0, 80)}'` : ' (none was sent)'}; send a JSON body such as {}.`,
    'unsupported_media_type',
  );
}

/** Equal strings in a time that does not depend on where they differ (no node:crypto in the mock). */
function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given.charCodeAt(i % Math.max(1, given.length)) || 0) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The token a request presents: `Authorization: Bearer <t>`, `X-Sora-Admin-Token: <t>`, or (`basic`) the password of Basic credentials. */
function presentedToken(request: Request, basic: boolean): string | undefined {
  const header = request.headers.get(ADMIN_TOKEN_HEADER);
  if (header !== null) return header.trim();
  const authorization = request.headers.get('authorization') ?? '';
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization);
  if (bearer) return bearer[1].trim();
  const credentials = basic ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization) : null;
  if (credentials) {
    try {
      const decoded = atob(credentials[1]);
      return decoded.slice(decoded.indexOf(':') + 1);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * 401 unless the request presents `token`. `basic` also takes it as the password of HTTP Basic
 * credentials, which a browser asks for and then sends by itself (the inspector page and its event
 * stream cannot set headers).
 */
export function refuseWithoutToken(request: Request, token: string | undefined, { basic = false } = {}): HttpError | undefined {
  if (token === undefined) return undefined;
  const given = presentedToken(request, basic);
  if (given !== undefined && sameSecret(given, token)) return undefined;
  const challenge = basic ? 'Basic realm="sora-kit", charset="UTF-8"' : 'Bearer realm="sora-kit admin"';
  return given === undefined
    ? refused(401, `This endpoint needs the admin token: send 'Authorization: Bearer <token>' or '${ADMIN_TOKEN_HEADER}: <token>' (the value of --admin-token).`, 'admin_token_required', { 'www-authenticate': challenge })
    : refused(401, 'The admin token presented is not this server\'s (--admin-token).', 'invalid_admin_token', { 'www-authenticate': challenge });
}

/**
 * The steps an admin route runs before its handler (after the flow's surface step refused other
 * hosts and origins): the token, then the body type. Refusals are thrown, so the flow's errors step
 * answers them with the envelope like any other.
 */
export function adminGuardSteps(token: string | undefined): Step<RequestContext>[] {
  return [
    {
      name: 'token',
      run(ctx, next) {
        const refusal = refuseWithoutToken(ctx.request, token);
        if (refusal) throw refusal;
        return next(ctx);
      },
    },
    {
      name: 'json-only',
      run(ctx, next) {
        const refusal = refuseNonJsonPost(ctx.request);
        if (refusal) throw refusal;
        return next(ctx);
      },
    },
  ];
}

/**
 * The step the inspector's routes run first: the admin token when the server may be reached from
 * other machines (AnswerOptions.localOnly is not true), as Basic credentials too, since the page and
 * its event stream cannot set headers and a browser prompts for them. Host and origin were checked by
 * the flow's surface step.
 */
export function inspectorGuardSteps(token: string | undefined): Step<RequestContext>[] {
  return [
    {
      name: 'token',
      run(ctx, next) {
        const refusal = ctx.transport?.localOnly ? undefined : refuseWithoutToken(ctx.request, token, { basic: true });
        if (refusal) throw refusal;
        return next(ctx);
      },
    },
  ];
}
