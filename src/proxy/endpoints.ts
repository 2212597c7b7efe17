/**
 * The proxy's own surface, `/__sora/proxy/*`: the inspector page and its script, the report and the
 * newest exchanges. For this machine only, behind the guard the mock's surface uses too: the Host
 * must be one of the proxy's names (src/util/host-guard.ts, against DNS rebinding) and no page of
 * another origin may ask (src/util/origin-policy.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cutText } from '../spec/describe.js';
import { allowedHostNames } from '../util/host-guard.js';
import { crossOriginSender } from '../util/origin-policy.js';
import { toHeaders } from './bodies.js';
import { answerError, endToEnd } from './forward.js';
import { INSPECTOR_CSP, inspectorPage, inspectorScript } from './inspector.js';
import { SHOWN, type ProxyReport, type RecentExchange } from './observer.js';

export const PROXY_PREFIX = '/__sora/proxy';

const PAGE = `${PROXY_PREFIX}/`;
const SCRIPT = `${PROXY_PREFIX}/inspector.js`;
const REPORT = `${PROXY_PREFIX}/report`;
const EXCHANGES = `${PROXY_PREFIX}/exchanges`;
const SURFACE = [PAGE, SCRIPT, REPORT, EXCHANGES];

/** What the surface shows, and where the proxy listens (its Host names follow from it). */
export interface EndpointsContext {
  /** The deployment's origin, shown on the page. */
  target: string;
  /** The address the proxy is bound to. */
  bound(): string;
  report(): ProxyReport;
  recent(): readonly RecentExchange[];
}

/** Whether a request target is the proxy's own: `/__sora/proxy` itself, anything below it, or it with a query. */
export function isOwnPath(path: string): boolean {
  return path === PROXY_PREFIX || path.startsWith(`${PROXY_PREFIX}/`) || path.startsWith(`${PROXY_PREFIX}?`);
}

/** Answer a request to the proxy's own surface (one isOwnPath holds for). */
export function answerOwn(ctx: EndpointsContext, incoming: IncomingMessage, outgoing: ServerResponse): void {
  const send = (type: string, text: string, headers: Record<string, string> = {}) => {
    outgoing.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
    outgoing.end(text);
  };
  const page = (type: string, text: string) => send(type, text, { 'content-security-policy': INSPECTOR_CSP, 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY' });
  const json = (body: unknown) => send('application/json; charset=utf-8', JSON.stringify(body, null, 2));
  const refuse = (status: number, message: string, code: string, extra?: Record<string, string>) => answerError(outgoing, status, message, { code }, extra);
  incoming.resume();
  const host = incoming.headers.host;
  if (!allowedHostNames(ctx.bound())(host)) return refuse(403, `Host '${String(host ?? '').slice(0, 80)}' is not a name of this proxy; ${PROXY_PREFIX}/* answers only under its own address.`, 'host_not_allowed');
  const sender = crossOriginSender(toHeaders(endToEnd(incoming.rawHeaders)), `http://${host}`);
  if (sender) {
    return refuse(403, `Cross-origin request refused: ${PROXY_PREFIX}/* is the proxy's own surface and answers pages of its own origin only (${sender.header === 'origin' ? 'Origin' : 'Sec-Fetch-Site'}: ${sender.value.slice(0, 80)}).`, 'cross_origin_refused');
  }
  const path = (incoming.url ?? '').split('?')[0];
  if (!SURFACE.includes(path)) return refuse(404, `Unknown proxy endpoint ${cutText(path, SHOWN)}; the proxy's own surface is ${SURFACE.map((p) => `GET ${p}`).join(', ')}.`, 'not_found');
  if (incoming.method !== 'GET' && incoming.method !== 'HEAD') return refuse(405, `${path} answers GET only.`, 'method_not_allowed', { allow: 'GET, HEAD' });
  if (path === PAGE) return page('text/html; charset=utf-8', inspectorPage(PROXY_PREFIX, ctx.target));
  if (path === SCRIPT) return page('text/javascript; charset=utf-8', inspectorScript(PROXY_PREFIX));
  if (path === EXCHANGES) return json({ exchanges: ctx.recent() });
  json(ctx.report());
}
