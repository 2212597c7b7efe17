/**
 * Path templates as matchers: one compiler for the mock's router and for the judges that find the
 * operation of a request they observed, so both read a path the same way. A captured segment is
 * percent-decoded leniently: a peer's malformed escape (`%E0%A4%A`) is kept as it came, never thrown.
 */
import { parseUrl, safeDecode } from '../util/index.js';
import { OPERATIONS, type OperationId } from './operations.js';

export interface CompiledPath {
  pattern: RegExp;
  /** The names of the captured segments, in order. */
  keys: string[];
}

/** `/videos/{video_id}` or `/videos/:video_id`: each named segment captures one path segment. */
export function compilePath(template: string): CompiledPath {
  const keys: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const named = /^(?::(\w+)|\{(\w+)\})$/.exec(segment);
      if (named) {
        keys.push(named[1] ?? named[2]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}/?$`), keys };
}

/** The captured segments of `path`, decoded, or undefined when it does not match. */
export function matchPath(compiled: CompiledPath, path: string): Record<string, string> | undefined {
  const m = compiled.pattern.exec(path);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < compiled.keys.length; i++) {
    const segment = m[i + 1];
    // Nothing to decode without a percent sign (the usual id), so no decoder call for it.
    params[compiled.keys[i]] = segment.includes('%') ? safeDecode(segment) : segment;
  }
  return params;
}

const OPERATION_PATHS = (Object.keys(OPERATIONS) as OperationId[]).map((id) => ({ id, method: OPERATIONS[id].method as string, compiled: compilePath(OPERATIONS[id].path) }));

export interface OperationMatch {
  id: OperationId;
  params: Record<string, string>;
}

/**
 * The operation of `method` on `path` (under the API root: `/videos/abc`), or undefined. HEAD is not
 * GET here: a judge must not hold a HEAD answer's empty body to the GET answer's schema.
 */
export function matchOperation(method: string, path: string): OperationMatch | undefined {
  const upper = method.toUpperCase();
  for (const op of OPERATION_PATHS) {
    if (op.method !== upper) continue;
    const params = matchPath(op.compiled, path);
    if (params) return { id: op.id, params };
  }
  return undefined;
}

/**
 * The operation of an absolute request URL against a deployment's API root
 * (`http://host/sora/v1`); undefined for another origin, another root, or anything but an operation.
 * Never throws on a peer's URL.
 */
export function operationOfUrl(method: string, url: string, apiRoot: string): OperationMatch | undefined {
  const target = parseUrl(url);
  const root = parseUrl(apiRoot);
  if (!target || !root) return undefined;
  const prefix = root.pathname.replace(/\/+$/, '');
  if (target.origin !== root.origin || (target.pathname !== prefix && !target.pathname.startsWith(`${prefix}/`))) return undefined;
  return matchOperation(method, target.pathname.slice(prefix.length) || '/');
}
