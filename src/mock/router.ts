/**
 * A tiny method + path router. Written by hand rather than taken from hono because the mock needs
 * two things a general router does not give without reaching into its internals: a 405 with the
 * `Allow` list when the path exists under another method, and HEAD answered by the GET route.
 */
import { safeDecode } from '../util/index.js';

export type Params = Record<string, string>;
export type Handler<C> = (ctx: C, params: Params) => Promise<Response> | Response;

interface Route<C> {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler<C>;
  /** The operation of the table it serves (spec/operations.ts), for the journal. */
  operation?: string;
}

export type RouteMatch<C> =
  | { kind: 'found'; handler: Handler<C>; params: Params; operation?: string }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  /** `path` segments like `:video_id` capture one segment (URL-decoded). */
  on(method: string, path: string, handler: Handler<C>, operation?: string): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((segment) => {
        if (segment.startsWith(':')) {
          keys.push(segment.slice(1));
          return '([^/]+)';
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler, operation });
    return this;
  }

  match(method: string, path: string): RouteMatch<C> {
    for (const route of this.routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Params = {};
      for (let i = 0; i < route.keys.length; i++) {
        const segment = m[i + 1];
        // Nothing to decode without a percent sign (the usual id), so no decoder call for it.
        params[route.keys[i]] = segment.includes('%') ? safeDecode(segment) : segment;
      }
      return { kind: 'found', handler: route.handler, params, operation: route.operation };
    }
    const allow = this.allow(path);
    return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }

  /** Every method `path` answers (HEAD with GET, and OPTIONS), for `Allow`; [] when no route has it. */
  allow(path: string): string[] {
    const allow = new Set<string>();
    for (const route of this.routes) {
      if (!route.pattern.test(path)) continue;
      allow.add(route.method);
      if (route.method === 'GET') allow.add('HEAD');
    }
    return allow.size > 0 ? [...allow, 'OPTIONS'] : [];
  }
}
