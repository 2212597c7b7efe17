/**
 * A tiny method + path router. Written by hand rather than taken from hono because the mock needs
 * two things a general router does not give without reaching into its internals: a 405 with the
 * `Allow` list when the path exists under another method, and HEAD answered by the GET route.
 */
export type Params = Record<string, string>;
export type Handler<C> = (ctx: C, params: Params) => Promise<Response> | Response;

interface Route<C> {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler<C>;
}

export type RouteMatch<C> =
  | { kind: 'found'; handler: Handler<C>; params: Params }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

export class Router<C> {
  private readonly routes: Route<C>[] = [];

  /** `path` segments like `:video_id` capture one segment (URL-decoded). */
  on(method: string, path: string, handler: Handler<C>): this {
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
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  match(method: string, path: string): RouteMatch<C> {
    const allow = new Set<string>();
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        const params: Params = {};
        route.keys.forEach((key, i) => {
          params[key] = safeDecode(m[i + 1]);
        });
        return { kind: 'found', handler: route.handler, params };
      }
      allow.add(route.method);
      if (route.method === 'GET') allow.add('HEAD');
    }
    return allow.size > 0 ? { kind: 'method_not_allowed', allow: [...allow, 'OPTIONS'] } : { kind: 'not_found' };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
