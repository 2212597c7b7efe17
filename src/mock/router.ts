/**
 * A tiny method + path router. Written by hand rather than taken from hono because the mock needs
 * two things a general router does not give without reaching into its internals: a 405 with the
 * `Allow` list when the path exists under another method, and HEAD answered by the GET route.
 */
import { compilePath, matchPath, type CompiledPath } from '../spec/paths.js';

export type Params = Record<string, string>;
export type Handler<C> = (ctx: C, params: Params) => Promise<Response> | Response;

interface Route<C> {
  method: string;
  path: CompiledPath;
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

  /** `path` segments like `:video_id` or `{video_id}` capture one segment (URL-decoded, never throwing). */
  on(method: string, path: string, handler: Handler<C>, operation?: string): this {
    this.routes.push({ method, path: compilePath(path), handler, operation });
    return this;
  }

  match(method: string, path: string): RouteMatch<C> {
    for (const route of this.routes) {
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const params = matchPath(route.path, path);
      if (!params) continue;
      return { kind: 'found', handler: route.handler, params, operation: route.operation };
    }
    const allow = this.allow(path);
    return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }

  /** Every method `path` answers (HEAD with GET, and OPTIONS), for `Allow`; [] when no route has it. */
  allow(path: string): string[] {
    const allow = new Set<string>();
    for (const route of this.routes) {
      if (!route.path.pattern.test(path)) continue;
      allow.add(route.method);
      if (route.method === 'GET') allow.add('HEAD');
    }
    return allow.size > 0 ? [...allow, 'OPTIONS'] : [];
  }
}
